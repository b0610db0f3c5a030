/**
 * pdm.lock (lock_version 4.x): `[[package]]` tables whose `dependencies` are PEP 508 strings,
 * matched to packages by name. A package locked with extras is written again with `extras = [...]`
 * and the extra dependencies; both entries are kept. The lock does not say which packages are direct.
 */
import { isPep508Error, normalizeName, parsePep508 } from '../pep508.js';
import { edge, newLines, ProblemList, reportDuplicates, reportTomlErrors, resolveByName, entryName } from './common.js';
import type { Lines } from './lines.js';
import type { LockEdge, LockedPackage, LockFile, PackageSource } from './model.js';
import { emptyLock } from './model.js';
import type { TomlDocument, TomlTable } from './toml.js';
import { asString, readToml, stringsOf, tablesOf } from './toml.js';

const BULK: ReadonlySet<string> = new Set(['files']);

export function pdmSource(t: TomlTable): PackageSource {
  const git = asString(t.git);
  if (git !== undefined) return { kind: 'git', url: git };
  const url = asString(t.url);
  if (url !== undefined) return { kind: 'url', url };
  const path = asString(t.path);
  if (path !== undefined) return { kind: t.editable === true ? 'editable' : 'path', path };
  return { kind: 'registry' };
}

/** PEP 508 strings as edges; a string that does not parse is a problem on the package's name. */
export function pep508Edges(p: LockedPackage, list: string[], problems: ProblemList): LockEdge[] {
  const edges: LockEdge[] = [];
  for (const s of list) {
    const r = parsePep508(s);
    if (isPep508Error(r)) {
      problems.addAt(p.nameRange, `${p.name}: the dependency ${JSON.stringify(s)} is not a valid requirement (${r.error})`, 'invalid-requirement');
      continue;
    }
    const e = edge(r.name, 'required', { extras: r.extras, specifier: r.specifier });
    if (r.marker !== '') e.marker = r.marker;
    edges.push(e);
  }
  return edges;
}

function readPackage(doc: TomlDocument, t: TomlTable, lines: Lines, problems: ProblemList): LockedPackage | undefined {
  const entry = entryName(doc, t, lines, problems);
  if (!entry) return undefined;
  const { name, nameRange } = entry;
  const p: LockedPackage = {
    name,
    normalizedName: normalizeName(name),
    version: asString(t.version),
    source: pdmSource(t),
    nameRange,
    dependencies: [],
    optionalDependencies: new Map(),
    devDependencies: new Map(),
    groups: stringsOf(t.groups),
  };
  const marker = asString(t.marker);
  if (marker !== undefined) p.marker = marker;
  const extras = stringsOf(t.extras);
  if (extras.length > 0) p.extras = extras;
  p.dependencies = pep508Edges(p, stringsOf(t.dependencies), problems);
  return p;
}

export function parsePdmLock(text: string, file = 'pdm.lock'): LockFile {
  const lock = emptyLock('pdm');
  const lines = newLines(text);
  const problems = new ProblemList(lines);
  const doc = readToml(text, { skip: BULK });
  reportTomlErrors(doc, file, lines, problems);
  for (const t of tablesOf(doc.root.package)) {
    const p = readPackage(doc, t, lines, problems);
    if (p) lock.packages.push(p);
  }
  resolveByName(lock, problems);
  reportDuplicates(lock, problems, (p) => `${JSON.stringify(p.source)}[${(p.extras ?? []).join(',')}]`);
  lock.problems = problems.done();
  return lock;
}
