/**
 * What to use instead of a flagged project. Three sources, in this order:
 * the user's settings, what the index itself says (status reason, summary,
 * description), and a curated table with the maintainers' statements.
 * Nothing is invented: a candidate from text must be a valid name, not the
 * project itself, known to the index, and not itself archived, quarantined or
 * deprecated.
 */
import { readFileSync } from 'node:fs';
import type { DependencyFacts } from './findings.js';
import type { IndexSource } from './index/client.js';
import { isValidProjectName, normalizeName } from './pep508.js';
import type { Settings } from './settings.js';

export type AlternativeOrigin = 'settings' | 'index' | 'curated';

export interface Alternative {
  name: string;
  origin: AlternativeOrigin;
  /** Why: the sentence it was read from, or the curated reason. */
  detail?: string;
  /** Where the maintainers said so (curated entries). */
  source?: string;
}

export const ORIGIN_LABEL: Record<AlternativeOrigin, string> = {
  settings: 'from your settings',
  index: 'named on the index',
  curated: 'from the curated list',
};

const NAME = '[A-Za-z0-9](?:[A-Za-z0-9._-]{0,100}[A-Za-z0-9])?';
// Markdown and reStructuredText wrap names in backticks, quotes, asterisks or link brackets.
const OPEN = '[`\'"*\\[]{0,3}';

/** Phrases maintainers use to point elsewhere; `self` marks patterns whose subject must be the project. */
const PATTERNS: { re: RegExp; self?: boolean }[] = [
  { re: new RegExp(`\\buse\\s+${OPEN}pip\\s+install\\s+(?:-U\\s+|--upgrade\\s+)?(${NAME})`, 'gi') },
  { re: new RegExp(`\\buse\\s+${OPEN}(${NAME})[\`'"*\\]]{0,3}(?:\\s+(?:package|library|project))?\\s+instead\\b`, 'gi') },
  { re: new RegExp(`\\b(?:replaced|superseded|succeeded)\\s+by\\s+(?:the\\s+)?${OPEN}(${NAME})`, 'gi') },
  { re: new RegExp(`\\b(?:moved|renamed|migrated)\\s+to\\s+${OPEN}(${NAME})`, 'gi') },
  { re: new RegExp(`\\bsuccessor(?:\\s+is|\\s*:)\\s*${OPEN}(${NAME})`, 'gi') },
  { re: new RegExp(`\\bin\\s+favou?r\\s+of\\s+${OPEN}(${NAME})`, 'gi') },
  { re: new RegExp(`\\bpypi\\.(?:org|python\\.org)/(?:project|pypi)/(${NAME})`, 'gi') },
  { re: new RegExp(`(${NAME})[\`'"*\\]]{0,3}\\s+is\\s+now\\s+(?:called\\s+|named\\s+)?${OPEN}(${NAME})`, 'gi'), self: true },
];

/** Words the phrases above can catch that are never meant as project names. */
const STOPWORDS = new Set(
  'a an the this that these those it its them their our your my new newer another other one version versions release releases latest pip python package packages project projects library instead here there which what something archived deprecated maintained unmaintained obsolete available part github gitlab pypi and or not now called named'.split(
    ' ',
  ),
);

/** Candidate names in a text, in order of appearance; no index lookups. */
export function candidatesFromText(text: string, self: string): { name: string; sentence: string }[] {
  const selfNorm = normalizeName(self);
  const found: { name: string; at: number; sentence: string }[] = [];
  for (const { re, self: needsSelf } of PATTERNS) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      let name: string | undefined;
      if (needsSelf) {
        const subject = normalizeName(m[1]!);
        if (subject === selfNorm || subject === 'this-package' || subject === 'this-project') name = m[2];
      } else {
        name = m[1];
      }
      if (!name) continue;
      name = name.replace(/[._-]+$/, '');
      if (!isValidProjectName(name) || STOPWORDS.has(name.toLowerCase()) || normalizeName(name) === selfNorm) continue;
      found.push({ name, at: m.index, sentence: sentenceAround(text, m.index) });
    }
  }
  found.sort((a, b) => a.at - b.at);
  const seen = new Set<string>();
  return found.filter((f) => !seen.has(normalizeName(f.name)) && seen.add(normalizeName(f.name)));
}

function sentenceAround(text: string, at: number): string {
  let start = at;
  while (start > 0 && at - start < 160 && !/[.!?\n]/.test(text[start - 1]!)) start--;
  let end = at;
  while (end < text.length && end - at < 200 && !/[.!?\n]/.test(text[end]!)) end++;
  return text.slice(start, end + 1).replace(/\s+/g, ' ').trim();
}

interface CuratedEntry {
  alternatives: string[];
  reason: string;
  source: string;
}

let curatedTable: Map<string, CuratedEntry> | undefined;

/** The curated table shipped with the server (server/data, or data/ next to a bundle). */
export function curatedAlternatives(): Map<string, CuratedEntry> {
  if (curatedTable) return curatedTable;
  // Next to the bundle first (dist/data), then the package layout (server/out/core → server/data).
  const candidates = [new URL('./data/alternatives.json', import.meta.url), new URL('../../data/alternatives.json', import.meta.url)];
  curatedTable = new Map();
  for (const url of candidates) {
    let text: string;
    try {
      text = readFileSync(url, 'utf8');
    } catch {
      continue;
    }
    const doc = JSON.parse(text) as { entries: Record<string, CuratedEntry> };
    for (const [name, entry] of Object.entries(doc.entries)) curatedTable.set(normalizeName(name), entry);
    break;
  }
  return curatedTable;
}

/** Validates index-derived candidates against the index itself. */
async function acceptable(name: string, self: string, client: IndexSource): Promise<boolean> {
  if (!isValidProjectName(name) || normalizeName(name) === normalizeName(self)) return false;
  const lookup = await client.project(name);
  return lookup.state === 'found' && lookup.data.status === 'active';
}

/** At most this many candidates from text are checked on the index per project. */
const MAX_CHECKED = 4;

export async function findAlternatives(
  name: string,
  facts: DependencyFacts | undefined,
  settings: Settings,
  client: IndexSource,
): Promise<Alternative[]> {
  const out: Alternative[] = [];
  const seen = new Set<string>([normalizeName(name)]);
  const add = (alt: Alternative) => {
    const key = normalizeName(alt.name);
    if (seen.has(key)) return;
    seen.add(key);
    out.push(alt);
  };
  for (const alt of settings.alternatives.get(normalizeName(name)) ?? []) add({ name: alt, origin: 'settings' });

  const texts: string[] = [];
  if (facts?.project.state === 'found' && facts.project.data.statusReason) texts.push(facts.project.data.statusReason);
  if (facts?.latest?.state === 'found') {
    if (facts.latest.data.summary) texts.push(facts.latest.data.summary);
    if (facts.latest.data.description) texts.push(facts.latest.data.description);
  }
  const candidates = texts.flatMap((t) => candidatesFromText(t, name)).filter((c) => !seen.has(normalizeName(c.name)));
  const checked = candidates.slice(0, MAX_CHECKED);
  const verdicts = await Promise.all(checked.map((c) => acceptable(c.name, name, client)));
  checked.forEach((c, i) => verdicts[i] && add({ name: c.name, origin: 'index', detail: c.sentence }));

  // A curated entry is dropped only when the index says for sure it cannot be used
  // (unknown there, or itself flagged); an unreachable index does not hide it.
  const curated = curatedAlternatives().get(normalizeName(name));
  const curatedOk = await Promise.all(
    (curated?.alternatives ?? []).map(async (alt) => {
      const lookup = await client.project(alt);
      return lookup.state === 'unknown' || (lookup.state === 'found' && lookup.data.status === 'active');
    }),
  );
  curated?.alternatives.forEach((alt, i) => curatedOk[i] && add({ name: alt, origin: 'curated', detail: curated.reason, source: curated.source }));
  return out;
}
