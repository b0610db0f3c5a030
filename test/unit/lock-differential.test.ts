/**
 * The lock-file readers against Python's own TOML and JSON readers (Debian's /usr/bin/python3
 * tomllib and json, with python3-packaging), over every lock in test/data/lockfiles: the same
 * packages, versions, sources, edges (and what each resolves to) and direct dependencies; every
 * name's range is checked by slicing the text; and the TOML reader's whole reading of every TOML
 * file there equals tomllib's.
 */
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { LockEdge, LockFile, LockKind, PackageSource } from '../../server/src/core/lock/model.js';
import { isCompiledRequirements, lockKindOf, readLockFile } from '../../server/src/core/lock/read.js';
import { readToml, TomlDateTime } from '../../server/src/core/lock/toml.js';
import { REFERENCE_PYTHON } from '../support/reference.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const DATA = path.join(here, '..', 'data', 'lockfiles');
const SCRIPT = path.join(here, '..', 'support', 'lock-reference.py');

function allFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? allFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** The data keeps a file's path in its name (`server__uv.lock`): the real name is the last part. */
function kindOf(file: string): LockKind | undefined {
  const base = path.basename(file).split('__').pop()!;
  const kind = lockKindOf(base);
  if (kind !== undefined || !base.endsWith('.txt')) return kind;
  return isCompiledRequirements(fs.readFileSync(file, 'utf8')) ? 'compiled-requirements' : undefined;
}

const files = allFiles(DATA).sort();
const locks = files.flatMap((f) => {
  const kind = kindOf(f);
  return kind ? [{ path: f, kind }] : [];
});
const tomlFiles = files.filter((f) => /\.(toml|lock)$|Pipfile$/.test(f) && !f.endsWith('Pipfile.lock'));

function reference(): { locks: unknown[]; toml: unknown[] } {
  const r = spawnSync(REFERENCE_PYTHON, [SCRIPT], { input: JSON.stringify({ locks, toml: tomlFiles }), maxBuffer: 1 << 30, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${REFERENCE_PYTHON} ${SCRIPT} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { locks: unknown[]; toml: unknown[] };
}

function sourceKey(s: PackageSource): string {
  return `${s.kind}:${'path' in s ? s.path : (s.url ?? '')}`;
}

function view(lock: LockFile, markers: boolean): unknown {
  const targets = (e: LockEdge): string =>
    e.targets
      .map((i) => `${lock.packages[i]!.name}==${lock.packages[i]!.version ?? ''}`)
      .sort()
      .join(',');
  const key = (e: LockEdge): string =>
    [e.kind, e.group ?? '', e.normalizedName, markers ? (e.marker ?? '') : e.marker ? '<any>' : '', [...e.extras].sort().join(','), targets(e)].join('|');
  return {
    packages: lock.packages.map((p) => ({
      name: p.name,
      version: p.version ?? null,
      source: sourceKey(p.source),
      edges: [...p.dependencies, ...[...p.optionalDependencies.values()].flat(), ...[...p.devDependencies.values()].flat()].map(key).sort(),
    })),
    roots: lock.roots
      .map(
        (r) =>
          `${r.member ?? ''}|${r.kind}|${r.group ?? ''}|${r.edges
            .map((e) => e.normalizedName)
            .sort()
            .join(',')}`,
      )
      .sort(),
  };
}

const ref = reference();

test('the data holds every kind of lock', () => {
  assert.deepEqual([...new Set(locks.map((l) => l.kind))].sort(), ['compiled-requirements', 'pdm', 'pipfile-lock', 'poetry', 'pylock', 'uv']);
});

locks.forEach((l, i) => {
  const name = path.relative(DATA, l.path);
  test(`${name}: the same packages, sources, edges and roots as the reference`, () => {
    const text = fs.readFileSync(l.path, 'utf8');
    const lock = readLockFile(l.kind, text, l.path);
    assert.deepEqual(
      lock.problems.filter((p) => p.code === 'syntax-error'),
      [],
      'no syntax problem in a real lock',
    );
    assert.ok(lock.packages.length > 0);
    assert.deepEqual(view(lock, l.kind !== 'pdm' && l.kind !== 'pylock'), ref.locks[i]);
  });
  test(`${name}: every name's range is the name`, () => {
    const text = fs.readFileSync(l.path, 'utf8');
    const lock = readLockFile(l.kind, text, l.path);
    const lines = text.split(/\r\n|\n|\r/);
    for (const p of lock.packages) {
      const { start, end } = p.nameRange;
      assert.equal(start.line, end.line, p.name);
      const written = lines[start.line]!.slice(start.character, end.character);
      assert.equal(l.kind === 'pipfile-lock' ? JSON.parse(`"${written}"`) : written, p.name);
    }
  });
});

test('the TOML reader reads every TOML file of the data as tomllib does', () => {
  tomlFiles.forEach((f, i) => {
    const doc = readToml(fs.readFileSync(f, 'utf8'));
    assert.deepEqual(doc.errors, [], f);
    const mine: unknown = JSON.parse(JSON.stringify(doc.root, (_, v: unknown) => (v instanceof TomlDateTime ? '<datetime>' : v)));
    assert.deepEqual(mine, ref.toml[i], f);
  });
});
