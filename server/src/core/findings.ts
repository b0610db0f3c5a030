/**
 * The status rules: what the index's answers mean for one dependency.
 * Pure functions of the dependency and the facts gathered for it; a fact that
 * could not be learned (state "unknown") never produces a finding.
 */
import type { FindingCode } from './codes.js';
import { RELEASE_NOT_ASKED, type IndexSource, type Lookup } from './pypi/client.js';
import type { ProjectInfo, ReleaseFiles, ReleaseInfo } from './pypi/model.js';
import { singleLine } from './markdown.js';
import { isVersion, matchesPin } from './pep440.js';
import { formatUtc, releaseAge, type Cooldown } from './releaseAge.js';
import type { Dependency } from './types.js';

export type { FindingCode, Severity } from './codes.js';

export interface Finding {
  code: FindingCode;
  message: string;
}

/** Everything the index told us about one dependency. */
export interface DependencyFacts {
  project: Lookup<ProjectInfo>;
  /** JSON API release of the pinned version. */
  pinned?: Lookup<ReleaseInfo>;
  /** JSON API release of the latest version. */
  latest?: Lookup<ReleaseInfo>;
}

/**
 * Why the findings of a dependency may be incomplete, or undefined when they are not: its status
 * could not be learned, the JSON API could not say whether its pin is vulnerable or its latest
 * release inactive, or an answer past its TTL could not be refreshed and is shown as it was.
 */
export function incompleteReason(facts: DependencyFacts): string | undefined {
  const project = facts.project;
  if (project.state === 'unknown') return project.reason;
  if (project.stale !== undefined) return `answer from ${isoMinute(project.fetchedAt)} UTC; the index could not be reached since (${project.stale})`;
  for (const release of [facts.pinned, facts.latest]) {
    if (release?.state === 'unknown' && release.reason !== RELEASE_NOT_ASKED) return `JSON API: ${release.reason}`;
  }
  return undefined;
}

function isoMinute(time: number): string {
  return new Date(time).toISOString().slice(0, 16).replace('T', ' ');
}

export const INACTIVE_CLASSIFIER = 'Development Status :: 7 - Inactive';

/** What the rules need besides the index's answers: where the dependency is declared, and when. */
export interface FindingContext {
  /** The minimum age of a pinned release (the user's setting or the project's installer cooldown); no `new-release` without it. */
  cooldown?: { cooldown: Cooldown; source: string };
  /** Epoch ms; defaults to the clock. */
  now?: number;
  /** Normalized names of projects the workspace builds itself: the index not knowing them is expected. */
  localProjects?: ReadonlySet<string>;
}

export function findingsFor(dep: Dependency, facts: DependencyFacts, context: FindingContext = {}): Finding[] {
  const name = dep.name;
  const project = facts.project;
  if (project.state === 'unknown') return [];
  if (project.state === 'not-found') {
    if (context.localProjects?.has(dep.normalizedName)) return [];
    return [
      { code: 'not-found', message: `${name} was not found on the package index. Check the spelling, or whether it was removed or lives on another index.` },
    ];
  }
  const info = project.data;
  const findings: Finding[] = [];
  const reason = info.statusReason ? ` Reason given: ${oneLine(info.statusReason)}` : '';
  switch (info.status) {
    case 'quarantined':
      findings.push({
        code: 'quarantined',
        message: `${name} is quarantined: the index's administrators pulled it as suspicious (for example malware), and nothing of it can be installed.${reason}`,
      });
      break;
    case 'archived':
      findings.push({
        code: 'archived',
        message: `${name} is archived: its maintainers will publish nothing more, security fixes included.${reason}`,
      });
      break;
    case 'deprecated':
      findings.push({ code: 'deprecated', message: `${name} is deprecated: it is obsolete and may have been superseded.${reason}` });
      break;
    case 'active':
      break;
  }
  if (dep.pinnedVersion !== undefined) {
    const release = pinnedRelease(info, dep);
    const jsonYanked = facts.pinned?.state === 'found' && facts.pinned.data.yanked;
    if (release?.files.yanked || jsonYanked) {
      const why = release?.files.yankedReason ?? (facts.pinned?.state === 'found' ? facts.pinned.data.yankedReason : undefined);
      findings.push({
        code: 'yanked',
        message: `${name} ${dep.pinnedVersion} is yanked: its maintainers withdrew this release.${why ? ` Reason given: ${oneLine(why)}` : ''}`,
      });
    }
    findings.push(...pinPresence(dep, info, release, facts, context));
    if (facts.pinned?.state === 'found' && facts.pinned.data.vulnerabilities.length > 0) {
      const vulns = facts.pinned.data.vulnerabilities;
      const ids =
        vulns
          .map((v) => singleLine(v.id, 64))
          .slice(0, 5)
          .join(', ') + (vulns.length > 5 ? ', …' : '');
      findings.push({
        code: 'vulnerable',
        message: `${name} ${dep.pinnedVersion} has ${vulns.length === 1 ? 'a known vulnerability' : `${vulns.length} known vulnerabilities`}: ${ids}.`,
      });
    }
  }
  if (facts.latest?.state === 'found' && facts.latest.data.classifiers.includes(INACTIVE_CLASSIFIER)) {
    // The version asked for, not the one the document names, which is the index's text.
    const version = info.latestVersion ?? facts.latest.data.version;
    findings.push({
      code: 'inactive',
      message: `${name}: its latest release (${singleLine(version, 64)}) declares "${INACTIVE_CLASSIFIER}".`,
    });
  }
  return findings;
}

/** `missing-release` for a pin the index has no release of; `new-release` for one younger than the cooldown. */
function pinPresence(
  dep: Dependency,
  info: ProjectInfo,
  release: { files: ReleaseFiles } | undefined,
  facts: DependencyFacts,
  context: FindingContext,
): Finding[] {
  const pin = dep.pinnedVersion!;
  if (!release) {
    // A quarantined project lists no files at all: its finding says more. The JSON API may know a release the simple page hides (a version without files is not installable either).
    if (info.status === 'quarantined' || facts.pinned?.state === 'found') return [];
    const latest = info.latestVersion !== undefined ? ` (its latest is ${singleLine(info.latestVersion, 64)})` : '';
    const what = isVersion(pin) ? 'release' : 'version';
    return [
      {
        code: 'missing-release',
        message: `${dep.name} has no ${what} ${pin} on the package index${latest}: installing this pin fails, or finds it elsewhere.`,
      },
    ];
  }
  const uploadTime = release.files.uploadTime ?? (facts.pinned?.state === 'found' ? facts.pinned.data.uploadTime : undefined);
  if (!context.cooldown || uploadTime === undefined) return [];
  const age = releaseAge(uploadTime, context.cooldown.cooldown, context.now ?? Date.now());
  if (!age?.tooNew) return [];
  const when = age.oldEnoughAt !== undefined ? `; it will be old enough on ${formatUtc(age.oldEnoughAt)}` : '';
  return [
    {
      code: 'new-release',
      message: `${dep.name} ${pin} was uploaded on ${formatUtc(age.uploadedAt)}, more recently than ${context.cooldown.source} allows${when}. New releases are where malicious uploads are caught: wait, or pin an older release.`,
    },
  ];
}

/**
 * The files an exact pin can install, as one release: every release of the index that matches
 * it (`==1.0` matches `1.0.0` and `1.0+cpu`; `===1.0` only `1.0`). It is yanked when all of them
 * are, since an installer takes any one that is not.
 */
export function pinnedRelease(info: ProjectInfo, dep: Pick<Dependency, 'pinnedVersion' | 'specifier'>): { version: string; files: ReleaseFiles } | undefined {
  const pin = dep.pinnedVersion;
  if (pin === undefined) return undefined;
  const operator = dep.specifier.trimStart().startsWith('===') ? '===' : '==';
  // Releases are grouped by version (see simple.ts), so a pin spelled as the index spells it
  // matches no other release but local ones (1.0+cpu): only those need a version parse. This runs
  // for every pinned dependency on every keystroke.
  const exact = info.releases[pin];
  const candidates = exact && (operator === '===' || pin.includes('+')) ? [pin] : exact ? [pin, ...localReleases(info)] : Object.keys(info.releases);
  let found: { version: string; files: ReleaseFiles } | undefined;
  for (const version of candidates) {
    const files = info.releases[version]!;
    if (!matchesPin(version, pin, operator)) continue;
    if (!found) {
      found = { version, files };
      continue;
    }
    // Several releases match (1.0 and 1.0+cpu): yanked only if every one is.
    const merged: ReleaseFiles = { yanked: found.files.yanked && files.yanked };
    const reason = found.files.yankedReason ?? files.yankedReason;
    if (merged.yanked && reason !== undefined) merged.yankedReason = reason;
    const times = [found.files.uploadTime, files.uploadTime].filter((t): t is string => t !== undefined).sort();
    if (times[0] !== undefined) merged.uploadTime = times[0];
    found = { version: found.version, files: merged };
  }
  return found;
}

/** A project's releases with a local label (1.0+cpu), found once per project page. */
const locals = new WeakMap<ProjectInfo, string[]>();
function localReleases(info: ProjectInfo): string[] {
  let found = locals.get(info);
  if (!found) locals.set(info, (found = Object.keys(info.releases).filter((v) => v.includes('+'))));
  return found;
}

function oneLine(text: string): string {
  return singleLine(text, 300);
}

/**
 * Asks the index everything the rules and the hover need for one dependency: the
 * project's simple page, then (with a JSON API, and only for a project that exists and
 * is not quarantined) its pinned and latest releases, together. `onProject` hears the
 * project's answer as soon as it is known: it decides the status findings, which need
 * not wait for the JSON API, and the JSON API is not asked about projects it cannot know.
 */
export async function gatherFacts(dep: Dependency, client: IndexSource, onProject?: (facts: DependencyFacts) => void): Promise<DependencyFacts> {
  const project = await client.project(dep.name);
  onProject?.({ project });
  const facts: DependencyFacts = { project };
  if (worthAskingJson(client, project)) {
    const latest = project.data.latestVersion;
    const [pinned, latestRelease] = await Promise.all([
      dep.pinnedVersion !== undefined ? client.release(dep.name, dep.pinnedVersion) : undefined,
      latest !== undefined ? client.release(dep.name, latest) : undefined,
    ]);
    if (pinned) facts.pinned = pinned;
    if (latestRelease) facts.latest = latestRelease;
  }
  return facts;
}

/**
 * The same facts as `gatherFacts` when the cache holds every answer they need fresh,
 * else undefined: the synchronous path that lets an edit skip the lookups of the
 * dependencies it did not touch, and a restart serve its answers from disk in one pass.
 */
export function peekFacts(dep: Dependency, client: IndexSource): DependencyFacts | undefined {
  const project = client.peekProject(dep.name);
  if (project === undefined) return undefined;
  const facts: DependencyFacts = { project };
  if (worthAskingJson(client, project)) {
    if (dep.pinnedVersion !== undefined) {
      const pinned = client.peekRelease(dep.name, dep.pinnedVersion);
      if (pinned === undefined) return undefined;
      facts.pinned = pinned;
    }
    if (project.data.latestVersion !== undefined) {
      const latest = client.peekRelease(dep.name, project.data.latestVersion);
      if (latest === undefined) return undefined;
      facts.latest = latest;
    }
  }
  return facts;
}

/** The JSON API answers 404 for quarantined projects: asking would teach nothing. */
function worthAskingJson(client: IndexSource, project: Lookup<ProjectInfo>): project is Extract<Lookup<ProjectInfo>, { state: 'found' }> {
  return client.hasJsonApi && project.state === 'found' && project.data.status !== 'quarantined';
}
