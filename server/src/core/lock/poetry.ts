/**
 * poetry.lock (lock-version 1.1 to 2.1).
 *
 * Edges are `[package.dependencies]` keys, whose values are a constraint, a table (`version`,
 * `markers`, `optional`, `extras`) or an array of such tables; an `optional` one belongs to the
 * extras of `[package.extras]` that name it. The lock does not say which packages are direct: the
 * caller gives the `pyproject.toml`'s. `[package.source]` marks packages not from the default index.
 */
import { normalizeName } from '../pep508.js';
import { edge, newLines, ProblemList, reportDuplicates, reportTomlErrors, resolveByName, entryName } from './common.js';
import type { LockEdge, LockedPackage, LockFile, PackageSource } from './model.js';
import { emptyLock } from './model.js';
import type { TomlDocument, TomlTable, TomlValue } from './toml.js';
import { asString, asTable, readToml, stringsOf } from './toml.js';
import type { Lines } from './lines.js';

const BULK: ReadonlySet<string> = new Set(['files']);

export function poetrySource(v: TomlValue | undefined): PackageSource {
  const t = asTable(v);
  const type = asString(t?.type);
  const url = asString(t?.url) ?? '';
  if (t === undefined || type === undefined) return { kind: 'registry' };
  if (type === 'git') return { kind: 'git', url };
  if (type === 'url') return { kind: 'url', url };
  if (type === 'file') return { kind: 'path', path: url };
  if (type === 'directory') return { kind: t.develop === true ? 'editable' : 'directory', path: url };
  return { kind: 'registry', url };
}

/** Extra → names it brings in, from `[package.extras]` strings such as `"pytest (>=6) ; extra == 'x'"`. */
function extrasByName(v: TomlValue | undefined): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const [extra, list] of Object.entries(asTable(v) ?? {})) {
    for (const s of stringsOf(list)) {
      const name = normalizeName(/^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(s)?.[1] ?? '');
      const extras = byName.get(name) ?? [];
      if (!extras.includes(extra)) extras.push(extra);
      byName.set(name, extras);
    }
  }
  return byName;
}

function readDependencies(p: LockedPackage, deps: TomlValue | undefined, extras: Map<string, string[]>): void {
  for (const [name, value] of Object.entries(asTable(deps) ?? {})) {
    for (const item of Array.isArray(value) ? value : [value]) {
      const t = asTable(item);
      const e = edge(name, 'required', { specifier: typeof item === 'string' ? item : asString(t?.version) });
      const marker = asString(t?.markers);
      if (marker !== undefined) e.marker = marker;
      e.extras = stringsOf(t?.extras);
      if (t?.optional !== true) {
        p.dependencies.push(e);
        continue;
      }
      for (const extra of extras.get(e.normalizedName) ?? ['']) {
        const list = p.optionalDependencies.get(extra) ?? [];
        list.push({ ...e, kind: 'optional', group: extra });
        p.optionalDependencies.set(extra, list);
      }
    }
  }
}

function readPackage(doc: TomlDocument, t: TomlTable, lines: Lines, problems: ProblemList): LockedPackage | undefined {
  const entry = entryName(doc, t, lines, problems);
  if (!entry) return undefined;
  const { name, nameRange } = entry;
  const category = asString(t.category);
  const p: LockedPackage = {
    name,
    normalizedName: normalizeName(name),
    version: asString(t.version),
    source: poetrySource(t.source),
    nameRange,
    dependencies: [],
    optionalDependencies: new Map<string, LockEdge[]>(),
    devDependencies: new Map<string, LockEdge[]>(),
    groups: category !== undefined ? [category] : stringsOf(t.groups),
  };
  const marker = asString(t.markers);
  if (marker !== undefined) p.marker = marker;
  readDependencies(p, t.dependencies, extrasByName(t.extras));
  return p;
}

export function parsePoetryLock(text: string, file = 'poetry.lock'): LockFile {
  const lock: LockFile = emptyLock('poetry');
  const lines = newLines(text);
  const problems = new ProblemList(lines);
  const doc = readToml(text, { skip: BULK });
  reportTomlErrors(doc, file, lines, problems);
  for (const t of Array.isArray(doc.root.package) ? doc.root.package : []) {
    const table = asTable(t);
    const p = table && readPackage(doc, table, lines, problems);
    if (p) lock.packages.push(p);
  }
  resolveByName(lock, problems);
  reportDuplicates(lock, problems, (p) => JSON.stringify(p.source));
  lock.problems = problems.done();
  return lock;
}
