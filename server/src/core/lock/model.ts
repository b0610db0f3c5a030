/**
 * What every lock-file reader produces: the packages a lock installs, where each comes from, the
 * exact range of its name, the edges between them, and the direct dependencies where the format
 * records them. Pure data; the readers live beside this file, one per format.
 */
import type { ParseProblem, Range } from '../types.js';

export type LockKind = 'uv' | 'poetry' | 'pdm' | 'pylock' | 'pipfile-lock' | 'compiled-requirements';

/**
 * Where a locked package comes from. Only `registry` packages are looked up on an index; `url`
 * absent means the project's default index (formats that do not write it: poetry, pdm, Pipfile.lock
 * without a matching source).
 */
export type PackageSource =
  | { kind: 'registry'; url?: string }
  | { kind: 'git'; url: string }
  | { kind: 'url'; url: string }
  | { kind: 'path' | 'directory' | 'editable' | 'virtual'; path: string };

export type EdgeKind = 'required' | 'optional' | 'dev';

export interface LockEdge {
  /** The name as the edge writes it. */
  name: string;
  normalizedName: string;
  /**
   * Indices of the packages the edge may lead to: one where the lock says which (uv's `version` and
   * `source` on an edge to a name locked several times), every package of that name otherwise,
   * none when the lock has no such package (then the reader also reports a problem).
   */
  targets: number[];
  /** Extras the edge asks of its target. */
  extras: string[];
  marker?: string;
  /** The version constraint as written (poetry, pdm, compiled requirements), when the lock keeps one. */
  specifier?: string;
  kind: EdgeKind;
  /** The extra (kind `optional`) or dependency group (kind `dev`) the edge belongs to. */
  group?: string;
}

export interface LockedPackage {
  /** The name exactly as written in its lock entry. */
  name: string;
  /** PEP 503 normalized. */
  normalizedName: string;
  version?: string;
  source: PackageSource;
  /** The name inside its quotes (`name = "..."`, or the key in Pipfile.lock); on the requirement's name in compiled requirements. */
  nameRange: Range;
  /** Unconditional dependencies (markers kept on the edges). */
  dependencies: LockEdge[];
  /** Dependencies that come with an extra, by extra. */
  optionalDependencies: Map<string, LockEdge[]>;
  /** Dependency groups (uv: of workspace members only), by group. */
  devDependencies: Map<string, LockEdge[]>;
  /** Groups or categories the format files the package under (poetry `groups`/`category`, pdm `groups`, Pipfile.lock sections). */
  groups: string[];
  marker?: string;
  /** pdm: the extras this entry locks the package with (pdm writes one entry per set of extras). */
  extras?: string[];
}

/** A set of direct dependencies: of the project, of one workspace member, or of one of their extras or groups. */
export interface LockRoot {
  /** The workspace member or project the dependencies belong to; absent for a lock with no project package (scripts, compiled requirements). */
  member?: string;
  /** Index of the member's own package, when the lock has one. */
  memberPackage?: number;
  kind: EdgeKind;
  /** The extra or dependency group, for `optional` and `dev` roots; the `-r` file for compiled requirements. */
  group?: string;
  edges: LockEdge[];
}

export interface LockFile {
  kind: LockKind;
  packages: LockedPackage[];
  /** Direct dependencies as the lock records them; empty where the format does not (poetry, pdm, pylock, Pipfile.lock): pass the manifest's instead. */
  roots: LockRoot[];
  /** Workspace members (uv `[manifest] members`). */
  members: string[];
  problems: ParseProblem[];
}

export function emptyLock(kind: LockKind): LockFile {
  return { kind, packages: [], roots: [], members: [], problems: [] };
}

/** Index from normalized name to the packages of that name, in lock order. */
export function packagesByName(packages: readonly LockedPackage[]): Map<string, number[]> {
  const byName = new Map<string, number[]>();
  packages.forEach((p, i) => {
    const list = byName.get(p.normalizedName);
    if (list) list.push(i);
    else byName.set(p.normalizedName, [i]);
  });
  return byName;
}
