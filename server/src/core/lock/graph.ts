/**
 * The dependency graph of a lock: which direct dependency pulls each package in, by the shortest
 * chain, and what each direct dependency brings with it.
 *
 * Nodes are a package, or a package with one of its extras (`requests[socks]`): an edge that asks
 * for an extra also reaches that extra's dependencies, and nothing else does. The search runs from
 * the direct dependencies of the required roots first, then the optional ones (extras), then the
 * dev groups, so a package any required dependency pulls in gets a chain from one, however short
 * a dev group's is. Each search is breadth-first over every node and edge once: linear in the lock.
 * Cycles are visited once; an edge to a name the lock lacks leads nowhere (the reader reported it).
 */
import type { EdgeKind, LockEdge, LockFile, LockRoot } from './model.js';
import { packagesByName } from './model.js';
import { edge } from './common.js';

const PHASES: readonly EdgeKind[] = ['required', 'optional', 'dev'];

export interface DirectDependency {
  root: LockRoot;
  edge: LockEdge;
}

export interface Chain {
  /** Package indices from the direct dependency to the package, both included. */
  packages: number[];
  /** The root's edge the chain starts from. */
  from: DirectDependency;
}

export class LockGraph {
  /** Node of each package (node i is package i), then one per package and extra. */
  private readonly extraNode = new Map<string, number>();
  private readonly nodePackage: number[];
  private readonly nodeEdges: LockEdge[][];
  /** Per phase, each node's predecessor (-1: reached from a root edge; -2: not reached) and root edge. */
  private readonly parents: Int32Array[] = [];
  private readonly via: (DirectDependency | undefined)[][] = [];
  private reverse: number[][] | undefined;
  /** Edges and nodes visited so far: proportional to the lock's size per search, for the tests. */
  work = 0;

  constructor(
    readonly lock: LockFile,
    readonly roots: readonly LockRoot[] = lock.roots,
  ) {
    this.nodePackage = lock.packages.map((_, i) => i);
    this.nodeEdges = lock.packages.map((p) => p.dependencies);
    lock.packages.forEach((p, i) => {
      for (const [extra, edges] of p.optionalDependencies) {
        this.extraNode.set(`${i}\0${extra}`, this.nodePackage.length);
        this.nodePackage.push(i);
        this.nodeEdges.push(edges);
      }
    });
    for (const phase of PHASES) this.search(phase);
  }

  /** Nodes an edge leads to: its targets, and their extras it asks for. */
  private *nodesOf(e: LockEdge): Iterable<number> {
    for (const t of e.targets) {
      yield t;
      for (const x of e.extras) {
        const n = this.extraNode.get(`${t}\0${x}`);
        if (n !== undefined) yield n;
      }
    }
  }

  private search(phase: EdgeKind): void {
    const parent = new Int32Array(this.nodePackage.length).fill(-2);
    const via: (DirectDependency | undefined)[] = [];
    const queue: number[] = [];
    for (const root of this.roots) {
      if (root.kind !== phase) continue;
      for (const e of root.edges) {
        for (const n of this.nodesOf(e)) {
          this.work++;
          if (parent[n] !== -2) continue;
          parent[n] = -1;
          via[n] = { root, edge: e };
          queue.push(n);
        }
      }
    }
    for (let head = 0; head < queue.length; head++) {
      const s = queue[head]!;
      for (const e of this.nodeEdges[s]!) {
        for (const n of this.nodesOf(e)) {
          this.work++;
          if (parent[n] !== -2) continue;
          parent[n] = s;
          via[n] = via[s];
          queue.push(n);
        }
      }
    }
    this.parents.push(parent);
    this.via.push(via);
  }

  /** The shortest chain to a package from a direct dependency (required before optional before dev); undefined when none reaches it. */
  chain(pkg: number): Chain | undefined {
    for (let phase = 0; phase < PHASES.length; phase++) {
      const parent = this.parents[phase]!;
      if (parent[pkg] === -2) continue;
      const packages: number[] = [];
      for (let n = pkg; n >= 0; n = parent[n]!) {
        const p = this.nodePackage[n]!;
        if (packages[packages.length - 1] !== p) packages.push(p);
      }
      return { packages: packages.reverse(), from: this.via[phase]![pkg]! };
    }
    return undefined;
  }

  /** The kinds of roots whose dependencies pull the package in. */
  reachedBy(pkg: number): EdgeKind[] {
    return PHASES.filter((_, i) => this.parents[i]![pkg] !== -2);
  }

  /** `requests → urllib3`: a chain's package names. */
  chainText(chain: Chain): string {
    return chain.packages.map((i) => this.lock.packages[i]!.name).join(' → ');
  }

  /** Every package a direct dependency brings in, itself included, in breadth-first order. */
  closure(e: LockEdge): number[] {
    const seen = new Uint8Array(this.nodePackage.length);
    const queue: number[] = [];
    const visit = (n: number): void => {
      this.work++;
      if (seen[n]) return;
      seen[n] = 1;
      queue.push(n);
    };
    for (const n of this.nodesOf(e)) visit(n);
    for (let head = 0; head < queue.length; head++) for (const next of this.nodeEdges[queue[head]!]!) for (const n of this.nodesOf(next)) visit(n);
    const packages = new Set<number>();
    for (const n of queue) packages.add(this.nodePackage[n]!);
    return [...packages];
  }

  /**
   * What one direct dependency brings in, each package with the package it is reached from first
   * (-1 for the dependency's own packages): the chains beneath that dependency, not the shortest
   * ones of the whole lock (which may start from another direct dependency).
   */
  closureParents(e: LockEdge): Map<number, number> {
    const parent = new Map<number, number>();
    const queue: number[] = [];
    const seen = new Uint8Array(this.nodePackage.length);
    const visit = (n: number, from: number): void => {
      this.work++;
      if (seen[n]) return;
      seen[n] = 1;
      queue.push(n);
      const p = this.nodePackage[n]!;
      if (!parent.has(p) && p !== from) parent.set(p, from);
    };
    for (const n of this.nodesOf(e)) visit(n, -1);
    for (let head = 0; head < queue.length; head++) {
      const s = queue[head]!;
      for (const next of this.nodeEdges[s]!) for (const n of this.nodesOf(next)) visit(n, this.nodePackage[s]!);
    }
    return parent;
  }

  /** The direct dependencies whose closure holds the package: one search backwards from it. */
  directDependenciesReaching(pkg: number): DirectDependency[] {
    const reverse = (this.reverse ??= this.buildReverse());
    const seen = new Uint8Array(this.nodePackage.length);
    const queue = [pkg];
    seen[pkg] = 1;
    for (let head = 0; head < queue.length; head++) {
      for (const n of reverse[queue[head]!]!) {
        this.work++;
        if (!seen[n]) {
          seen[n] = 1;
          queue.push(n);
        }
      }
    }
    const out: DirectDependency[] = [];
    for (const root of this.roots) for (const e of root.edges) if ([...this.nodesOf(e)].some((n) => seen[n])) out.push({ root, edge: e });
    return out;
  }

  private buildReverse(): number[][] {
    const reverse: number[][] = this.nodePackage.map(() => []);
    this.nodeEdges.forEach((edges, s) => {
      for (const e of edges) for (const n of this.nodesOf(e)) reverse[n]!.push(s);
    });
    return reverse;
  }
}

/**
 * Roots from a manifest, for the formats whose lock does not record them (poetry, pdm, pylock,
 * Pipfile.lock): each name is matched to the lock's packages of that name.
 */
export function rootsFromManifest(
  lock: LockFile,
  groups: { kind: EdgeKind; group?: string; member?: string; names: { name: string; extras?: string[] }[] }[],
): LockRoot[] {
  const byName = packagesByName(lock.packages);
  return groups.map((g) => {
    const root: LockRoot = { kind: g.kind, edges: [] };
    if (g.group !== undefined) root.group = g.group;
    if (g.member !== undefined) root.member = g.member;
    for (const d of g.names) {
      const e = edge(d.name, g.kind, { extras: d.extras ?? [] });
      e.targets = byName.get(e.normalizedName) ?? [];
      root.edges.push(e);
    }
    return root;
  });
}
