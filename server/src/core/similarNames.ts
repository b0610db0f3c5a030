/**
 * Close names among the most-downloaded PyPI projects, for a name the index does not know: a typo
 * (`reqeusts`), a look-alike planted for the unwary (`python-dateutils`), a separator or a
 * `python-`/`py` affix too many or too few. Names are compared PEP 503-normalized; the caller
 * confirms a suggestion on the index before offering it.
 */
import { readFileSync } from 'node:fs';
import { normalizeName } from './pep508.js';

export type Likeness = 'separator' | 'affix' | 'typo';

export interface SimilarName {
  /** The name as the download ranking spells it. */
  name: string;
  /** 1 for the most-downloaded project. */
  rank: number;
  likeness: Likeness;
  /** Edits between the normalized names (Damerau–Levenshtein, adjacent transpositions), for typos. */
  distance?: number;
}

/** Names shorter than this get no typo suggestions: one edit away from a short name is too many names. */
const MIN_TYPO_LENGTH = 4;
/** From this length on, two edits are still a typo. */
const TWO_EDITS_LENGTH = 10;
const MAX_NAME = 200;
const PREFIXES = ['python-', 'py-', 'py'];
const SUFFIXES = ['-python', '-py'];

interface Entry {
  name: string;
  normalized: string;
  rank: number;
}

export class NameIndex {
  private readonly byNormalized = new Map<string, Entry>();
  private readonly bySquashed = new Map<string, Entry[]>();
  private readonly byLength: Entry[][] = [];

  /** `names`: most-downloaded first. */
  constructor(names: readonly string[]) {
    names.forEach((name, i) => {
      const normalized = normalizeName(name);
      if (this.byNormalized.has(normalized) || normalized.length > MAX_NAME) return;
      const entry = { name, normalized, rank: i + 1 };
      this.byNormalized.set(normalized, entry);
      const squashed = normalized.replaceAll('-', '');
      this.bySquashed.set(squashed, [...(this.bySquashed.get(squashed) ?? []), entry]);
      (this.byLength[normalized.length] ??= []).push(entry);
    });
  }

  get size(): number {
    return this.byNormalized.size;
  }

  /** Up to `limit` close names, closest likeness first and then most-downloaded; never the name itself. */
  similar(name: string, limit = 3): SimilarName[] {
    const q = normalizeName(name.trim());
    if (q === '' || q.length > MAX_NAME || this.byNormalized.has(q)) return [];
    const found = new Map<string, SimilarName>();
    const add = (e: Entry, likeness: Likeness, distance?: number) => {
      if (e.normalized === q || found.has(e.normalized)) return;
      found.set(e.normalized, { name: e.name, rank: e.rank, likeness, ...(distance !== undefined ? { distance } : {}) });
    };
    for (const e of this.bySquashed.get(q.replaceAll('-', '')) ?? []) add(e, 'separator');
    for (const variant of affixVariants(q)) {
      const e = this.byNormalized.get(variant) ?? this.bySquashed.get(variant.replaceAll('-', ''))?.[0];
      if (e) add(e, 'affix');
    }
    if (q.length >= MIN_TYPO_LENGTH) {
      const max = q.length >= TWO_EDITS_LENGTH ? 2 : 1;
      for (let len = Math.max(1, q.length - max); len <= q.length + max; len++) {
        for (const e of this.byLength[len] ?? []) {
          const d = boundedDistance(q, e.normalized, max);
          if (d <= max) add(e, 'typo', d);
        }
      }
    }
    return [...found.values()].sort((a, b) => tier(a) - tier(b) || a.rank - b.rank).slice(0, limit);
  }
}

function tier(s: SimilarName): number {
  if (s.likeness === 'separator') return 0;
  if (s.likeness === 'affix' || s.distance === 1) return 1;
  return 2;
}

/** The name with a `python-`/`py` prefix or `-python`/`-py` suffix added or taken away. */
function affixVariants(q: string): string[] {
  const out: string[] = [];
  for (const p of PREFIXES) {
    if (q.startsWith(p) && q.length > p.length + 1) out.push(q.slice(p.length));
    else out.push(p + q);
  }
  for (const s of SUFFIXES) {
    if (q.endsWith(s) && q.length > s.length + 1) out.push(q.slice(0, -s.length));
    else out.push(q + s);
  }
  return out;
}

/**
 * Optimal string alignment distance (edits, and swaps of adjacent characters), or `max + 1`
 * as soon as it must exceed `max`: a row whose every cell is over the bound ends the work.
 */
export function boundedDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prevPrev: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prevPrev[j - 2]! + 1);
      row.push(d);
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > max) return max + 1;
    prevPrev = prev;
    prev = row;
  }
  return Math.min(prev[b.length]!, max + 1);
}

let shipped: NameIndex | undefined;

/** The index of the most-downloaded projects shipped with the server (server/data, or data/ next to a bundle). */
export function topProjects(): NameIndex {
  if (shipped) return shipped;
  const candidates = [new URL('./data/top-projects.json', import.meta.url), new URL('../../data/top-projects.json', import.meta.url)];
  for (const url of candidates) {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(url, 'utf8'));
    } catch {
      continue;
    }
    const projects = (doc as { projects?: unknown }).projects;
    if (Array.isArray(projects)) return (shipped = new NameIndex(projects.filter((p): p is string => typeof p === 'string')));
  }
  // Without the data file there is nothing to suggest, which is not an error worth stopping for.
  return (shipped = new NameIndex([]));
}
