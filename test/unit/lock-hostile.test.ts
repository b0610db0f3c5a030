/** Damaged, huge and deeply nested lock files: each read as far as it can be, with a clear problem, never a throw. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { LockKind } from '../../server/src/core/lock/model.js';
import { readLockFile } from '../../server/src/core/lock/read.js';
import { readToml } from '../../server/src/core/lock/toml.js';
import { LockGraph } from '../../server/src/core/lock/graph.js';

const DATA = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'data', 'lockfiles');
const crewai = fs.readFileSync(path.join(DATA, 'crewAIInc__crewAI', 'uv.lock'), 'utf8');

function names(kind: LockKind, text: string): string[] {
  return readLockFile(kind, text).packages.map((p) => p.name);
}

test('a truncated uv.lock keeps the packages before the cut, and says where it broke', () => {
  const full = names('uv', crewai);
  const cut = crewai.slice(0, Math.floor(crewai.length / 2));
  const lock = readLockFile('uv', cut, 'uv.lock');
  assert.ok(lock.packages.length >= full.length / 3, `${lock.packages.length} of ${full.length}`);
  assert.deepEqual(
    lock.packages.map((p) => p.name),
    full.slice(0, lock.packages.length),
  );
  const problem = lock.problems.find((p) => p.code === 'syntax-error')!;
  assert.match(problem.message, /uv\.lock is not valid TOML/);
  // On the last package's line that does not end (a `wheels = [` cut short is reported where it opens).
  const lastPackage = cut.slice(0, cut.lastIndexOf('[[package]]')).split('\n').length - 1;
  assert.ok(problem.range.start.line > lastPackage && problem.range.start.line <= cut.split('\n').length - 1, JSON.stringify(problem.range));
});

test('a damaged package in the middle: the packages after it are read too', () => {
  const at = crewai.indexOf('[[package]]', crewai.length / 2);
  const broken = `${crewai.slice(0, at)}[[package]]\nname = "broken\nversion = 1.0.0 oops\n\n${crewai.slice(at)}`;
  const lock = readLockFile('uv', broken, 'uv.lock');
  assert.deepEqual(
    lock.packages.map((p) => p.name),
    names('uv', crewai),
  );
  assert.ok(lock.problems.some((p) => /not valid TOML: a string that does not end on its line/.test(p.message)));
});

test('a file named uv.lock that is not TOML, or empty, or binary', () => {
  for (const text of ['<html><body>Not found</body></html>\n', '', '\u0000\u0001\u0002\u00ff'.repeat(1000), '[[package]\nname = "x"\n']) {
    const lock = readLockFile('uv', text, 'uv.lock');
    assert.deepEqual(lock.packages, []);
    assert.equal(lock.problems.length >= 1, true, JSON.stringify(text.slice(0, 20)));
    assert.match(lock.problems[0]!.message, /uv\.lock (is not valid TOML|has no \[\[package\]\] tables)/);
  }
});

test('invalid JSON in Pipfile.lock: one problem where the JSON breaks', () => {
  const good = fs.readFileSync(path.join(DATA, 'pypa__pipenv', 'examples__Pipfile.lock'), 'utf8');
  const lock = readLockFile('pipfile-lock', good.slice(0, 500), 'Pipfile.lock');
  assert.deepEqual(lock.packages, []);
  assert.equal(lock.problems.length, 1);
  assert.match(lock.problems[0]!.message, /^Pipfile\.lock is not valid JSON/);
  assert.deepEqual(
    readLockFile('pipfile-lock', '[1, 2]', 'Pipfile.lock').problems.map((p) => p.message),
    ['Pipfile.lock is not a JSON object'],
  );
  const deep = `{"default": {"a": {"version": "==1", "x": ${'['.repeat(100000)}${']'.repeat(100000)}}}}`;
  assert.deepEqual(names('pipfile-lock', deep), ['a']);
});

test('5,000 nested arrays: an error, not a stack overflow, in kept and in skipped values', () => {
  const nested = `${'['.repeat(5000)}${']'.repeat(5000)}`;
  const doc = readToml(`a = ${nested}\n[b]\nc = 1\n`);
  assert.match(doc.errors[0]!.message, /nested more than 64 deep/);
  assert.deepEqual(doc.root.b, { c: 1 }, 'the table after it is read');
  const lock = readLockFile(
    'uv',
    `version = 1\n[[package]]\nname = "a"\nversion = "1"\nsource = { registry = "https://pypi.org/simple" }\nwheels = ${nested}\n`,
    'uv.lock',
  );
  assert.deepEqual(
    lock.packages.map((p) => p.name),
    ['a'],
  );
  assert.match(lock.problems[0]!.message, /nested more than 64 deep/);
  const inline = readToml(`a = ${'{ b = '.repeat(5000)}1${' }'.repeat(5000)}\n`);
  assert.match(inline.errors[0]!.message, /nested more than 64 deep/);
});

test('a 20 MB generated lock is read whole', () => {
  const parts: string[] = [
    'version = 1\nrevision = 3\n\n[[package]]\nname = "app"\nversion = "0"\nsource = { editable = "." }\ndependencies = [{ name = "p0" }]\n',
  ];
  let n = 0;
  let size = parts[0]!.length;
  while (size < 20_000_000) {
    const wheels = Array.from(
      { length: 8 },
      (_, w) => `    { url = "https://files.example/p${n}-${w}.whl", hash = "sha256:${'0'.repeat(64)}", size = 1234, upload-time = "2025-01-01T00:00:00Z" },\n`,
    ).join('');
    const part = `\n[[package]]\nname = "p${n}"\nversion = "1.0"\nsource = { registry = "https://pypi.org/simple" }\ndependencies = [{ name = "p${n + 1}", marker = "python_version >= '3'" }]\nwheels = [\n${wheels}]\n`;
    parts.push(part);
    size += part.length;
    n++;
  }
  const lock = readLockFile('uv', parts.join(''), 'uv.lock');
  assert.deepEqual(lock.problems, []);
  assert.equal(lock.packages.length, n + 1);
  const g = new LockGraph(lock);
  assert.equal(g.chain(n)!.packages.length, n);
  assert.ok(g.work <= 3 * (n + 1));
});

test('poetry and pdm locks with a package listed twice and an edge to nowhere', () => {
  const poetry = '[[package]]\nname = "a"\nversion = "1"\n\n[package.dependencies]\nghost = "*"\n\n[[package]]\nname = "a"\nversion = "1"\n';
  const lock = readLockFile('poetry', poetry, 'poetry.lock');
  assert.deepEqual(lock.problems.map((p) => p.message).sort(), ['a 1 is listed twice', 'a depends on ghost, which the lock does not contain']);
  assert.deepEqual(lock.problems.map((p) => p.range.start.line).sort(), [1, 1].map((l, i) => (i === 0 ? l : 8)).sort());
  const pdm = '[[package]]\nname = "a"\nversion = "1"\ndependencies = ["not a requirement!!", "b>=1"]\n\n[[package]]\nname = "b"\nversion = "2"\n';
  const p = readLockFile('pdm', pdm, 'pdm.lock');
  assert.deepEqual(
    p.packages[0]!.dependencies.map((e) => [e.name, e.targets]),
    [['b', [1]]],
  );
  assert.equal(p.problems[0]!.code, 'invalid-requirement');
});

test('problems are capped for a file full of faults', () => {
  const text = Array.from(
    { length: 5000 },
    (_, i) => `[[package]]\nname = "p${i}"\ndependencies = [{ name = "ghost${i}" }]\nsource = { registry = "x" }\n`,
  ).join('\n');
  const lock = readLockFile('uv', text, 'uv.lock');
  assert.equal(lock.packages.length, 5000);
  assert.equal(lock.problems.length, 201);
  assert.match(lock.problems[200]!.message, /and 4800 more problems/);
});
