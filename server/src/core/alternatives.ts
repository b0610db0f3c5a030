/**
 * What to use instead of a flagged project. Three sources, in this order:
 * the user's settings, what the index itself says (status reason, summary,
 * description), and a curated table with the maintainers' statements.
 * Nothing is invented: a candidate from text must be a valid name, not the
 * project itself, known to the index, and not itself archived, quarantined or
 * deprecated.
 */
import { readFileSync } from 'node:fs';
import { INACTIVE_CLASSIFIER, type DependencyFacts } from './findings.js';
import type { IndexSource } from './pypi/client.js';
import { isValidProjectName, normalizeName } from './pep508.js';
import type { Settings } from './settings.js';
import type { Dependency } from './types.js';
import { topProjects } from './similarNames.js';

export type AlternativeOrigin = 'settings' | 'index' | 'curated' | 'similar';

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
  similar: 'a close name among the most-downloaded projects',
};

/** Findings for which another project is the fix (for yanked or vulnerable pins, upgrading is). */
export const REPLACEABLE: ReadonlySet<string> = new Set(['archived', 'deprecated', 'quarantined', 'inactive', 'not-found']);

/** What a replacement is called wherever it is offered: the editor's quick fix, the command line's report. */
export function replacementTitle(dep: Dependency, alt: Alternative): string {
  const hashes = (dep.removals?.length ?? 0) > 0 ? '; its --hash options are removed, regenerate them' : '';
  return `Replace ${dep.name} with ${alt.name} (${ORIGIN_LABEL[alt.origin]}${hashes})`;
}

const NAME = '[A-Za-z0-9](?:[A-Za-z0-9._-]{0,100}[A-Za-z0-9])?';
// Markdown and reStructuredText wrap names in backticks, quotes, asterisks or link brackets.
const OPEN = '[`\'"*\\[]{0,3}';

/**
 * Phrases maintainers use to point elsewhere; `self` marks patterns whose subject must be the
 * project, `link` a bare link to a project page, which points elsewhere only in a status reason
 * (a description links the projects it builds on).
 */
const PATTERNS: { re: RegExp; self?: boolean; link?: boolean }[] = [
  { re: new RegExp(`\\buse\\s+${OPEN}pip\\s+install\\s+(?:-U\\s+|--upgrade\\s+)?(${NAME})`, 'dgi') },
  { re: new RegExp(`\\buse\\s+${OPEN}(${NAME})[\`'"*\\]]{0,3}(?:\\s+(?:package|library|project))?\\s+instead\\b`, 'dgi') },
  { re: new RegExp(`\\b(?:replaced|superseded|succeeded)\\s+by\\s+(?:the\\s+)?${OPEN}(${NAME})`, 'dgi') },
  { re: new RegExp(`\\b(?:moved|renamed|migrated)\\s+to\\s+${OPEN}(${NAME})`, 'dgi') },
  { re: new RegExp(`\\bsuccessor(?:\\s+is|\\s*:)\\s*${OPEN}(${NAME})`, 'dgi') },
  { re: new RegExp(`\\bin\\s+favou?r\\s+of\\s+${OPEN}(${NAME})`, 'dgi') },
  { re: new RegExp(`\\bpypi\\.(?:org|python\\.org)/(?:project|pypi)/(${NAME})`, 'dgi'), link: true },
  { re: new RegExp(`(${NAME})[\`'"*\\]]{0,3}\\s+is\\s+now\\s+(?:called\\s+|named\\s+)?${OPEN}(${NAME})`, 'dgi'), self: true },
];

/** Words the phrases above can catch that are never meant as project names. */
const STOPWORDS = new Set(
  (
    'a an the this that these those it its them their our your my new newer another other one none version versions release releases latest ' +
    'pip python python2 python3 package packages project projects library module modules instead here there which what something ' +
    'archived deprecated maintained unmaintained obsolete available part github gitlab pypi http https www git and or not now called named ' +
    'standard stdlib builtin built-in core in on at into under maintenance compatible supported unsupported stable abandoned ' +
    'frozen retired legacy read-only readonly end eol only also fully officially being included bundled merged hosted developed ' +
    'managed owned distributed published released ready complete'
  ).split(' '),
);

/**
 * The phrase is negated ("do not use X instead", "NOT recommended to use X instead"): a negation
 * at most three words before it, in the same clause. "No longer maintained, replaced by X" is not.
 */
const NEGATION = /\b(?:not|never|don't|dont|doesn't|isn't|avoid)\s+(?:\S+\s+){0,3}$/i;
/** What ends the clause a phrase is in: a sentence end, a comma, a colon, a dash, a bracket. */
const CLAUSE_END = /[,;:()\u2013\u2014\n]|\s-\s|[.!?](?=\s)/g;

function negated(text: string, at: number): boolean {
  const before = text.slice(Math.max(0, at - 60), at);
  let start = 0;
  for (const m of before.matchAll(CLAUSE_END)) start = m.index + m[0].length;
  return NEGATION.test(before.slice(start));
}

/** A description's changelog mentions other projects for other reasons; only the text before it is read. */
const CHANGELOG_HEADING = /^[ \t]*(?:#{1,6}[ \t]*)?(?:change[ \t]*log|changes|history|release[ \t]+notes)[ \t]*:?[ \t]*$/im;

export function beforeChangelog(description: string): string {
  const m = CHANGELOG_HEADING.exec(description);
  return m ? description.slice(0, m.index) : description;
}

/** Candidate names in a text, in order of appearance; no index lookups. `links`: count bare links to project pages. */
export function candidatesFromText(text: string, self: string, options: { links?: boolean } = {}): { name: string; sentence: string }[] {
  const selfNorm = normalizeName(self);
  const found: { name: string; at: number; sentence: string }[] = [];
  for (const { re, self: needsSelf, link } of PATTERNS) {
    if (link && !options.links) continue;
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
      const group = needsSelf ? 2 : 1;
      const end = m.indices?.[group]?.[1] ?? m.index + m[0].length;
      // Part of a URL or a version (git+https://, name@1.0, C++), not a name.
      if (!link && /^(?:[+/@]|:[^\s])/.test(text.slice(end, end + 2))) continue;
      if (negated(text, m.index)) continue;
      name = name.replace(/[._-]+$/, '');
      // One letter or a bare "v2" is a language or a version, never a successor named in prose.
      if (name.length < 2 || /^v\d+$/i.test(name)) continue;
      if (!isValidProjectName(name) || STOPWORDS.has(name.toLowerCase()) || normalizeName(name) === selfNorm) continue;
      found.push({ name, at: m.index, sentence: sentenceAround(text, m.index) });
    }
  }
  found.sort((a, b) => a.at - b.at);
  const seen = new Set<string>();
  return found.filter((f) => !seen.has(normalizeName(f.name)) && seen.add(normalizeName(f.name)));
}

function sentenceAround(text: string, at: number): string {
  // A sentence ends at a line break, or at . ! ? before a space: the dots of "pypi.org" do not end one.
  const endsAt = (i: number) => text[i] === '\n' || (/[.!?]/.test(text[i]!) && (i + 1 >= text.length || /\s/.test(text[i + 1]!)));
  let start = at;
  while (start > 0 && at - start < 160 && !endsAt(start - 1)) start--;
  let end = at;
  while (end < text.length && end - at < 200 && !endsAt(end)) end++;
  return text
    .slice(start, end + 1)
    .replace(/\s+/g, ' ')
    .trim();
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

/**
 * What the index says of a candidate: `ok` when it exists, is active and its latest release
 * does not call itself inactive (the findings a replacement is meant to fix); `unknown` when
 * the index could not be asked.
 */
async function verdict(name: string, client: IndexSource): Promise<'ok' | 'flagged' | 'unknown'> {
  const lookup = await client.project(name);
  if (lookup.state === 'unknown') return 'unknown';
  if (lookup.state === 'not-found' || lookup.data.status !== 'active') return 'flagged';
  const latest = lookup.data.latestVersion;
  if (client.hasJsonApi && latest !== undefined) {
    const release = await client.release(name, latest);
    if (release.state === 'found' && release.data.classifiers.includes(INACTIVE_CLASSIFIER)) return 'flagged';
  }
  return 'ok';
}

/** Validates index-derived candidates against the index itself. */
async function acceptable(name: string, self: string, client: IndexSource): Promise<boolean> {
  if (!isValidProjectName(name) || normalizeName(name) === normalizeName(self)) return false;
  return (await verdict(name, client)) === 'ok';
}

/** At most this many candidates from text are checked on the index per project. */
const MAX_CHECKED = 4;
/** Close names checked on the index for a name it does not know. */
const MAX_SIMILAR = 2;

export async function findAlternatives(name: string, facts: DependencyFacts | undefined, settings: Settings, client: IndexSource): Promise<Alternative[]> {
  const out: Alternative[] = [];
  const seen = new Set<string>([normalizeName(name)]);
  const add = (alt: Alternative) => {
    const key = normalizeName(alt.name);
    if (seen.has(key)) return;
    seen.add(key);
    out.push(alt);
  };
  for (const alt of settings.alternatives.get(normalizeName(name)) ?? []) add({ name: alt, origin: 'settings' });

  const texts: { text: string; links: boolean }[] = [];
  if (facts?.project.state === 'found' && facts.project.data.statusReason) texts.push({ text: facts.project.data.statusReason, links: true });
  if (facts?.latest?.state === 'found') {
    if (facts.latest.data.summary) texts.push({ text: facts.latest.data.summary, links: false });
    if (facts.latest.data.description) texts.push({ text: beforeChangelog(facts.latest.data.description), links: false });
  }
  const candidates = texts.flatMap((t) => candidatesFromText(t.text, name, { links: t.links })).filter((c) => !seen.has(normalizeName(c.name)));
  const checked = candidates.slice(0, MAX_CHECKED);
  const verdicts = await Promise.all(checked.map((c) => acceptable(c.name, name, client)));
  checked.forEach((c, i) => verdicts[i] && add({ name: c.name, origin: 'index', detail: c.sentence }));

  // A curated entry is dropped only when the index says for sure it cannot be used
  // (unknown there, or itself flagged); an unreachable index does not hide it.
  const curated = curatedAlternatives().get(normalizeName(name));
  const curatedOk = await Promise.all((curated?.alternatives ?? []).map(async (alt) => (await verdict(alt, client)) !== 'flagged'));
  curated?.alternatives.forEach((alt, i) => curatedOk[i] && add({ name: alt, origin: 'curated', detail: curated.reason, source: curated.source }));

  // A name the index does not know may be a typo or bait (`reqeusts`): a close, much-downloaded
  // name is offered once the index confirms it is there and not flagged.
  if (facts?.project.state === 'not-found') {
    const similar = topProjects()
      .similar(name, MAX_SIMILAR)
      .filter((s) => !seen.has(normalizeName(s.name)));
    const ok = await Promise.all(similar.map((s) => acceptable(s.name, name, client)));
    similar.forEach((s, i) => ok[i] && add({ name: s.name, origin: 'similar', detail: `${s.likeness} of a project ranked ${s.rank} by downloads` }));
  }
  return out;
}
