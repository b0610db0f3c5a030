/**
 * A lock file joined to the manifests that go with it: which manifest line declares each direct
 * dependency, the chain that pulls each package in, and what each direct dependency brings with it.
 * Pure: the caller reads the files (see manifestCandidates) and passes them parsed.
 */
import * as path from 'node:path';
import type { Dependency, ParsedFile, Range } from '../types.js';
import { packageKey } from './dependencies.js';
import { LockGraph, rootsFromManifest } from './graph.js';
import type { EdgeKind, LockEdge, LockFile, LockRoot } from './model.js';
import { packagesByName } from './model.js';

/** A manifest that goes with a lock, as the caller read it. */
export interface ManifestInput {
  path: string;
  parsed: ParsedFile;
  /** The uv workspace member it declares (uv.lock), matched against the lock's roots. */
  member?: string;
  /** The `-r` file as a compiled requirements file's `# via` comments write it. */
  group?: string;
}

/** Where a direct dependency is declared. */
export interface DeclaredAt {
  file: string;
  range: Range;
  name: string;
  /** Index of the dependency in the manifest's parsed dependencies. */
  dependency: number;
}

export interface LockView {
  path: string;
  lock: LockFile;
  graph: LockGraph;
  /** The manifests read with it, in the order given. */
  manifests: string[];
  /** The manifest line of each root edge that has one. */
  declared: Map<LockEdge, DeclaredAt>;
  /** Package index → index of its dependency in the lock file's parsed dependencies. */
  dependencyOf: Map<number, number>;
  /** Per manifest, the projects it declares that the lock lacks. */
  lacking: Map<string, Dependency[]>;
}

/** The kind of root a manifest section gives: extras, dependency groups (dev), or the project's own. */
export function edgeKindOfSection(section: string): EdgeKind {
  if (/optional-dependencies|\.extras\b/.test(section)) return 'optional';
  if (/dependency-groups|dev-dependencies|\.group\.|^dev-packages$|^develop$/.test(section)) return 'dev';
  return 'required';
}

/**
 * The manifests that may go with a lock, each a list of candidate paths of which the first that
 * exists is read: the pyproject.toml beside (and uv workspace members'), the Pipfile, the script of a
 * script lock, the `.in` files a compiled requirements file names.
 */
export function manifestCandidates(lockPath: string, lock: LockFile): { paths: string[]; member?: string; group?: string }[] {
  const dir = path.dirname(lockPath);
  const base = path.basename(lockPath);
  const pyproject = path.join(dir, 'pyproject.toml');
  switch (lock.kind) {
    case 'uv': {
      if (base.endsWith('.py.lock')) return [{ paths: [lockPath.slice(0, -'.lock'.length)] }];
      const members = new Set(lock.members.map((m) => m.toLowerCase()));
      const out: { paths: string[]; member?: string }[] = [];
      for (const p of lock.packages) {
        const s = p.source;
        if (s.kind !== 'editable' && s.kind !== 'virtual') continue;
        if (s.path !== '.' && !members.has(p.name.toLowerCase()) && !members.has(p.normalizedName)) continue;
        out.push({ paths: [path.join(dir, s.path, 'pyproject.toml')], member: p.name });
      }
      // A virtual workspace root has no package of its own, but its dependency groups are roots.
      if (!out.some((m) => m.paths[0] === pyproject)) out.unshift({ paths: [pyproject] });
      return out;
    }
    case 'poetry':
    case 'pdm':
      return [{ paths: [pyproject] }];
    case 'pylock':
      return [{ paths: [pyproject, path.join(dir, 'requirements.in')] }];
    case 'pipfile-lock':
      return [{ paths: [path.join(dir, 'Pipfile')] }];
    case 'compiled-requirements':
      return [...new Set(lock.roots.map((r) => r.group).filter((g): g is string => g !== undefined))].map((group) => ({
        paths: inCandidates(dir, group),
        group,
      }));
  }
}

/** pip-compile writes `-r` paths as given on its command line, usually from the repository's root: tried beside, then upwards. */
function inCandidates(dir: string, written: string): string[] {
  if (path.isAbsolute(written)) return [written];
  const out = [path.join(dir, written), path.join(dir, path.basename(written))];
  for (let d = path.dirname(dir), i = 0; i < 4 && d !== path.dirname(d); d = path.dirname(d), i++) out.push(path.join(d, written));
  return [...new Set(out)];
}

/** The locks that may go with a manifest (each read if it exists): the reverse of manifestCandidates. */
export function lockCandidates(manifestPath: string): string[] {
  const dir = path.dirname(manifestPath);
  const base = path.basename(manifestPath);
  if (base === 'pyproject.toml') {
    const out = ['uv.lock', 'poetry.lock', 'pdm.lock', 'pylock.toml'].map((f) => path.join(dir, f));
    // A uv workspace member is locked by the workspace root's uv.lock.
    for (let d = path.dirname(dir), i = 0; i < 3 && d !== path.dirname(d); d = path.dirname(d), i++) out.push(path.join(d, 'uv.lock'));
    return out;
  }
  if (base === 'Pipfile') return [path.join(dir, 'Pipfile.lock')];
  if (base.endsWith('.py')) return [`${manifestPath}.lock`];
  if (base.endsWith('.in')) return [path.join(dir, `${base.slice(0, -3)}.txt`)];
  return [];
}

/** The roots of a lock that records none, from its manifests' dependencies, each root noted with its manifest. */
function rootsFromManifests(lock: LockFile, manifests: ManifestInput[], owner: Map<LockRoot, ManifestInput>): LockRoot[] {
  const roots: LockRoot[] = [];
  for (const m of manifests) {
    const groups = new Map<string, { kind: EdgeKind; group?: string; names: { name: string; extras?: string[] }[] }>();
    for (const d of m.parsed.dependencies) {
      if (d.url !== undefined) continue;
      const kind = edgeKindOfSection(d.section);
      const key = `${kind}\0${kind === 'required' ? '' : d.section}`;
      const g = groups.get(key) ?? { kind, ...(kind === 'required' ? {} : { group: d.section }), names: [] };
      g.names.push({ name: d.name, extras: d.extras });
      groups.set(key, g);
    }
    for (const r of rootsFromManifest(lock, [...groups.values()])) {
      owner.set(r, m);
      roots.push(r);
    }
  }
  return roots;
}

/** The manifest a recorded root belongs to: by workspace member, by `-r` file, else the first (the project's own). */
function ownerOf(root: LockRoot, manifests: ManifestInput[]): ManifestInput | undefined {
  if (root.group !== undefined && root.kind === 'required') {
    const byGroup = manifests.find((m) => m.group === root.group);
    if (byGroup) return byGroup;
  }
  if (root.member !== undefined) {
    const member = root.member.toLowerCase();
    return manifests.find((m) => m.member?.toLowerCase() === member) ?? (manifests.some((m) => m.member !== undefined) ? undefined : manifests[0]);
  }
  return manifests.find((m) => m.member === undefined && m.group === undefined) ?? manifests[0];
}

/** The manifest's dependency an edge stands for: same name, preferring a section of the same kind. */
function declaration(m: ManifestInput, e: LockEdge, kind: EdgeKind): DeclaredAt | undefined {
  let best: number | undefined;
  m.parsed.dependencies.forEach((d, i) => {
    if (d.normalizedName !== e.normalizedName) return;
    if (best === undefined || (edgeKindOfSection(m.parsed.dependencies[best]!.section) !== kind && edgeKindOfSection(d.section) === kind)) best = i;
  });
  if (best === undefined) return undefined;
  const d = m.parsed.dependencies[best]!;
  return { file: m.path, range: d.nameRange, name: d.name, dependency: best };
}

export function buildLockView(lockPath: string, lock: LockFile, parsed: ParsedFile, manifests: ManifestInput[]): LockView {
  const owner = new Map<LockRoot, ManifestInput>();
  const roots = lock.roots.length > 0 ? lock.roots : rootsFromManifests(lock, manifests, owner);
  const graph = new LockGraph(lock, roots);
  const declared = new Map<LockEdge, DeclaredAt>();
  for (const root of roots) {
    const m = owner.get(root) ?? ownerOf(root, manifests);
    if (m === undefined) continue;
    for (const e of root.edges) {
      const at = declaration(m, e, root.kind);
      if (at) declared.set(e, at);
    }
  }
  // pdm writes a package once per set of extras: every entry answers to the one dependency made of the first.
  const byKey = new Map<string, number>();
  parsed.dependencies.forEach((d, i) => d.lockPackage !== undefined && byKey.set(packageKey(lock.packages[d.lockPackage]!), i));
  const dependencyOf = new Map<number, number>();
  lock.packages.forEach((p, i) => {
    const d = byKey.get(packageKey(p));
    if (d !== undefined) dependencyOf.set(i, d);
  });
  const byName = packagesByName(lock.packages);
  const lacking = new Map<string, Dependency[]>();
  for (const m of manifests) {
    // A resolver leaves out what no target environment installs: only unconditional requirements must be locked.
    const missing = m.parsed.dependencies.filter((d) => d.url === undefined && d.marker === '' && !d.section.startsWith('-c') && !byName.has(d.normalizedName));
    if (missing.length > 0) lacking.set(m.path, missing);
  }
  return { path: lockPath, lock, graph, manifests: manifests.map((m) => m.path), declared, dependencyOf, lacking };
}

/** A package's chain from the direct dependency that pulls it in first, and where that one is declared. */
export function placeOf(view: LockView, pkg: number): { chain: string[]; declared?: DeclaredAt } | undefined {
  const c = view.graph.chain(pkg);
  if (c === undefined) return undefined;
  const chain = c.packages.map((i) => view.lock.packages[i]!.name);
  const declared = view.declared.get(c.from.edge);
  return declared ? { chain, declared } : { chain };
}
