/**
 * uv.lock (revisions 1 to 3) and uv's script locks (`<script>.py.lock`).
 *
 * `[[package]]` tables give the packages; `dependencies`, `[package.optional-dependencies]` and
 * `[package.dev-dependencies]` the edges, which name their target and, where the name is locked
 * more than once, its `version` and `source` too. The direct dependencies are those of the
 * workspace members (`[manifest] members`, or the project's own editable or virtual package), of
 * the workspace root's `[manifest.dependency-groups]`, or a script's `[manifest] requirements`.
 */
import { normalizeName } from '../pep508.js';
import { edge, newLines, ProblemList, reportDuplicates, reportTomlErrors, resolveByName, entryName } from './common.js';
import type { EdgeKind, LockEdge, LockedPackage, LockFile, LockRoot, PackageSource } from './model.js';
import { emptyLock } from './model.js';
import type { TomlDocument, TomlTable, TomlValue } from './toml.js';
import { asString, asTable, readToml, stringsOf, tablesOf } from './toml.js';

/** Distribution files and their hashes: most of a lock's bytes, and nothing the reader needs. */
const BULK: ReadonlySet<string> = new Set(['wheels', 'sdist']);

const LOCAL_KINDS = ['editable', 'virtual', 'path', 'directory'] as const;

export function uvSource(v: TomlValue | undefined): PackageSource | undefined {
  const t = asTable(v);
  if (t === undefined) return undefined;
  const registry = asString(t.registry);
  if (registry !== undefined) return { kind: 'registry', url: registry };
  const git = asString(t.git);
  if (git !== undefined) return { kind: 'git', url: git };
  const url = asString(t.url);
  if (url !== undefined) return { kind: 'url', url };
  for (const kind of LOCAL_KINDS) {
    const path = asString(t[kind]);
    if (path !== undefined) return { kind, path };
  }
  return undefined;
}

export function sourceKey(s: PackageSource | undefined): string {
  if (s === undefined) return '';
  return `${s.kind}:${'path' in s ? s.path : (s.url ?? '')}`;
}

interface PendingEdge {
  edge: LockEdge;
  version?: string;
  source?: string;
}

function readEdges(list: TomlValue | undefined, kind: EdgeKind, group: string | undefined, pending: PendingEdge[]): LockEdge[] {
  const edges: LockEdge[] = [];
  for (const t of tablesOf(list)) {
    const name = asString(t.name);
    if (name === undefined) continue;
    const listed = t.extra ?? t.extras;
    const e = edge(name, kind);
    if (listed !== undefined) e.extras = stringsOf(listed);
    const marker = asString(t.marker);
    if (marker !== undefined) e.marker = marker;
    const specifier = asString(t.specifier);
    if (specifier !== undefined) e.specifier = specifier;
    if (group !== undefined) e.group = group;
    edges.push(e);
    // Only an edge that says which of several packages of a name it means needs resolving by them.
    const version = asString(t.version);
    const source = uvSource(t.source);
    if (version !== undefined || source !== undefined) pending.push({ edge: e, version, source: source && sourceKey(source) });
  }
  return edges;
}

function groupedEdges(v: TomlValue | undefined, kind: EdgeKind, pending: PendingEdge[]): Map<string, LockEdge[]> {
  const out = new Map<string, LockEdge[]>();
  for (const [group, list] of Object.entries(asTable(v) ?? {})) out.set(group, readEdges(list, kind, group, pending));
  return out;
}

function readPackage(
  doc: TomlDocument,
  t: TomlTable,
  lines: ReturnType<typeof newLines>,
  problems: ProblemList,
  pending: PendingEdge[],
): LockedPackage | undefined {
  const entry = entryName(doc, t, lines, problems);
  if (!entry) return undefined;
  const { name, nameRange } = entry;
  const source = uvSource(t.source);
  if (source === undefined) problems.addAt(nameRange, `${name} has no source the reader knows; it is taken as from the default index`);
  return {
    name,
    normalizedName: normalizeName(name),
    version: asString(t.version),
    source: source ?? { kind: 'registry' },
    nameRange,
    dependencies: readEdges(t.dependencies, 'required', undefined, pending),
    optionalDependencies: groupedEdges(t['optional-dependencies'], 'optional', pending),
    devDependencies: groupedEdges(t['dev-dependencies'], 'dev', pending),
    groups: [],
  };
}

/** The member packages: those `[manifest] members` names, else the project's own package at `.`. */
function memberPackages(lock: LockFile): number[] {
  const members = new Set(lock.members.map(normalizeName));
  const out: number[] = [];
  lock.packages.forEach((p, i) => {
    const s = p.source;
    const atRoot = (s.kind === 'editable' || s.kind === 'virtual') && s.path === '.';
    if (members.size > 0 ? members.has(p.normalizedName) && (s.kind === 'editable' || s.kind === 'virtual') : atRoot) out.push(i);
  });
  return out;
}

function rootsOf(lock: LockFile, manifest: TomlTable | undefined, pending: PendingEdge[]): LockRoot[] {
  const roots: LockRoot[] = [];
  for (const i of memberPackages(lock)) {
    const p = lock.packages[i]!;
    const base = { member: p.name, memberPackage: i };
    roots.push({ ...base, kind: 'required', edges: p.dependencies });
    for (const [group, edges] of p.optionalDependencies) roots.push({ ...base, kind: 'optional', group, edges });
    for (const [group, edges] of p.devDependencies) roots.push({ ...base, kind: 'dev', group, edges });
  }
  if (manifest === undefined) return roots;
  const requirements = readEdges(manifest.requirements, 'required', undefined, pending);
  if (requirements.length > 0) roots.push({ kind: 'required', edges: requirements });
  for (const [group, edges] of groupedEdges(manifest['dependency-groups'], 'dev', pending)) roots.push({ kind: 'dev', group, edges });
  return roots;
}

/** Edges that say which of several packages of a name they mean, by version and source. */
function disambiguate(lock: LockFile, pending: PendingEdge[]): (e: LockEdge, candidates: number[]) => number[] {
  const wanted = new Map<LockEdge, PendingEdge>();
  for (const p of pending) if (p.version !== undefined || p.source !== undefined) wanted.set(p.edge, p);
  return (e, candidates) => {
    const w = wanted.get(e);
    if (w === undefined) return candidates;
    const match = candidates.filter((i) => {
      const pkg = lock.packages[i]!;
      return (w.version === undefined || pkg.version === w.version) && (w.source === undefined || sourceKey(pkg.source) === w.source);
    });
    return match.length > 0 ? match : candidates;
  };
}

export function parseUvLock(text: string, file = 'uv.lock'): LockFile {
  const lock = emptyLock('uv');
  const lines = newLines(text);
  const problems = new ProblemList(lines);
  // Each package is read as soon as its tables are complete, so that the TOML tables die young;
  // its problems go after the syntax errors, which are known only at the end.
  const packageProblems = new ProblemList(lines);
  const pending: PendingEdge[] = [];
  const each = (t: TomlTable, d: TomlDocument): void => {
    const p = readPackage(d, t, lines, packageProblems, pending);
    if (p) lock.packages.push(p);
  };
  const doc = readToml(text, { skip: BULK, each: { key: 'package', table: each } });
  reportTomlErrors(doc, file, lines, problems);
  problems.append(packageProblems);
  const root = doc.root;
  const manifest = asTable(root.manifest);
  lock.members = stringsOf(manifest?.members);
  lock.roots = rootsOf(lock, manifest, pending);
  resolveByName(lock, problems, disambiguate(lock, pending));
  reportDuplicates(lock, problems, (p) => sourceKey(p.source));
  if (doc.errors.length === 0 && root.package === undefined) problems.add(0, 0, `${file} has no [[package]] tables`);
  lock.problems = problems.done();
  return lock;
}
