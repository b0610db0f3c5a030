/**
 * pylock.toml and pylock.<name>.toml (PEP 751).
 *
 * `[[packages]]` give the packages and where they come from (`index`, `vcs`, `directory`,
 * `archive`); edges are the optional `dependencies` tables, which name a package and, where the
 * name is locked more than once, its `version`; pdm writes PEP 508 strings under
 * `[packages.tool.pdm] dependencies` instead. The file does not say which packages are direct.
 */
import { normalizeName } from '../pep508.js';
import { edge, newLines, ProblemList, reportDuplicates, reportTomlErrors, resolveByName, entryName } from './common.js';
import type { Lines } from './lines.js';
import type { LockEdge, LockedPackage, LockFile, PackageSource } from './model.js';
import { emptyLock } from './model.js';
import { pep508Edges } from './pdm.js';
import type { TomlDocument, TomlTable } from './toml.js';
import { asString, asTable, readToml, stringsOf, tablesOf } from './toml.js';

const BULK: ReadonlySet<string> = new Set(['wheels', 'sdist']);

export function pylockSource(t: TomlTable): PackageSource {
  const vcs = asTable(t.vcs);
  if (vcs !== undefined) {
    const url = asString(vcs.url) ?? asString(vcs.path) ?? '';
    return asString(vcs.type) === 'git' ? { kind: 'git', url } : { kind: 'url', url };
  }
  const directory = asTable(t.directory);
  if (directory !== undefined) return { kind: directory.editable === true ? 'editable' : 'directory', path: asString(directory.path) ?? '' };
  const archive = asTable(t.archive);
  if (archive !== undefined) {
    const url = asString(archive.url);
    return url !== undefined ? { kind: 'url', url } : { kind: 'path', path: asString(archive.path) ?? '' };
  }
  const index = asString(t.index);
  return index !== undefined ? { kind: 'registry', url: index } : { kind: 'registry' };
}

function readPackage(doc: TomlDocument, t: TomlTable, lines: Lines, problems: ProblemList, versions: Map<LockEdge, string>): LockedPackage | undefined {
  const entry = entryName(doc, t, lines, problems, '[[packages]]');
  if (!entry) return undefined;
  const { name, nameRange } = entry;
  const p: LockedPackage = {
    name,
    normalizedName: normalizeName(name),
    version: asString(t.version),
    source: pylockSource(t),
    nameRange,
    dependencies: [],
    optionalDependencies: new Map(),
    devDependencies: new Map(),
    groups: [],
  };
  const marker = asString(t.marker);
  if (marker !== undefined) p.marker = marker;
  for (const d of tablesOf(t.dependencies)) {
    const dn = asString(d.name);
    if (dn === undefined) continue;
    const e = edge(dn, 'required');
    const version = asString(d.version);
    if (version !== undefined) versions.set(e, version);
    p.dependencies.push(e);
  }
  const pdm = asTable(asTable(t.tool)?.pdm);
  if (t.dependencies === undefined && pdm !== undefined) p.dependencies = pep508Edges(p, stringsOf(pdm.dependencies), problems);
  return p;
}

export function parsePylock(text: string, file = 'pylock.toml'): LockFile {
  const lock = emptyLock('pylock');
  const lines = newLines(text);
  const problems = new ProblemList(lines);
  const doc = readToml(text, { skip: BULK });
  reportTomlErrors(doc, file, lines, problems);
  const versions = new Map<LockEdge, string>();
  for (const t of tablesOf(doc.root.packages)) {
    const p = readPackage(doc, t, lines, problems, versions);
    if (p) lock.packages.push(p);
  }
  resolveByName(lock, problems, (e, candidates) => {
    const v = versions.get(e);
    const match = v === undefined ? [] : candidates.filter((i) => lock.packages[i]!.version === v);
    return match.length > 0 ? match : candidates;
  });
  reportDuplicates(lock, problems, (p) => JSON.stringify(p.source));
  if (doc.errors.length === 0 && doc.root.packages === undefined) problems.add(0, 0, `${file} has no [[packages]] tables`);
  lock.problems = problems.done();
  return lock;
}
