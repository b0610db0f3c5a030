/**
 * PEP 440 comparisons the version library does not offer: the canonical form that tells two
 * spellings of one version apart from two versions (`1.0` and `1.0.0` are one), and whether a
 * release matches an exact pin (`==1.0` matches `1.0+cpu`; `===1.0` only the string `1.0`).
 */
import { compare, explain, valid } from '@renovatebot/pep440';

export interface CanonicalVersion {
  /** Epoch, release without trailing zeros, pre, post, dev; as PEP 440 normalizes them. */
  public: string;
  /** The normalized local label, if any. */
  local?: string;
}

/**
 * Spellings seen, with their canonical forms: the same versions recur across projects and
 * keystrokes, and parsing one costs microseconds. Cleared when full, so it stays small.
 */
const known = new Map<string, CanonicalVersion | null>();
const KNOWN_MAX = 20_000;

/** The canonical form of a valid version, else undefined. */
export function canonicalVersion(version: string): CanonicalVersion | undefined {
  let c = known.get(version);
  if (c === undefined) {
    if (known.size >= KNOWN_MAX) known.clear();
    known.set(version, (c = canonicalize(version) ?? null));
  }
  return c ?? undefined;
}

function canonicalize(version: string): CanonicalVersion | undefined {
  const e = explain(version);
  if (!e) return undefined;
  const release = [...e.release];
  while (release.length > 1 && release[release.length - 1] === 0) release.pop();
  let text = (e.epoch ? `${e.epoch}!` : '') + release.join('.');
  if (e.pre) text += `${e.pre[0]}${e.pre[1]}`;
  // explain() gives post and dev as the number alone (or null), though it is typed [letter, number].
  const post: unknown = e.post;
  const dev: unknown = e.dev;
  if (typeof post === 'number') text += `.post${post}`;
  if (typeof dev === 'number') text += `.dev${dev}`;
  return e.local ? { public: text, local: e.local } : { public: text };
}

/** One key per version, whatever its spelling; a string that is not PEP 440 is its own key. */
export function versionKey(version: string): string {
  const c = canonicalVersion(version);
  if (!c) return `?${version.trim().toLowerCase()}`;
  return c.local === undefined ? c.public : `${c.public}+${c.local}`;
}

/**
 * Whether `candidate` satisfies `operator pin`: `===` compares strings (case-insensitively, as
 * packaging does); `==` compares versions, and a pin without a local label ignores the
 * candidate's (PEP 440: `==1.0` matches `1.0+cpu`).
 */
export function matchesPin(candidate: string, pin: string, operator: '==' | '==='): boolean {
  if (operator === '===') return candidate.trim().toLowerCase() === pin.trim().toLowerCase();
  const p = canonicalVersion(pin);
  const c = canonicalVersion(candidate);
  if (!p || !c) return false;
  if (p.public !== c.public) return false;
  return p.local === undefined || p.local === c.local;
}

/** PEP 440 order of two valid versions; surrounding whitespace is ignored, as packaging ignores it. */
export function compareVersions(a: string, b: string): number {
  return compare(a.trim(), b.trim());
}

/** Whether a string is a PEP 440 version, as packaging's `Version` accepts them. */
export function isVersion(version: string): boolean {
  return valid(version.trim()) !== null;
}
