/**
 * Which release to move an exact pin to: off a yanked release, off a release the index does not
 * have, or past the vulnerabilities of the pinned one. Pure: the caller brings what the index
 * said (the simple page's releases, the JSON API's vulnerabilities) and the project's
 * requires-python; the choice and the data for its message come back.
 */
import { explain } from '@renovatebot/pep440';
import type { ReleaseFiles, Vulnerability } from './pypi/model.js';
import { compareVersions, isVersion, versionKey } from './pep440.js';
import { supportsProjectPython } from './requiresPython.js';

export interface PinContext {
  /** The pinned version as written. */
  pin: string;
  /** The releases the index lists, by version (ProjectInfo.releases). */
  releases: Record<string, ReleaseFiles>;
  /** The project's own requires-python, when it declares one. */
  projectPython?: string;
}

export interface PinReplacement {
  version: string;
  /** No release above the pin qualifies: this is the nearest one below it. */
  below: boolean;
  /** The maintainers' yank reason names this version. */
  namedInReason: boolean;
}

/**
 * For a yanked pin: the version the yank reason names when it is a release that qualifies, else
 * the nearest qualifying release above the pin, else the nearest below it.
 */
export function replacementForYanked(context: PinContext, yankedReason?: string): PinReplacement | undefined {
  const candidates = qualifying(context);
  if (yankedReason !== undefined) {
    const byKey = new Map(candidates.map((v) => [versionKey(v), v]));
    for (const named of versionsNamedIn(yankedReason)) {
      const version = byKey.get(versionKey(named));
      if (version !== undefined) return { version, below: compareVersions(version, context.pin) < 0, namedInReason: true };
    }
  }
  return nearest(context.pin, candidates);
}

/** For a pin to a release the index does not have: the nearest qualifying release, above first. */
export function replacementForMissing(context: PinContext): PinReplacement | undefined {
  return nearest(context.pin, qualifying(context));
}

export interface VulnerabilityFix {
  version: string;
  /** Ids of the pin's vulnerabilities this release fixes, in the pin's order. */
  fixes: string[];
  /** Ids it leaves open: no release fixes them (or none that qualifies does). */
  open: string[];
}

/**
 * For a vulnerable pin: the lowest qualifying release above it that fixes every vulnerability;
 * failing that, the one that fixes most (the lowest among equals), naming what stays open.
 * `knownVulnerabilities` gives the ids the JSON API lists for a release, when it was asked: a
 * release listed with any vulnerability the pin does not share never qualifies, and one listed
 * with the pin's own keeps those open.
 */
export function upgradeForVulnerabilities(
  context: PinContext,
  vulnerabilities: readonly Vulnerability[],
  knownVulnerabilities?: (version: string) => readonly string[] | undefined,
): VulnerabilityFix | undefined {
  if (!isVersion(context.pin) || vulnerabilities.length === 0) return undefined;
  let best: VulnerabilityFix | undefined;
  for (const version of qualifying(context)) {
    if (compareVersions(version, context.pin) <= 0) continue;
    const listed = knownVulnerabilities?.(version);
    if (listed && listed.some((id) => !vulnerabilities.some((v) => sameAdvisory(v, id)))) continue;
    const fixes: string[] = [];
    const open: string[] = [];
    for (const v of vulnerabilities) {
      const stillListed = listed?.some((id) => sameAdvisory(v, id)) ?? false;
      (!stillListed && isFixedIn(version, v.fixedIn) ? fixes : open).push(v.id);
    }
    if (fixes.length > 0 && (!best || fixes.length > best.fixes.length)) best = { version, fixes, open };
    if (best && best.open.length === 0) break;
  }
  return best;
}

/**
 * Whether a release is past the fix of the line it belongs to. `fixedIn` names the first fixed
 * release of each affected line (OSV): at or above the highest one is fixed; otherwise the release
 * must be at or above a fix of its own series (same epoch and release but the last part), since a
 * later series below the next fix may be affected again (`fixed_in: [2.2.28, 3.2.13]`: 3.0.0 is not fixed).
 */
export function isFixedIn(version: string, fixedIn: readonly string[]): boolean {
  const fixes = fixedIn.filter(isVersion).sort(compareVersions);
  if (fixes.length === 0) return false;
  if (compareVersions(version, fixes[fixes.length - 1]!) >= 0) return true;
  const below = fixes.filter((f) => compareVersions(version, f) >= 0);
  const own = below[below.length - 1];
  return own !== undefined && sameSeries(version, own);
}

function sameSeries(version: string, fix: string): boolean {
  const v = explain(version.trim());
  const f = explain(fix.trim());
  if (!v || !f || v.epoch !== f.epoch) return false;
  const series = f.release.slice(0, -1);
  return series.every((part, i) => (v.release[i] ?? 0) === part);
}

function sameAdvisory(v: Vulnerability, id: string): boolean {
  return v.id === id || v.aliases.includes(id);
}

/** Releases one may move the pin to, ascending: not yanked, not the pin, Python-compatible, final unless the pin is not. */
function qualifying(context: PinContext): string[] {
  const pin = explain(context.pin.trim());
  const pinKey = versionKey(context.pin);
  const out: string[] = [];
  for (const [version, release] of Object.entries(context.releases)) {
    if (release.yanked || !isVersion(version) || versionKey(version) === pinKey) continue;
    const v = explain(version.trim())!;
    if (v.is_prerelease && !pin?.is_prerelease) continue;
    // A local label (`1.0+cpu`) names a build of an index's own, not a release to pin by default.
    if (v.local !== null && !pin?.local) continue;
    if (!pythonAllows(release, context.projectPython)) continue;
    out.push(version);
  }
  return out.sort(compareVersions);
}

/** A release suits the project when one of its files' requires-python allows every Python the project does (an unreadable one is ignored, as pip ignores it). */
function pythonAllows(release: ReleaseFiles, projectPython: string | undefined): boolean {
  if (!release.requiresPython || projectPython === undefined) return true;
  return release.requiresPython.some((rp) => supportsProjectPython(rp, projectPython) !== 'no');
}

function nearest(pin: string, ascending: string[]): PinReplacement | undefined {
  if (!isVersion(pin)) {
    const latest = ascending[ascending.length - 1];
    return latest === undefined ? undefined : { version: latest, below: false, namedInReason: false };
  }
  const above = ascending.find((v) => compareVersions(v, pin) > 0);
  if (above !== undefined) return { version: above, below: false, namedInReason: false };
  const below = ascending.filter((v) => compareVersions(v, pin) < 0).pop();
  return below === undefined ? undefined : { version: below, below: true, namedInReason: false };
}

// Not inside a word, a path or a URL (`/1.2.3/`).
const NAMED_VERSION = /(?<![\w.+!/-])v?(\d+(?:\.\d+)+(?:[-_.]?(?:a|b|rc|post|dev)\d*)*)(?![\w+/]|\.\d)/gi;
/** A number right after these is a Python version, not one of the project's. */
const PYTHON_BEFORE = /(?:python|py|cpython|pypy)\s*(?:version\s*)?$/i;

/** Versions a yank reason names ("use 2.0.1 instead"), in order, skipping Python versions ("breaks Python 3.12"). */
export function versionsNamedIn(reason: string): string[] {
  const text = reason.slice(0, 2000);
  const out: string[] = [];
  for (const m of text.matchAll(NAMED_VERSION)) {
    if (PYTHON_BEFORE.test(text.slice(Math.max(0, m.index - 20), m.index))) continue;
    if (isVersion(m[1]!)) out.push(m[1]!);
  }
  return out;
}
