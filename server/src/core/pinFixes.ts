/**
 * The pin fixes of one dependency: the release a yanked, missing or vulnerable pin moves to
 * (pinChoice.ts), the title that says why, and the edits (edits.ts). Shared by the editor's
 * quick fixes and anything else that offers them.
 */
import { pinEdits, type TextEdit } from './edits.js';
import { pinnedRelease, type DependencyFacts, type Finding } from './findings.js';
import type { IndexSource } from './pypi/client.js';
import { replacementForMissing, replacementForYanked, upgradeForVulnerabilities, type PinContext } from './pinChoice.js';
import type { Dependency } from './types.js';

export interface PinFix {
  /** The finding it fixes. */
  code: 'vulnerable' | 'yanked' | 'missing-release';
  version: string;
  title: string;
  edits: TextEdit[];
  /** Its edits drop the requirement's --hash options (to be regenerated). */
  dropsHashes?: true;
}

export interface PinFixOptions {
  /** The project's own requires-python. */
  projectPython?: string;
  /**
   * The ids the JSON API lists for a release of this project, when it is known without asking.
   * When given, an upgrade is offered only to a release it knows: one never asked about may be vulnerable itself.
   */
  knownVulnerabilities?: (version: string) => readonly string[] | undefined;
}

const FIXABLE = new Set(['vulnerable', 'yanked', 'missing-release']);

/** The fixes for a dependency's pin findings, the most useful first (an upgrade past vulnerabilities also leaves a yanked release). */
export function pinFixes(dep: Dependency, facts: DependencyFacts, findings: readonly Finding[], options: PinFixOptions = {}): PinFix[] {
  const pin = dep.pinnedVersion;
  if (pin === undefined || !dep.pinRange || facts.project.state !== 'found' || !findings.some((f) => FIXABLE.has(f.code))) return [];
  const info = facts.project.data;
  const context = pinContext(pin, info.releases, options);
  const hashes = (dep.removals?.length ?? 0) > 0 ? '; its --hash options are removed, regenerate them' : '';
  const fixes: PinFix[] = [];
  const add = (code: PinFix['code'], version: string, title: string) => {
    const edits = pinEdits(dep, version);
    if (!edits || fixes.some((f) => f.version === version)) return;
    const fix: PinFix = { code, version, title: `${title}${hashes}`, edits };
    if (hashes) fix.dropsHashes = true;
    fixes.push(fix);
  };
  const has = (code: string) => findings.some((f) => f.code === code);
  if (has('vulnerable') && facts.pinned?.state === 'found') {
    const fix = upgradeForVulnerabilities(context, facts.pinned.data.vulnerabilities, options.knownVulnerabilities);
    if (fix && (!options.knownVulnerabilities || options.knownVulnerabilities(fix.version) !== undefined)) {
      const open =
        fix.open.length > 0
          ? `; ${list(fix.open)} ${fix.open.length === 1 ? 'stays' : 'stay'} open: no release fixes ${fix.open.length === 1 ? 'it' : 'them'}`
          : '';
      add('vulnerable', fix.version, `Upgrade to ${fix.version} (fixes ${list(fix.fixes)}${open})`);
    }
  }
  if (has('yanked')) {
    const reason = pinnedRelease(info, dep)?.files.yankedReason ?? (facts.pinned?.state === 'found' ? facts.pinned.data.yankedReason : undefined);
    const choice = replacementForYanked(context, reason);
    if (choice)
      add(
        'yanked',
        choice.version,
        `Change the pin to ${choice.version}${choice.namedInReason ? ' (named in the yank reason)' : choice.below ? ' (no later release qualifies; the nearest earlier one)' : ''}`,
      );
  }
  if (has('missing-release')) {
    const choice = replacementForMissing(context);
    if (choice) add('missing-release', choice.version, `Change the pin to ${choice.version} (the nearest release the index has)`);
  }
  return fixes;
}

/**
 * The release a vulnerable pin's upgrade would go to whose own vulnerabilities are not known yet:
 * the caller asks the JSON API about it and tries again, until the choice rests on what is known.
 */
export function unverifiedUpgrade(dep: Dependency, facts: DependencyFacts, findings: readonly Finding[], options: PinFixOptions = {}): string | undefined {
  const pin = dep.pinnedVersion;
  if (pin === undefined || !dep.pinRange || facts.project.state !== 'found' || facts.pinned?.state !== 'found') return undefined;
  if (!findings.some((f) => f.code === 'vulnerable')) return undefined;
  const context = pinContext(pin, facts.project.data.releases, options);
  const fix = upgradeForVulnerabilities(context, facts.pinned.data.vulnerabilities, options.knownVulnerabilities);
  return fix && options.knownVulnerabilities?.(fix.version) === undefined ? fix.version : undefined;
}

/** Awaits a lookup for as long as the caller may still wait: undefined once it may not. */
export type Within = <T>(work: Promise<T>) => Promise<T | undefined>;

/** Waits as long as the lookup takes (a command line run has no lightbulb to answer). */
export const untilDone: Within = (work) => work;

/**
 * Asks the JSON API about the release a vulnerable pin would be upgraded to until the choice rests
 * on releases whose vulnerabilities are known, as long as the caller may wait: an upgrade whose
 * release stays unknown is not offered (pinFixes), as a close name the index has not confirmed is not.
 */
export async function verifyUpgrade(
  dep: Dependency,
  facts: DependencyFacts,
  findings: readonly Finding[],
  options: PinFixOptions,
  source: IndexSource,
  within: Within,
): Promise<void> {
  const asked = new Set<string>();
  for (let target = unverifiedUpgrade(dep, facts, findings, options); target !== undefined && !asked.has(target);) {
    asked.add(target);
    if ((await within(source.release(dep.name, target))) === undefined) return;
    target = unverifiedUpgrade(dep, facts, findings, options);
  }
}

/** What the JSON API said of a release's vulnerabilities, when it was asked already: a release it lists as vulnerable is no fix. */
export function knownVulnerabilities(source: IndexSource, name: string): (version: string) => readonly string[] | undefined {
  return (version) => {
    const release = source.peekRelease(name, version);
    return release?.state === 'found' ? release.data.vulnerabilities.map((v) => v.id) : undefined;
  };
}

function pinContext(pin: string, releases: PinContext['releases'], options: PinFixOptions): PinContext {
  const context: PinContext = { pin, releases };
  if (options.projectPython !== undefined) context.projectPython = options.projectPython;
  return context;
}

function list(ids: readonly string[]): string {
  return ids.length <= 4 ? ids.join(', ') : `${ids.slice(0, 4).join(', ')} and ${ids.length - 4} more`;
}
