/**
 * The dependency walk: PEP 621, PEP 735 dependency groups, build-system requires, and the
 * tool tables of Poetry, uv, PDM and Hatch, each name with its exact range.
 */
import type { AST } from 'toml-eslint-parser';
import { isPep508Error, isValidProjectName, normalizeName, notePin, parsePep508 } from '../pep508.js';
import type { LineMap } from '../text.js';
import type { Dependency, ParsedFile, Position, ProjectFacts, Range } from '../types.js';
import { multilineStrings } from './tokens.js';

type Path = readonly (string | number)[];

/** How the value at a path holds dependencies. */
type SectionKind = 'pep508-array' | 'poetry-table';

function classify(path: Path): SectionKind | undefined {
  // An array index (`[[tool.hatch.envs]]`) makes a list, not a table of dependencies.
  if (path.some((k) => typeof k !== 'string')) return undefined;
  const p = path as readonly string[];
  const at = (i: number) => p[i];
  const n = p.length;
  if (n === 2 && at(0) === 'project' && at(1) === 'dependencies') return 'pep508-array';
  if (n === 3 && at(0) === 'project' && at(1) === 'optional-dependencies') return 'pep508-array';
  if (n === 2 && at(0) === 'dependency-groups') return 'pep508-array';
  if (n === 2 && at(0) === 'build-system' && at(1) === 'requires') return 'pep508-array';
  if (at(0) !== 'tool') return undefined;
  if (n === 3 && at(1) === 'uv' && ['dev-dependencies', 'constraint-dependencies', 'override-dependencies'].includes(at(2)!)) {
    return 'pep508-array';
  }
  if (n === 4 && at(1) === 'pdm' && at(2) === 'dev-dependencies') return 'pep508-array';
  if (n === 5 && at(1) === 'hatch' && at(2) === 'envs' && (at(4) === 'dependencies' || at(4) === 'extra-dependencies')) {
    return 'pep508-array';
  }
  if (at(1) === 'poetry') {
    if (n === 3 && (at(2) === 'dependencies' || at(2) === 'dev-dependencies')) return 'poetry-table';
    if (n === 5 && at(2) === 'group' && at(4) === 'dependencies') return 'poetry-table';
  }
  return undefined;
}

/** Keys under a Poetry dependency table that are not packages. */
const POETRY_NOT_PACKAGES = new Set(['python']);
/** A Poetry dependency with one of these fields is installed from elsewhere, not from the index. */
const POETRY_NON_INDEX_FIELDS = ['git', 'path', 'url', 'file'];

type KeyNode = AST.TOMLBare | AST.TOMLQuoted;

export interface Context {
  text: string;
  map: LineMap;
  result: ParsedFile;
  ignoredLines: Set<number>;
  /** Closed multi-line strings, found when first needed (see commentPlace). */
  multiline?: [number, number][];
  /** Dependencies in the order their names are first written; Poetry ones are completed at the end. */
  found: (Dependency | PoetryEntry)[];
  poetry: Map<string, PoetryEntry>;
}

export function walkTopLevel(top: AST.TOMLTopLevelTable, ctx: Context): void {
  for (const node of top.body) {
    if (node.type === 'TOMLKeyValue') {
      visitKeyValue([], node, ctx);
      continue;
    }
    const path = node.resolvedKey;
    if (classify(path) === 'poetry-table') {
      for (const kv of node.body) visitPoetryEntry(kv, sectionName(path), ctx);
      continue;
    }
    if (visitPoetryHeader(node, ctx)) continue;
    for (const kv of node.body) visitKeyValue(path, kv, ctx);
  }
}

/**
 * A header below a Poetry dependency table names a package: `[tool.poetry.dependencies.numpy]`,
 * `[[tool.poetry.dependencies.numpy]]` (one of several constraints) or a table inside one.
 */
function visitPoetryHeader(node: AST.TOMLTable, ctx: Context): boolean {
  const path = node.resolvedKey;
  for (const depth of [3, 5]) {
    if (path.length <= depth || classify(path.slice(0, depth)) !== 'poetry-table') continue;
    // With no array index before it, the path's element at `depth` is the header's key there.
    const key = node.key.keys[depth];
    if (typeof path[depth] !== 'string' || !key) return true;
    const entry = poetryEntry(sectionName(path.slice(0, depth)), key, ctx);
    if (!entry) return true;
    const constraint = node.kind === 'array' && node.key.keys.length === depth + 1;
    const table = constraint ? newTable(entry) : openTable(entry);
    const prefix = path.slice(depth + 1).filter((p): p is string => typeof p === 'string');
    for (const kv of node.body) table.fields.push({ path: [...prefix, ...kv.key.keys.map(keyName)], value: kv.value, range: kv.range });
    return true;
  }
  return false;
}

function keyName(key: KeyNode): string {
  return key.type === 'TOMLBare' ? key.name : key.value;
}

function sectionName(path: Path): string {
  return path.filter((p) => typeof p === 'string').join('.');
}

function visitKeyValue(prefix: Path, kv: AST.TOMLKeyValue, ctx: Context): void {
  const keys = kv.key.keys;
  // Dotted keys (`tool.poetry.dependencies.requests = "^2"`) extend the table path;
  // no dependency table is deeper than five keys, so longer prefixes are not tried.
  for (let i = 0; i < Math.min(keys.length, 6 - prefix.length); i++) {
    const path = [...prefix, ...keys.slice(0, i + 1).map(keyName)];
    if (classify(path) === 'poetry-table' && i < keys.length - 1) {
      addPoetryValue(sectionName(path), keys[i + 1]!, keys.slice(i + 2).map(keyName), kv, ctx);
      return;
    }
  }
  if (prefix.length + keys.length > 6) return;
  const path = [...prefix, ...keys.map(keyName)];
  visitValue(path, kv.value, ctx);
}

/** `[project]` and `[tool.uv]` keys other features read, by their dotted path. */
const PROJECT_FIELDS: Record<string, keyof ProjectFacts> = {
  'project.name': 'name',
  'project.requires-python': 'requiresPython',
  'tool.uv.exclude-newer': 'excludeNewer',
};

function visitValue(path: Path, value: AST.TOMLContentNode, ctx: Context): void {
  const field = path.length <= 3 && value.type === 'TOMLValue' && value.kind === 'string' ? PROJECT_FIELDS[path.join('.')] : undefined;
  if (field && value.type === 'TOMLValue' && typeof value.value === 'string') (ctx.result.project ??= {})[field] = value.value;
  const kind = classify(path);
  if (kind === 'pep508-array') {
    if (value.type !== 'TOMLArray') return;
    for (const element of value.elements) {
      // dependency-groups may hold {include-group = "..."} tables: not packages.
      if (element.type === 'TOMLValue' && element.kind === 'string') addPep508String(element, sectionName(path), ctx);
    }
    return;
  }
  if (kind === 'poetry-table') {
    if (value.type !== 'TOMLInlineTable') return;
    for (const kv of value.body) visitPoetryEntry(kv, sectionName(path), ctx);
    return;
  }
  if (value.type === 'TOMLInlineTable') {
    for (const kv of value.body) visitKeyValue(path, kv, ctx);
  }
}

/** `requests = "^2"`, or with dotted keys one field of it: `requests.version = "^2"`. */
function visitPoetryEntry(kv: AST.TOMLKeyValue, section: string, ctx: Context): void {
  const [name, ...fields] = kv.key.keys;
  if (name) addPoetryValue(section, name, fields.map(keyName), kv, ctx);
}

function addPoetryValue(section: string, key: KeyNode, fieldPath: string[], kv: AST.TOMLKeyValue, ctx: Context): void {
  const entry = poetryEntry(section, key, ctx);
  if (!entry) return;
  if (fieldPath.length > 0) openTable(entry).fields.push({ path: fieldPath, value: kv.value, range: kv.range });
  else if (kv.value.type === 'TOMLArray') for (const element of kv.value.elements) entry.items.push(poetryItem(element));
  else entry.items.push(poetryItem(kv.value));
}

/** A field of a Poetry dependency table: its key path below the dependency, its value, and the source of its key = value. */
interface PoetryField {
  path: string[];
  value: AST.TOMLContentNode;
  range: [number, number];
}

/**
 * One constraint of a Poetry dependency. A table is an inline table (rewritten whole on
 * replacement) or gathered from a `[header]` and dotted keys (`requests.version = "^2"`).
 */
type PoetryItem = { kind: 'string'; node: AST.TOMLStringValue } | { kind: 'table'; fields: PoetryField[]; inline?: AST.TOMLInlineTable } | { kind: 'other' };

/**
 * Everything written about one name of one Poetry table, which may be in several places:
 * dotted keys on several lines, `[[...numpy]]` tables for several constraints.
 */
interface PoetryEntry {
  name: string;
  section: string;
  key: KeyNode;
  /** Other places the name is written (later dotted keys and headers). */
  echoes: KeyNode[];
  items: PoetryItem[];
  /** The table that dotted keys and sub-table headers add to. */
  open?: { kind: 'table'; fields: PoetryField[] };
}

function poetryItem(node: AST.TOMLContentNode): PoetryItem {
  if (node.type === 'TOMLValue' && node.kind === 'string') return { kind: 'string', node };
  if (node.type === 'TOMLInlineTable') {
    return { kind: 'table', inline: node, fields: node.body.map((kv) => ({ path: kv.key.keys.map(keyName), value: kv.value, range: kv.range })) };
  }
  return { kind: 'other' };
}

function poetryEntry(section: string, key: KeyNode, ctx: Context): PoetryEntry | undefined {
  const name = keyName(key);
  if (POETRY_NOT_PACKAGES.has(name.toLowerCase()) || !isValidProjectName(name)) return undefined;
  // TOML keys are compared as written: `Requests` and `requests` are two entries, as for Poetry.
  const id = `${section}\n${name}`;
  const known = ctx.poetry.get(id);
  if (known) {
    known.echoes.push(key);
    return known;
  }
  const entry: PoetryEntry = { name, section, key, echoes: [], items: [] };
  ctx.poetry.set(id, entry);
  ctx.found.push(entry);
  return entry;
}

function newTable(entry: PoetryEntry): { kind: 'table'; fields: PoetryField[] } {
  const table = { kind: 'table' as const, fields: [] };
  entry.items.push(table);
  entry.open = table;
  return table;
}

function openTable(entry: PoetryEntry): { kind: 'table'; fields: PoetryField[] } {
  return entry.open ?? newTable(entry);
}

/** Fields that describe the old project and go with it on replacement; every other field says how it is used and stays. */
const POETRY_PROJECT_FIELDS = ['version', 'extras'];

type ValueEdit = { range: ReturnType<LineMap['range']>; newText: string };

/**
 * On replacement the version becomes "*" and extras go; every other field stays (markers,
 * python, platform, source, allow-prereleases, optional: dropping one would widen where or
 * how the new project is installed). Each constraint of several keeps its own.
 */
function poetryValueEdits(item: PoetryItem, ctx: Context): ValueEdit[] {
  const edit = (range: [number, number], newText: string) => ({ range: ctx.map.range(range[0], range[1]), newText });
  switch (item.kind) {
    case 'string':
      return [edit(item.node.range, '"*"')];
    case 'table': {
      if (item.inline) {
        const kept = item.fields.filter((f) => !POETRY_PROJECT_FIELDS.includes(f.path[0]!)).map((f) => ctx.text.slice(f.range[0], f.range[1]));
        return [edit(item.inline.range, `{ ${['version = "*"', ...kept].join(', ')} }`)];
      }
      // Header and dotted-key tables: their lines stay, only the values change.
      const version = tableField(item.fields, 'version');
      const extras = tableField(item.fields, 'extras');
      return [...(version ? [edit(version.range, '"*"')] : []), ...(extras ? [edit(extras.range, '[]')] : [])];
    }
    case 'other':
      return [];
  }
}

function tableField(fields: PoetryField[], field: string): AST.TOMLContentNode | undefined {
  return fields.find((f) => f.path.length === 1 && f.path[0] === field)?.value;
}

function stringField(fields: PoetryField[], field: string): string | undefined {
  const v = tableField(fields, field);
  return v?.type === 'TOMLValue' && v.kind === 'string' ? v.value : undefined;
}

/** Where a Poetry pin's version is written: the end of its one version string, when that string is written as it reads. */
function poetryPinRange(entry: PoetryEntry, pin: string, ctx: Context): Range | undefined {
  const nodes = entry.items.flatMap((item) => {
    if (item.kind === 'string') return [item.node];
    if (item.kind !== 'table' || item.fields.some((f) => POETRY_NON_INDEX_FIELDS.includes(f.path[0]!))) return [];
    const v = tableField(item.fields, 'version');
    return v?.type === 'TOMLValue' && v.kind === 'string' ? [v] : [];
  });
  const node = nodes.length === 1 ? nodes[0] : undefined;
  if (!node || node.multiline) return undefined;
  const [start, end] = node.range;
  if (ctx.text.slice(start + 1, end - 1) !== node.value) return undefined;
  const at = start + 1 + node.value.trimEnd().length - pin.length;
  return ctx.text.slice(at, at + pin.length) === pin ? ctx.map.range(at, at + pin.length) : undefined;
}

/** Poetry: `"1.2.3"` and `"==1.2.3"` are exact pins; `^`, `~`, `*` and ranges are not. */
function poetryPin(constraint: string | undefined): string | undefined {
  if (constraint === undefined) return undefined;
  const c = constraint.trim();
  const m = /^(?:==?)?\s*([0-9][0-9A-Za-z.!+_-]*)$/.exec(c);
  return m ? m[1] : undefined;
}

export function poetryDependency(entry: PoetryEntry, ctx: Context): Dependency | undefined {
  const versions: (string | undefined)[] = [];
  const extras = new Set<string>();
  let marker = '';
  let fromIndex = false;
  for (const item of entry.items) {
    if (item.kind === 'string') {
      fromIndex = true;
      versions.push(item.node.value);
    } else if (item.kind === 'table') {
      if (item.fields.some((f) => POETRY_NON_INDEX_FIELDS.includes(f.path[0]!))) continue;
      fromIndex = true;
      versions.push(stringField(item.fields, 'version'));
      const ex = tableField(item.fields, 'extras');
      if (ex?.type === 'TOMLArray') {
        for (const e of ex.elements) if (e.type === 'TOMLValue' && e.kind === 'string') extras.add(e.value);
      }
      marker ||= stringField(item.fields, 'markers') ?? '';
    }
  }
  if (!fromIndex) return undefined;

  const keyRange = quotedInnerRange(entry.key, ctx);
  const specifiers = versions.filter((v): v is string => v !== undefined);
  const dependency: Dependency = {
    name: entry.name,
    normalizedName: normalizeName(entry.name),
    nameRange: keyRange,
    requirementRange: keyRange,
    nameSpecRange: keyRange,
    extras: [...extras],
    specifier: specifiers.join(' || '),
    marker,
    ignored: ctx.ignoredLines.has(keyRange.start.line),
    form: 'poetry-key',
    section: entry.section,
  };
  const pin = specifiers.length === 1 ? poetryPin(specifiers[0]) : undefined;
  if (pin !== undefined) {
    dependency.pinnedVersion = pin;
    const pinRange = poetryPinRange(entry, pin, ctx);
    if (pinRange) dependency.pinRange = pinRange;
  }
  const valueEdits = entry.items.flatMap((item) => poetryValueEdits(item, ctx));
  if (valueEdits.length > 0) dependency.valueEdits = valueEdits;
  // A name written more than once is renamed everywhere, or the old one would stay behind as a dependency of its own.
  dependency.nameKeys = [entry.key, ...entry.echoes].map((key) => ({ range: quotedInnerRange(key, ctx), bare: key.type === 'TOMLBare' }));
  const commentAt = commentPlace(keyRange.start.line, ctx);
  if (commentAt) dependency.commentAt = commentAt;
  return dependency;
}

/**
 * The end of a line, where `# pypi-status: ignore` can go, unless a multi-line string runs across
 * it (`["old", """` then more lines): there the comment would become part of the string.
 */
function commentPlace(line: number, ctx: Context): Position | undefined {
  const end = ctx.map.lineEnd(line);
  const spans = (ctx.multiline ??= multilineStrings(ctx.text));
  let lo = 0;
  let hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (spans[mid]![1] <= end) lo = mid + 1;
    else hi = mid;
  }
  const around = spans[lo];
  return around && around[0] < end ? undefined : ctx.map.position(end);
}

/** The key text without its quotes. */
function quotedInnerRange(key: KeyNode, ctx: Context): Range {
  const [start, end] = key.range;
  return key.type === 'TOMLQuoted' ? ctx.map.range(start + 1, end - 1) : ctx.map.range(start, end);
}

function addPep508String(node: AST.TOMLStringValue, section: string, ctx: Context): void {
  const value = node.value;
  // PDM and Hatch accept editable/local entries such as "-e file:///${PROJECT_ROOT}/pkg".
  if (/^\s*-e\s/.test(value)) return;
  const units = stringOffsets(node, ctx.text);
  const { starts, ends } = offsets;
  const rangeOf = (s: number, e: number) => {
    const start = s < units ? starts[s]! : node.range[1] - 1;
    const end = e > s && e <= units ? ends[e - 1]! : start;
    return ctx.map.range(start, end);
  };
  const parsed = parsePep508(value);
  if (isPep508Error(parsed)) {
    ctx.result.problems.push({
      code: 'invalid-requirement',
      message: `Invalid requirement in ${section}: ${parsed.error} (at character ${parsed.offset + 1}).`,
      range: rangeOf(0, value.length),
    });
    return;
  }
  const nameRange = rangeOf(parsed.nameStart, parsed.nameEnd);
  if (!isValidProjectName(parsed.name)) {
    // packaging lets a trailing "_" through; PEP 508 and every index do not.
    ctx.result.problems.push({
      code: 'invalid-requirement',
      message: `"${parsed.name}" is not a valid project name (PEP 508 names end with a letter or digit); no index can have it.`,
      range: nameRange,
    });
    return;
  }
  const dependency: Dependency = {
    name: parsed.name,
    normalizedName: normalizeName(parsed.name),
    nameRange,
    requirementRange: rangeOf(parsed.nameStart, parsed.end),
    nameSpecRange: rangeOf(parsed.nameStart, parsed.specEnd),
    extras: parsed.extras,
    specifier: parsed.specifier,
    marker: parsed.marker,
    ignored: ctx.ignoredLines.has(nameRange.start.line) || ctx.ignoredLines.has(ctx.map.position(node.range[1]).line),
    form: 'pep508-string',
    section,
  };
  if (parsed.url !== undefined) dependency.url = parsed.url;
  notePin(dependency, parsed.clauses, rangeOf, (r) => ctx.text.slice(ctx.map.offset(r.start), ctx.map.offset(r.end)));
  const commentAt = node.multiline ? undefined : commentPlace(ctx.map.position(node.range[1]).line, ctx);
  if (commentAt) dependency.commentAt = commentAt;
  ctx.found.push(dependency);
}

/**
 * Where each UTF-16 unit of the string being mapped was written: the document offset of its
 * first source character and the offset just past its last (an escape such as `\u0041` is six
 * source characters for one unit). Shared and reused: a string's offsets are read before the
 * next string is mapped, and allocating two arrays per dependency cost more than the rest of
 * its mapping.
 */
const offsets = { starts: new Int32Array(256), ends: new Int32Array(256) };

/** Fills `offsets` for a TOML string's value; returns its number of units. */
function stringOffsets(node: AST.TOMLStringValue, text: string): number {
  const quote = node.multiline ? 3 : 1;
  let i = node.range[0] + quote;
  const end = node.range[1] - quote;
  if (node.multiline) {
    if (text[i] === '\n') i += 1;
    else if (text[i] === '\r' && text[i + 1] === '\n') i += 2;
  }
  // No escape yields more UTF-16 units than it has characters.
  if (offsets.starts.length < end - i) {
    const size = Math.max(end - i, offsets.starts.length * 2);
    offsets.starts = new Int32Array(size);
    offsets.ends = new Int32Array(size);
  }
  const { starts, ends } = offsets;
  let count = 0;
  const literal = node.style === 'literal';
  while (i < end) {
    const ch = text[i];
    if (ch === '\r' && text[i + 1] === '\n') {
      // The parser reads a CRLF line break in a multi-line string as one "\n".
      starts[count] = i;
      ends[count++] = i + 2;
      i += 2;
      continue;
    }
    if (literal || ch !== '\\') {
      starts[count] = i;
      ends[count++] = i + 1;
      i++;
      continue;
    }
    const next = text[i + 1];
    const hexLength = next === 'u' ? 4 : next === 'U' ? 8 : 0;
    if (hexLength > 0) {
      const cp = parseInt(text.slice(i + 2, i + 2 + hexLength), 16);
      for (let k = cp > 0xffff ? 2 : 1; k > 0; k--) {
        starts[count] = i;
        ends[count++] = i + 2 + hexLength;
      }
      i += 2 + hexLength;
    } else if (node.multiline && (next === ' ' || next === '\t' || next === '\n' || next === '\r')) {
      // Line-ending backslash: the line break and following whitespace vanish.
      i++;
      while (i < end && /[ \t\r\n]/.test(text[i]!)) i++;
    } else {
      starts[count] = i;
      ends[count++] = i + 2;
      i += 2;
    }
  }
  return count;
}
