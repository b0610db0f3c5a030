/**
 * `requires-python` as a set of Python versions, to tell whether a release supports every Python
 * a project supports. Python versions are final releases without an epoch (`3.12.1`, never
 * `3.13.0rc1`, a post or a local version), so a specifier set is reduced to a union of intervals over final releases, where
 * subset tests are exact. Clauses are read as python3-packaging reads them (PEP 440); a set it
 * would reject is `undefined` here, never a guess.
 */
import { compare, explain } from '@renovatebot/pep440';

/**
 * An interval of final releases, whose bounds are final releases; a missing upper bound is
 * unbounded. Every interval has a lower bound: no release is below `0`.
 */
interface Interval {
  lo: string;
  loClosed: boolean;
  hi?: string;
  hiClosed: boolean;
}

export type PythonRange = Interval[];

const CLAUSE = /^(~=|===|==|!=|<=|>=|<|>)\s*(\S+)$/;
const WILDCARD = /^v?(?:([0-9]+)!)?([0-9]+(?:\.[0-9]+)*)\.\*$/i;
// Python versions have no epoch: every set is cut to epoch 0, from `0` up to `1!0`.
const MIN = '0';
const MAX = '1!0';
const EVERYTHING: Interval = { lo: MIN, loClosed: true, hi: MAX, hiClosed: false };

/** The Python versions a `requires-python` value allows, or undefined when it is not a valid specifier set. */
export function parsePythonRange(text: string): PythonRange | undefined {
  if (text.length > 1000) return undefined;
  let range: PythonRange = [EVERYTHING];
  for (const raw of text.split(',')) {
    const clause = raw.trim();
    if (clause === '') continue;
    const m = CLAUSE.exec(clause);
    if (!m) return undefined;
    const set = clauseRange(m[1]!, m[2]!);
    if (!set) return undefined;
    range = intersect(range, set);
  }
  return range;
}

/**
 * Whether every Python the project allows is allowed by the release: `unknown` when either
 * value is not a valid specifier set (pip then ignores a release's value, and so does the caller).
 */
export function supportsProjectPython(release: string | undefined, project: string | undefined): 'yes' | 'no' | 'unknown' {
  if (release === undefined || release.trim() === '' || project === undefined || project.trim() === '') return 'yes';
  const r = parsePythonRange(release);
  const p = parsePythonRange(project);
  if (!r || !p) return 'unknown';
  return isSubset(p, r) ? 'yes' : 'no';
}

export function isSubset(a: PythonRange, b: PythonRange): boolean {
  return intersect(a, complement(b)).length === 0;
}

/** Whether a final release is in the range (for tests against packaging's `contains`). */
export function rangeContains(range: PythonRange, version: string): boolean {
  const v = finalOf(version);
  if (v === undefined) return false;
  return range.some((i) => {
    const c = compare(v, i.lo);
    if (c < 0 || (c === 0 && !i.loClosed)) return false;
    if (i.hi === undefined) return true;
    const d = compare(v, i.hi);
    return d < 0 || (d === 0 && i.hiClosed);
  });
}

function clauseRange(op: string, spelled: string): PythonRange | undefined {
  if (op === '==' || op === '!=') {
    const wild = WILDCARD.exec(spelled);
    if (wild) {
      const prefix = wild[2]!.split('.').map(Number);
      const set = [prefixInterval(wild[1] ?? '0', prefix)];
      return op === '==' ? set : complement(set);
    }
  }
  // `===` compares spellings, not versions (`===3.9` is not `3.9.0`): no set of versions says what it allows.
  if (op === '===') return undefined;
  const v = explain(spelled);
  if (!v || spelled.includes('*')) return undefined;
  if (v.local !== null && op !== '==' && op !== '!=') return undefined;
  const base = `${v.epoch}!${v.release.join('.')}`;
  const isFinal = v.pre === null && v.post === null && v.dev === null && v.local === null;
  // Where the bound sits among final releases: before its base (pre, dev), after it (post), or on it.
  const side = isFinal ? 0 : v.local !== null ? 0 : compare(spelled, base) < 0 ? -1 : 1;
  switch (op) {
    case '==':
      return isFinal ? [{ lo: base, loClosed: true, hi: base, hiClosed: true }] : [];
    case '!=':
      return isFinal ? complement([{ lo: base, loClosed: true, hi: base, hiClosed: true }]) : [EVERYTHING];
    case '>=':
    case '>':
      return [{ lo: base, loClosed: side < 0 || (side === 0 && op === '>='), hiClosed: false }];
    case '<=':
    case '<':
      return intersect([EVERYTHING], [{ lo: MIN, loClosed: true, hi: base, hiClosed: side > 0 || (side === 0 && op === '<=') }]);
    case '~=':
      return compatibleRelease(v, base, side);
  }
  return undefined;
}

/** `~=V`: at least V, and the same release series (V's release without its last part, whatever follows it). */
function compatibleRelease(v: NonNullable<ReturnType<typeof explain>>, base: string, side: number): PythonRange | undefined {
  if (v.release.length < 2) return undefined;
  const prefix = v.release.slice(0, -1);
  return intersect([{ lo: base, loClosed: side <= 0, hiClosed: false }], [prefixInterval(String(v.epoch), prefix)]);
}

/** Final releases whose release starts with `prefix` (zero-padded): from the prefix up to the next one. */
function prefixInterval(epoch: string, prefix: number[]): Interval {
  const next = [...prefix];
  next[next.length - 1]! += 1;
  return { lo: `${Number(epoch)}!${prefix.join('.')}`, loClosed: true, hi: `${Number(epoch)}!${next.join('.')}`, hiClosed: false };
}

function finalOf(version: string): string | undefined {
  const v = explain(version);
  if (!v || v.pre !== null || v.post !== null || v.dev !== null || v.local !== null) return undefined;
  return (v.epoch ? `${v.epoch}!` : '') + v.release.join('.');
}

function lowerThan(a: Interval, b: Interval): number {
  const c = compare(a.lo, b.lo);
  if (c !== 0) return c;
  return a.loClosed === b.loClosed ? 0 : a.loClosed ? -1 : 1;
}

function isEmpty(i: Interval): boolean {
  if (i.hi === undefined) return false;
  const c = compare(i.lo, i.hi);
  return c > 0 || (c === 0 && !(i.loClosed && i.hiClosed));
}

function intersectOne(a: Interval, b: Interval): Interval {
  const lo = lowerThan(a, b) >= 0 ? a : b;
  const out: Interval = { lo: lo.lo, loClosed: lo.loClosed, hiClosed: false };
  let hi: Interval;
  if (a.hi === undefined) hi = b;
  else if (b.hi === undefined) hi = a;
  else {
    const c = compare(a.hi, b.hi);
    hi = c < 0 || (c === 0 && !a.hiClosed) ? a : b;
  }
  if (hi.hi !== undefined) Object.assign(out, { hi: hi.hi, hiClosed: hi.hiClosed });
  return out;
}

function intersect(a: PythonRange, b: PythonRange): PythonRange {
  const out: Interval[] = [];
  for (const x of a)
    for (const y of b) {
      const i = intersectOne(x, y);
      if (!isEmpty(i)) out.push(i);
    }
  return normalize(out);
}

/** Sorted, with overlapping or touching intervals merged. */
function normalize(intervals: Interval[]): PythonRange {
  const sorted = [...intervals].sort(lowerThan);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && reaches(last, i)) {
      if (last.hi !== undefined && (i.hi === undefined || extendsPast(i, last))) {
        if (i.hi === undefined) delete last.hi;
        else last.hi = i.hi;
        last.hiClosed = i.hiClosed;
      }
    } else out.push({ ...i });
  }
  return out;
}

/** Whether `next` (starting no lower than `last`) overlaps or touches `last`. */
function reaches(last: Interval, next: Interval): boolean {
  if (last.hi === undefined) return true;
  const c = compare(next.lo, last.hi);
  return c < 0 || (c === 0 && (last.hiClosed || next.loClosed));
}

function extendsPast(i: Interval, last: Interval): boolean {
  const c = compare(i.hi!, last.hi!);
  return c > 0 || (c === 0 && i.hiClosed && !last.hiClosed);
}

function complement(range: PythonRange): PythonRange {
  const out: Interval[] = [];
  let lo = MIN;
  let loClosed = true;
  for (const i of range) {
    out.push({ lo, loClosed, hi: i.lo, hiClosed: !i.loClosed });
    if (i.hi === undefined) return out.filter((x) => !isEmpty(x));
    lo = i.hi;
    loClosed = !i.hiClosed;
  }
  out.push({ lo, loClosed, hi: MAX, hiClosed: false });
  return out.filter((x) => !isEmpty(x));
}
