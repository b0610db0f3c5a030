/**
 * What a lock file's findings mean beyond its own lines: the chain that pulls each flagged package
 * in (said in its message, with the manifest line of the direct dependency as related
 * information), and on the manifest, one `transitive` finding per direct dependency whose closure
 * holds a flagged package, as severe as the worst beneath it (capped by the code's setting).
 */
import * as path from 'node:path';
import type { AnalyzedDependency } from './analyze.js';
import type { FindingCode, Severity } from './codes.js';
import { placeOf, type DeclaredAt, type LockView } from './lock/view.js';
import type { Settings } from './settings.js';
import type { Dependency, Range } from './types.js';

export const SEVERITY_RANK: Record<Severity, number> = { hint: 0, information: 1, warning: 2, error: 3 };

/** A flagged package beneath a direct dependency. */
export interface Beneath {
  name: string;
  version?: string;
  codes: FindingCode[];
  severity: Severity;
  /** From the direct dependency's package to this one. */
  chain: string[];
  /** Its name in the lock file. */
  range: Range;
}

export interface TransitiveFinding {
  /** The direct dependency, in the manifest's parsed dependencies. */
  dependency: number;
  name: string;
  range: Range;
  severity: Severity;
  message: string;
  /** Worst first, then by shorter chain. */
  beneath: Beneath[];
  /** Packages beneath the dependency that the lock holds (itself not counted). */
  checked: number;
  lock: string;
}

/** Where a lock finding comes from: its chain, and the direct dependency's manifest line. */
export interface LockPlace {
  chain: string[];
  declared?: DeclaredAt;
}

export function lockPlace(view: LockView, dep: Dependency): LockPlace | undefined {
  return dep.lockPackage === undefined ? undefined : placeOf(view, dep.lockPackage);
}

/** ` (pulled in by: requests → chardet)`, or for a package the manifest names itself, where. */
export function placeText(place: LockPlace | undefined): string {
  if (place === undefined) return '';
  if (place.chain.length > 1) return ` (pulled in by: ${place.chain.join(' → ')})`;
  return place.declared ? ` (a direct dependency, in ${path.basename(place.declared.file)})` : ' (a direct dependency)';
}

/** Each finding of each analyzed lock dependency, with its severity under the settings; codes set to off are left out. */
function flaggedByDependency(
  analyzed: readonly AnalyzedDependency[],
  view: LockView,
  settings: Settings,
): Map<number, { codes: FindingCode[]; severity: Severity }> {
  const out = new Map<number, { codes: FindingCode[]; severity: Severity }>();
  for (const a of analyzed) {
    const index = a.dependency.lockPackage === undefined ? undefined : view.dependencyOf.get(a.dependency.lockPackage);
    if (index === undefined) continue;
    for (const f of a.findings) {
      const severity = settings.severity[f.code];
      if (severity === 'off') continue;
      const entry = out.get(index) ?? { codes: [], severity: 'hint' };
      if (!entry.codes.includes(f.code)) entry.codes.push(f.code);
      if (SEVERITY_RANK[severity] > SEVERITY_RANK[entry.severity]) entry.severity = severity;
      out.set(index, entry);
    }
  }
  return out;
}

function chainTo(view: LockView, parents: Map<number, number>, pkg: number): string[] {
  const chain: string[] = [];
  for (let p: number | undefined = pkg, guard = 0; p !== undefined && p >= 0 && guard <= parents.size; p = parents.get(p), guard++)
    chain.push(view.lock.packages[p]!.name);
  return chain.reverse();
}

interface Gathered {
  declared: DeclaredAt;
  beneath: Map<number, Beneath>;
  reached: Set<number>;
}

/** Per direct dependency declared in the manifest, every flagged package beneath it. */
function gather(view: LockView, manifest: string, flagged: Map<number, { codes: FindingCode[]; severity: Severity }>): Map<number, Gathered> {
  const byDependency = new Map<number, Gathered>();
  for (const [edge, declared] of view.declared) {
    if (declared.file !== manifest) continue;
    const g = byDependency.get(declared.dependency) ?? { declared, beneath: new Map(), reached: new Set() };
    byDependency.set(declared.dependency, g);
    const parents = view.graph.closureParents(edge);
    for (const [pkg, parent] of parents) {
      if (parent < 0) continue; // the dependency itself: flagged on its own line already
      g.reached.add(pkg);
      const dep = view.dependencyOf.get(pkg);
      const flags = dep === undefined ? undefined : flagged.get(dep);
      if (flags === undefined || g.beneath.has(dep!)) continue;
      const p = view.lock.packages[pkg]!;
      g.beneath.set(dep!, {
        name: p.name,
        ...(p.version === undefined ? {} : { version: p.version }),
        codes: flags.codes,
        severity: flags.severity,
        chain: chainTo(view, parents, pkg),
        range: p.nameRange,
      });
    }
  }
  return byDependency;
}

/** The `transitive` findings of one manifest of a lock, given the lock's analyzed dependencies. */
export function transitiveFindings(view: LockView, manifest: string, analyzed: readonly AnalyzedDependency[], settings: Settings): TransitiveFinding[] {
  const cap = settings.severity.transitive;
  const out: TransitiveFinding[] = [];
  for (const [dependency, g] of gather(view, manifest, flaggedByDependency(analyzed, view, settings))) {
    if (g.beneath.size === 0 || cap === 'off') continue;
    const beneath = [...g.beneath.values()].sort(
      (a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.chain.length - b.chain.length || (a.name < b.name ? -1 : 1),
    );
    const worst = beneath[0]!;
    const severity = SEVERITY_RANK[worst.severity] > SEVERITY_RANK[cap] ? cap : worst.severity;
    const more = beneath.length - 1;
    const message = `${g.declared.name} pulls in ${worst.name} (${worst.codes.join(', ')}) via ${worst.chain.join(' → ')}${more > 0 ? `, and ${more} more` : ''} (${path.basename(view.path)})`;
    out.push({ dependency, name: g.declared.name, range: g.declared.range, severity, message, beneath, checked: g.reached.size, lock: view.path });
  }
  return out.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}

/** How many packages the lock holds beneath a manifest's dependency (for the hover of a clean one); undefined when the lock does not reach it. */
export function checkedBeneath(view: LockView, manifest: string, dependency: number): number | undefined {
  let reached: Set<number> | undefined;
  for (const [edge, declared] of view.declared) {
    if (declared.file !== manifest || declared.dependency !== dependency) continue;
    reached ??= new Set();
    for (const [pkg, parent] of view.graph.closureParents(edge)) if (parent >= 0) reached.add(pkg);
  }
  return reached?.size;
}

/** Said once on the manifest: the projects it declares that the lock does not lock. */
export function lackingProblem(view: LockView, manifest: string): { range: Range; message: string } | undefined {
  const missing = view.lacking.get(manifest);
  if (missing === undefined || missing.length === 0) return undefined;
  const names =
    missing
      .slice(0, 5)
      .map((d) => d.name)
      .join(', ') + (missing.length > 5 ? `, and ${missing.length - 5} more` : '');
  return {
    range: missing[0]!.nameRange,
    message: `${path.basename(view.path)} does not lock ${names}, which this file declares: the lock is out of date, and what is checked in it is not what this file asks for. Regenerate it.`,
  };
}
