/**
 * Dependencies declared in pyproject.toml: PEP 621, PEP 735 dependency groups,
 * build-system requires, and the tool tables of Poetry, uv, PDM and Hatch.
 * toml-eslint-parser keeps source ranges, so every name is reported where it is written.
 */
import { parseTOML, ParseError, type AST } from 'toml-eslint-parser';
import { exactPin, isPep508Error, isValidProjectName, normalizeName, parsePep508 } from './pep508.js';
import { isIgnoreComment } from './suppress.js';
import { LineMap } from './text.js';
import type { Dependency, ParsedFile, ParseProblem } from './types.js';

type Path = readonly (string | number)[];

/** How the value at a path holds dependencies. */
type SectionKind = 'pep508-array' | 'poetry-table';

function classify(path: Path): SectionKind | undefined {
  const p = path.map(String);
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

const MAX_RECOVERY_ATTEMPTS = 20;
/** Re-parsing after errors stops once this much time went into it: a broken file must not stall the editor. */
const RECOVERY_BUDGET_MS = 100;
/** Real pyproject.toml files are kilobytes (the largest in our corpus is 13 KB); the TOML parser takes seconds on megabytes, so a file this large is not read. */
export const MAX_PYPROJECT_LENGTH = 256 * 1024;
/**
 * The TOML parser allocates several objects per token and, past a few tens of thousands of
 * tokens, spends most of its time collecting garbage: 256 KB of `k=1` lines, unclosed `[` or
 * `{b=`, or a long dotted key took 0.6–1.2 s. Every token but the first on a line follows a
 * separator (`[ { , = .` outside strings and comments, or a line break), so separators and
 * strings together bound the tokens and the parse: to about 50 ms at this limit. Real files
 * stay far below it (a dependency such as `"pkg>=1.2",` on its own line costs 3); the largest
 * TOML file in our corpus, an 82 KB lock file, counts 3,758.
 */
export const MAX_TOML_TOKENS = 16_000;

/** Why the TOML parser should not be given this text, or undefined when it may. */
export function tomlTooLarge(text: string): string | undefined {
  if (text.length > MAX_PYPROJECT_LENGTH) {
    return `This file is larger than ${MAX_PYPROJECT_LENGTH / 1024} KB (real pyproject.toml files are a few KB); pypi-status does not read it.`;
  }
  // Every token counted is at least one character, so a short file needs no count.
  const tokens = text.length > MAX_TOML_TOKENS ? estimateTomlTokens(text) : 0;
  if (tokens > MAX_TOML_TOKENS) {
    return `This file has about ${tokens.toLocaleString('en-US')} TOML tokens (strings, separators and lines); pypi-status reads files with up to ${MAX_TOML_TOKENS.toLocaleString('en-US')} (real pyproject.toml files have a few hundred to a few thousand).`;
  }
  return undefined;
}

const QUOTE = 0x22;
const APOSTROPHE = 0x27;
const BACKSLASH = 0x5c;
const HASH = 0x23;
const LF = 0x0a;

/**
 * Strings (each counted once), separators outside them, and line breaks. Only an upper bound
 * matters, so unterminated strings end where the TOML parser would give up on them.
 */
export function estimateTomlTokens(text: string): number {
  let count = 0;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE || c === APOSTROPHE) {
      count++;
      const multi = text.charCodeAt(i + 1) === c && text.charCodeAt(i + 2) === c;
      if (multi) {
        const close = c === QUOTE ? '"""' : "'''";
        let j = i + 3;
        for (;;) {
          const k = text.indexOf(close, j);
          if (k < 0) return count + countLines(text, i);
          // A backslash escapes the quote after it in a basic string (an even run does not).
          let slashes = 0;
          while (c === QUOTE && text.charCodeAt(k - 1 - slashes) === BACKSLASH) slashes++;
          if (slashes % 2 === 0) {
            count += countLines(text, i, k);
            i = k + 3;
            break;
          }
          j = k + 1;
        }
        continue;
      }
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === LF) break;
        i++;
        if (d === c) break;
        if (d === BACKSLASH && c === QUOTE) i++;
      }
      continue;
    }
    if (c === HASH) {
      const eol = text.indexOf('\n', i);
      if (eol < 0) break;
      i = eol;
      continue;
    }
    // [ { , = . and the line break
    if (c === 0x5b || c === 0x7b || c === 0x2c || c === 0x3d || c === 0x2e || c === LF) count++;
    i++;
  }
  return count;
}

function countLines(text: string, from: number, to = text.length): number {
  let lines = 0;
  for (let i = text.indexOf('\n', from); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) lines++;
  return lines;
}

export function parsePyproject(text: string): ParsedFile {
  const map = new LineMap(text);
  const result: ParsedFile = { dependencies: [], includes: [], indexUrls: [], problems: [] };
  const tooLarge = tomlTooLarge(text);
  if (tooLarge !== undefined) {
    result.problems.push({ code: 'file-too-large', message: tooLarge, range: map.range(0, 0) });
    return result;
  }
  let source = text;
  let program: AST.TOMLProgram | undefined;
  const started = performance.now();
  // A syntax error is reported once; the offending line is then blanked (same
  // length, so ranges stay exact) and the rest of the file is read again.
  for (let attempt = 0; attempt <= MAX_RECOVERY_ATTEMPTS && !program; attempt++) {
    try {
      program = parseTOML(source);
    } catch (e) {
      if (!(e instanceof ParseError)) {
        // The TOML parser itself fails on some huge or deeply nested values (stack overflow):
        // the file is reported, not the server.
        result.problems.push({ code: 'syntax-error', message: `This file could not be read as TOML: ${e instanceof Error ? e.message : String(e)}`, range: map.range(0, 0) });
        return result;
      }
      const line = Math.max(0, e.lineNumber - 1);
      if (attempt === 0) result.problems.push(syntaxProblem(e, map));
      if (attempt === MAX_RECOVERY_ATTEMPTS || performance.now() - started > RECOVERY_BUDGET_MS) return result;
      source = blankLine(source, map, line);
    }
  }
  if (!program) return result;
  const ignoredLines = new Set<number>();
  for (const comment of program.comments) {
    if (isIgnoreComment('#' + comment.value)) ignoredLines.add(comment.loc.start.line - 1);
  }
  const ctx: Context = { text, map, result, ignoredLines };
  walkTopLevel(program.body[0], ctx);
  return result;
}

function syntaxProblem(e: ParseError, map: LineMap): ParseProblem {
  const line = Math.max(0, e.lineNumber - 1);
  const start = Math.min(e.index, map.lineEnd(line));
  const end = Math.max(start, map.lineEnd(line));
  return { code: 'syntax-error', message: `TOML syntax error: ${e.message}`, range: map.range(start, end === start ? start : end) };
}

function blankLine(source: string, map: LineMap, line: number): string {
  const start = map.lineStarts[line] ?? source.length;
  const end = map.lineEnd(line);
  return source.slice(0, start) + ' '.repeat(end - start) + source.slice(end);
}

interface Context {
  text: string;
  map: LineMap;
  result: ParsedFile;
  ignoredLines: Set<number>;
}

function walkTopLevel(top: AST.TOMLTopLevelTable, ctx: Context): void {
  for (const node of top.body) {
    if (node.type === 'TOMLKeyValue') {
      visitKeyValue([], node, ctx);
      continue;
    }
    const path = node.resolvedKey;
    const kind = classify(withoutIndex(path));
    const lastKey = node.key.keys[node.key.keys.length - 1];
    const parentKind = classify(withoutIndex(path).slice(0, -1));
    if (parentKind === 'poetry-table' && lastKey) {
      // [tool.poetry.dependencies.numpy] or [[tool.poetry.dependencies.numpy]]: the header names the package.
      addPoetryDependency(lastKey, keyName(lastKey), { kind: 'table', body: node.body }, sectionName(withoutIndex(path).slice(0, -1)), ctx);
      continue;
    }
    if (kind === 'poetry-table') {
      for (const kv of node.body) visitPoetryEntry(kv, sectionName(path), ctx);
      continue;
    }
    for (const kv of node.body) visitKeyValue(path, kv, ctx);
  }
}

function withoutIndex(path: Path): Path {
  return typeof path[path.length - 1] === 'number' ? path.slice(0, -1) : path;
}

function keyName(key: AST.TOMLBare | AST.TOMLQuoted): string {
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
      const rest = keys.slice(i + 1);
      if (rest.length === 1) addPoetryDependency(rest[0]!, keyName(rest[0]!), toPoetryValue(kv.value), sectionName(path), ctx);
      return;
    }
  }
  if (prefix.length + keys.length > 6) return;
  const path = [...prefix, ...keys.map(keyName)];
  visitValue(path, kv.value, ctx);
}

function visitValue(path: Path, value: AST.TOMLContentNode, ctx: Context): void {
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

function visitPoetryEntry(kv: AST.TOMLKeyValue, section: string, ctx: Context): void {
  const keys = kv.key.keys;
  if (keys.length !== 1) return;
  addPoetryDependency(keys[0]!, keyName(keys[0]!), toPoetryValue(kv.value), section, ctx);
}

/** `range` is the value's source range; a `[table.name]` section has none (its fields are its value). */
type PoetryValue =
  | { kind: 'string'; node: AST.TOMLStringValue; range: [number, number] }
  | { kind: 'table'; body: AST.TOMLKeyValue[]; range?: [number, number] }
  | { kind: 'array'; items: PoetryValue[]; range: [number, number] }
  | { kind: 'other' };

function toPoetryValue(node: AST.TOMLContentNode): PoetryValue {
  if (node.type === 'TOMLValue' && node.kind === 'string') return { kind: 'string', node, range: node.range };
  if (node.type === 'TOMLInlineTable') return { kind: 'table', body: node.body, range: node.range };
  if (node.type === 'TOMLArray') return { kind: 'array', items: node.elements.map(toPoetryValue), range: node.range };
  return { kind: 'other' };
}

/** Fields of a Poetry dependency that describe how it is used, not which project it is. */
const POETRY_KEPT_FIELDS = ['optional', 'markers', 'python'];

type ValueEdit = { range: ReturnType<LineMap['range']>; newText: string };

/**
 * On replacement the version becomes "*", keeping only the fields that are not
 * about the old project; each table of a multiple-constraints array keeps its own.
 */
function poetryValueEdits(value: PoetryValue, ctx: Context): ValueEdit[] {
  switch (value.kind) {
    case 'string':
      return [{ range: ctx.map.range(value.range[0], value.range[1]), newText: '"*"' }];
    case 'array':
      return value.items.flatMap((item) => poetryValueEdits(item, ctx));
    case 'table': {
      if (value.range) {
        const kept = value.body
          .filter((kv) => kv.key.keys.length === 1 && POETRY_KEPT_FIELDS.includes(keyName(kv.key.keys[0]!)))
          .map((kv) => ctx.text.slice(kv.range[0], kv.range[1]));
        return [{ range: ctx.map.range(value.range[0], value.range[1]), newText: `{ ${['version = "*"', ...kept].join(', ')} }` }];
      }
      const version = tableField(value.body, 'version');
      return version ? [{ range: ctx.map.range(version.range[0], version.range[1]), newText: '"*"' }] : [];
    }
    case 'other':
      return [];
  }
}

function tableField(body: AST.TOMLKeyValue[], field: string): AST.TOMLContentNode | undefined {
  return body.find((kv) => kv.key.keys.length === 1 && keyName(kv.key.keys[0]!) === field)?.value;
}

function stringField(body: AST.TOMLKeyValue[], field: string): string | undefined {
  const v = tableField(body, field);
  return v?.type === 'TOMLValue' && v.kind === 'string' ? v.value : undefined;
}

/** Poetry: `"1.2.3"` and `"==1.2.3"` are exact pins; `^`, `~`, `*` and ranges are not. */
function poetryPin(constraint: string | undefined): string | undefined {
  if (constraint === undefined) return undefined;
  const c = constraint.trim();
  const m = /^(?:==?)?\s*([0-9][0-9A-Za-z.!+_-]*)$/.exec(c);
  return m ? m[1] : undefined;
}

function addPoetryDependency(
  key: AST.TOMLBare | AST.TOMLQuoted,
  name: string,
  value: PoetryValue,
  section: string,
  ctx: Context,
): void {
  if (POETRY_NOT_PACKAGES.has(name.toLowerCase()) || !isValidProjectName(name)) return;
  const versions: (string | undefined)[] = [];
  const extras = new Set<string>();
  let marker = '';
  let fromIndex = false;
  const consider = (v: PoetryValue) => {
    if (v.kind === 'string') {
      fromIndex = true;
      versions.push(v.node.value);
    } else if (v.kind === 'table') {
      if (POETRY_NON_INDEX_FIELDS.some((f) => tableField(v.body, f) !== undefined)) return;
      fromIndex = true;
      versions.push(stringField(v.body, 'version'));
      const ex = tableField(v.body, 'extras');
      if (ex?.type === 'TOMLArray') {
        for (const e of ex.elements) if (e.type === 'TOMLValue' && e.kind === 'string') extras.add(e.value);
      }
      marker ||= stringField(v.body, 'markers') ?? '';
    }
  };
  if (value.kind === 'array') value.items.forEach(consider);
  else consider(value);
  if (!fromIndex) return;

  const keyRange = quotedInnerRange(key, ctx);
  const specifiers = versions.filter((v): v is string => v !== undefined);
  const dependency: Dependency = {
    name,
    normalizedName: normalizeName(name),
    nameRange: keyRange,
    requirementRange: keyRange,
    nameSpecRange: keyRange,
    commentAt: ctx.map.position(ctx.map.lineEnd(keyRange.start.line)),
    extras: [...extras],
    specifier: specifiers.join(' || '),
    marker,
    ignored: ctx.ignoredLines.has(keyRange.start.line),
    form: 'poetry-key',
    section,
  };
  const pin = specifiers.length === 1 ? poetryPin(specifiers[0]) : undefined;
  if (pin !== undefined) dependency.pinnedVersion = pin;
  const valueEdits = poetryValueEdits(value, ctx);
  if (valueEdits.length > 0) dependency.valueEdits = valueEdits;
  ctx.result.dependencies.push(dependency);
}

/** The key text without its quotes. */
function quotedInnerRange(key: AST.TOMLBare | AST.TOMLQuoted, ctx: Context) {
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
  const pin = exactPin(parsed.clauses);
  if (pin !== undefined) dependency.pinnedVersion = pin;
  // A comment after a line inside a multi-line string would become part of the string.
  if (!node.multiline) dependency.commentAt = ctx.map.position(ctx.map.lineEnd(ctx.map.position(node.range[1]).line));
  ctx.result.dependencies.push(dependency);
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
  if (node.style === 'literal') {
    for (; i < end; i++, count++) {
      starts[count] = i;
      ends[count] = i + 1;
    }
    return count;
  }
  while (i < end) {
    const ch = text[i];
    if (ch !== '\\') {
      starts[count] = i;
      ends[count++] = i + 1;
      i++;
      continue;
    }
    const next = text[i + 1];
    // \uXXXX, \UXXXXXXXX, and the TOML 1.1 \xHH that the parser also accepts.
    const hexLength = next === 'u' ? 4 : next === 'U' ? 8 : next === 'x' ? 2 : 0;
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
