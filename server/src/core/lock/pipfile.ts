/**
 * Pipfile.lock (JSON) and its manifest, Pipfile (TOML).
 *
 * Pipfile.lock keys each category (`default`, `develop`, and any other) by package name, with
 * `"version": "==x"` and the `index` (a source name from `_meta.sources`) or a `git`, `path` or
 * `file` reference; it keeps no edges. The names' ranges come from a second, linear pass over the
 * JSON text that notes where each key of a category object is written (JSON.parse gives no offsets).
 * The Pipfile's categories say which packages are direct.
 */
import { normalizeName } from '../pep508.js';
import type { Range } from '../types.js';
import { newLines, ProblemList, reportDuplicates, reportTomlErrors, valueRange } from './common.js';
import type { Lines } from './lines.js';
import type { LockedPackage, LockFile, PackageSource } from './model.js';
import { emptyLock } from './model.js';
import { asString, asTable, readToml, tablesOf } from './toml.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const TOKEN = /[ \t\n\r]*(?:("(?:[^"\\]|\\.)*")|([{}[\]:,])|([^ \t\n\r{}[\]:,"]+))/y;

/** Offsets of the keys inside the quotes (escapes and all) of every object two levels down, by category. */
function categoryKeyOffsets(text: string): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  const stack: string[] = []; // '{' or '[' per open container
  let topKey = '';
  let pendingKey: { raw: string; start: number } | undefined;
  TOKEN.lastIndex = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (let m = TOKEN.exec(text); m !== null; m = TOKEN.exec(text)) {
    if (m[1] !== undefined) {
      pendingKey = { raw: m[1], start: m.index + m[0].length - m[1].length };
      continue;
    }
    const c = m[2];
    if (c === ':' && pendingKey !== undefined) {
      if (stack.length === 1) topKey = JSON.parse(pendingKey.raw) as string;
      else if (stack.length === 2 && stack[1] === '{' && topKey !== '_meta') {
        const list = out.get(topKey) ?? [];
        list.push([pendingKey.start + 1, pendingKey.start + pendingKey.raw.length - 1]);
        out.set(topKey, list);
      }
    } else if (c === '{' || c === '[') stack.push(c);
    else if (c === '}' || c === ']') stack.pop();
    pendingKey = undefined;
  }
  return out;
}

function isObject(v: Json | undefined): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function pipfileLockSource(entry: { [key: string]: Json }, sources: Map<string, string>, defaultUrl: string | undefined): PackageSource {
  const str = (k: string): string | undefined => (typeof entry[k] === 'string' ? entry[k] : undefined);
  const git = str('git');
  if (git !== undefined) return { kind: 'git', url: git };
  const path = str('path');
  if (path !== undefined) return { kind: entry.editable === true ? 'editable' : 'path', path };
  const file = str('file');
  if (file !== undefined) return { kind: 'url', url: file };
  const index = str('index');
  const url = index !== undefined ? sources.get(index) : defaultUrl;
  return url !== undefined ? { kind: 'registry', url } : { kind: 'registry' };
}

function jsonErrorOffset(e: unknown, length: number): number {
  const m = /position (\d+)/.exec(e instanceof Error ? e.message : '');
  return m ? Math.min(Number(m[1]), length) : length;
}

export function parsePipfileLock(text: string, file = 'Pipfile.lock'): LockFile {
  const lock = emptyLock('pipfile-lock');
  const lines = newLines(text);
  const problems = new ProblemList(lines);
  let data: Json;
  try {
    data = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as Json;
  } catch (e) {
    const at = jsonErrorOffset(e, text.length);
    problems.add(at, Math.min(text.length, at + 1), `${file} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
    lock.problems = problems.done();
    return lock;
  }
  if (!isObject(data)) {
    problems.add(0, 0, `${file} is not a JSON object`);
    lock.problems = problems.done();
    return lock;
  }
  readCategories(lock, data, categoryKeyOffsets(text), lines);
  reportDuplicates(lock, problems, (p) => p.groups.join());
  lock.problems = problems.done();
  return lock;
}

function readCategories(lock: LockFile, data: { [key: string]: Json }, offsets: Map<string, [number, number][]>, lines: Lines): void {
  const meta = isObject(data._meta) ? data._meta : {};
  const sources = new Map<string, string>();
  let defaultUrl: string | undefined;
  for (const s of Array.isArray(meta.sources) ? meta.sources : []) {
    if (!isObject(s) || typeof s.name !== 'string' || typeof s.url !== 'string') continue;
    sources.set(s.name, s.url);
    defaultUrl ??= s.url;
  }
  for (const [category, entries] of Object.entries(data)) {
    if (category === '_meta' || !isObject(entries)) continue;
    // JSON.parse keeps the last of repeated keys, at the place of the first: match them by name.
    const byName = new Map<string, [number, number]>();
    for (const [s, e] of offsets.get(category) ?? []) byName.set(JSON.parse(`"${lines.text.slice(s, e)}"`) as string, [s, e]);
    for (const [name, entry] of Object.entries(entries)) {
      if (!isObject(entry)) continue;
      const at = byName.get(name) ?? [0, 0];
      const version = typeof entry.version === 'string' ? entry.version.replace(/^===?/, '') : undefined;
      const p: LockedPackage = {
        name,
        normalizedName: normalizeName(name),
        source: pipfileLockSource(entry, sources, defaultUrl),
        nameRange: lines.range(at[0], at[1]),
        dependencies: [],
        optionalDependencies: new Map(),
        devDependencies: new Map(),
        groups: [category],
      };
      if (version !== undefined) p.version = version;
      if (typeof entry.markers === 'string') p.marker = entry.markers;
      lock.packages.push(p);
    }
  }
}

/** A package a Pipfile asks for. */
export interface PipfileEntry {
  name: string;
  normalizedName: string;
  /** The key, inside its quotes if it has them. */
  nameRange: Range;
  category: string;
  /** The version constraint (`"*"`, `">=1"`), when given. */
  specifier?: string;
  /** False for `git`, `path` and `file` entries, which are not looked up. */
  fromIndex: boolean;
  /** The `index` the entry names, if any. */
  index?: string;
}

export interface Pipfile {
  sources: { name: string; url: string }[];
  entries: PipfileEntry[];
  problems: LockFile['problems'];
}

/** Tables of a Pipfile that are not package categories. */
const NOT_CATEGORIES = new Set(['source', 'requires', 'pipenv', 'scripts']);

export function parsePipfile(text: string, file = 'Pipfile'): Pipfile {
  const lines = newLines(text);
  const problems = new ProblemList(lines);
  const doc = readToml(text);
  reportTomlErrors(doc, file, lines, problems);
  const sources = tablesOf(doc.root.source).flatMap((s) => {
    const name = asString(s.name);
    const url = asString(s.url);
    return name !== undefined && url !== undefined ? [{ name, url }] : [];
  });
  const entries: PipfileEntry[] = [];
  for (const [category, table] of Object.entries(doc.root)) {
    const t = asTable(table);
    if (t === undefined || NOT_CATEGORIES.has(category)) continue;
    for (const [name, value] of Object.entries(t)) {
      const nameRange = valueRange(doc, t, name, lines, true);
      if (nameRange === undefined) continue;
      const spec = asTable(value);
      const fromIndex = spec === undefined || !['git', 'path', 'file'].some((k) => k in spec);
      const entry: PipfileEntry = { name, normalizedName: normalizeName(name), nameRange, category, fromIndex };
      const specifier = typeof value === 'string' ? value : asString(spec?.version);
      if (specifier !== undefined) entry.specifier = specifier;
      const index = asString(spec?.index);
      if (index !== undefined) entry.index = index;
      entries.push(entry);
    }
  }
  return { sources, entries, problems: problems.done() };
}
