/**
 * What an open manifest learns from the locks beside it: `transitive` on each direct dependency
 * that pulls in a flagged package, and whether a lock lacks a project it declares. Each lock is
 * read (the editor's text if it is open), joined and looked up as a scan would.
 */
import { promises as fs } from 'node:fs';
import type { FileKind } from '../core/analyze.js';
import { checkedBeneath, lackingProblem, lockPlace, transitiveFindings, type TransitiveFinding } from '../core/lockFindings.js';
import * as path from 'node:path';
import type { Dependency } from '../core/types.js';
import { diskReader, joinLock, locksOf } from '../core/lockJoin.js';
import type { Settings } from '../core/settings.js';
import type { ParsedFile, ParseProblem } from '../core/types.js';
import { scanFile, type ScannedFile } from '../core/workspaceScan.js';
import { incompleteReason } from '../core/findings.js';
import { diskStamp } from '../session/lockAnalyses.js';
import type { DocumentState } from '../session/documents.js';
import type { Session } from '../session/session.js';

const MANIFESTS: ReadonlySet<FileKind> = new Set(['pyproject', 'pipfile', 'script', 'requirements']);

export interface ManifestLockFindings {
  transitive: TransitiveFinding[];
  problems: ParseProblem[];
  /** Per dependency of the manifest (by index) the lock reaches: how many packages beneath it were checked, and in which lock. */
  checked: Map<number, { count: number; lock: string }>;
}

export async function manifestLockFindings(
  session: Session,
  file: string,
  kind: FileKind,
  settings: Settings,
  trusted: boolean,
): Promise<ManifestLockFindings> {
  const out: ManifestLockFindings = { transitive: [], problems: [], checked: new Map() };
  if (!settings.lockFiles || !MANIFESTS.has(kind) || (kind === 'requirements' && !file.endsWith('.in'))) return out;
  for (const lockPath of await locksOf(file)) {
    const scanned = await analysedLock(session, lockPath, settings, trusted);
    const view = scanned?.parsed.lock;
    if (!scanned || !view) continue;
    out.transitive.push(...transitiveFindings(view, file, scanned.analyzed, settings));
    for (const declared of view.declared.values()) {
      if (declared.file !== file || out.checked.has(declared.dependency)) continue;
      const count = checkedBeneath(view, file, declared.dependency);
      if (count !== undefined) out.checked.set(declared.dependency, { count, lock: lockPath });
    }
    const lacking = lackingProblem(view, file);
    if (lacking) out.problems.push({ code: 'lock-outdated', ...lacking });
  }
  return out;
}

/** A lock read (the editor's text if it is open), joined and analysed, or as it was when nothing it depends on changed. */
async function analysedLock(session: Session, lockPath: string, settings: Settings, trusted: boolean): Promise<ScannedFile | undefined> {
  const open = session.documents.atPath(lockPath);
  const stamp = open ? `v${open.version}` : await diskStamp(lockPath);
  const context = { settings, trusted, index: session.index.get() };
  const known = await session.lockAnalyses.get(lockPath, stamp, context);
  if (known) return known;
  const text = open?.getText() ?? (await fs.readFile(lockPath, 'utf8').catch(() => undefined));
  if (text === undefined) return undefined;
  session.log(`reading ${lockPath} for the manifests beside it`);
  const scanned = await scanFile(lockPath, text, session.sourceFor, settings, undefined, trusted, session.registryFor);
  // An analysis with lookups the index could not answer is not kept: the next check asks again.
  if (scanned && !scanned.analyzed.some((a) => incompleteReason(a.facts) !== undefined)) await session.lockAnalyses.set(lockPath, stamp, context, scanned);
  return scanned;
}

/** A lock file's document joined to its manifests (open ones as the editor holds them), once per text. */
export function joinOpenLock(session: Session, file: string, state: DocumentState): Promise<void> {
  const read = diskReader((f) => session.documents.atPath(f)?.getText());
  return joinLock(file, state.parsed, read, undefined, state.earlierView);
}

/** The hover's lock lines: a lock entry's chain; a manifest dependency's flagged packages beneath it, or how many were checked. */
export function lockHoverLines(parsed: ParsedFile, dep: Dependency, found: ManifestLockFindings | undefined): string[] {
  const view = parsed.lock;
  if (view && dep.lockPackage !== undefined) {
    const place = lockPlace(view, dep);
    if (place === undefined) return ['No direct dependency pulls it in.'];
    if (place.chain.length > 1) return [`Pulled in by: ${place.chain.join(' → ')}`];
    return [place.declared ? `A direct dependency, in ${path.basename(place.declared.file)}` : 'A direct dependency'];
  }
  const index = parsed.dependencies.indexOf(dep);
  const transitive = found?.transitive.find((t) => t.dependency === index);
  if (transitive) {
    const lines = transitive.beneath.slice(0, 10).map((b) => `- ${b.name}${b.version ? ` ${b.version}` : ''} (${b.codes.join(', ')}): ${b.chain.join(' → ')}`);
    if (transitive.beneath.length > 10) lines.push(`- and ${transitive.beneath.length - 10} more`);
    return [`Pulls in, per ${path.basename(transitive.lock)}:`, ...lines];
  }
  const checked = found?.checked.get(index);
  return checked ? [`${checked.count} package${checked.count === 1 ? '' : 's'} beneath it in ${path.basename(checked.lock)}: none flagged.`] : [];
}
