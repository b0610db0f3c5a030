/**
 * Dependencies declared in pyproject.toml: PEP 621, PEP 735 dependency groups,
 * build-system requires, and the tool tables of Poetry, uv, PDM and Hatch.
 * toml-eslint-parser keeps source ranges, so every name is reported where it is written.
 */
import { parseTOML, ParseError, type AST } from 'toml-eslint-parser';
import { exactPin, isPep508Error, isValidProjectName, normalizeName, parsePep508 } from './pep508.js';
import { isIgnoreComment } from './suppress.js';
import { LineMap } from './text.js';
import type { Dependency, ParsedFile, ParseProblem, Position, Range } from './types.js';

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

/** Parses of one section with lines blanked before it is given up. */
const MAX_RECOVERY_ATTEMPTS = 20;
/** Re-parsing after errors stops once this much time went into it (the first parse included): a broken file must not stall the editor. */
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
const CR = 0x0d;

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
  const programs = readToml(text, map, result.problems);
  const ignoredLines = new Set<number>();
  for (const program of programs) {
    for (const comment of program.comments) {
      if (isIgnoreComment('#' + comment.value)) ignoredLines.add(map.position(comment.range[0]).line);
    }
  }
  const ctx: Context = { text, map, result, ignoredLines, found: [], poetry: new Map() };
  for (const program of programs) walkTopLevel(program.body[0], ctx);
  for (const item of ctx.found) {
    if ('items' in item) {
      const dependency = poetryDependency(item, ctx);
      if (dependency) result.dependencies.push(dependency);
    } else {
      result.dependencies.push(item);
    }
  }
  return result;
}

/**
 * pip, build, uv and Python's tomllib read TOML 1.0; the parser's default, 1.1, also takes
 * inline tables over several lines, trailing commas in them and `\x`/`\e` escapes, which
 * those tools reject.
 */
const TOML_OPTIONS = { tomlVersion: '1.0' } as const;

/**
 * The whole file as one program when it parses. Otherwise one syntax-error problem, and
 * programs for the parts that can still be read, their ranges in the whole text.
 */
function readToml(text: string, map: LineMap, problems: ParseProblem[]): AST.TOMLProgram[] {
  const started = performance.now();
  try {
    return [parseTOML(text, TOML_OPTIONS)];
  } catch (e) {
    if (!(e instanceof ParseError)) {
      // The TOML parser itself fails on some huge or deeply nested values (stack overflow):
      // the file is reported, not the server.
      problems.push({ code: 'syntax-error', message: `This file could not be read as TOML: ${e instanceof Error ? e.message : String(e)}`, range: map.range(0, 0) });
      return [];
    }
    const recovery = new Recovery(text, map, started + RECOVERY_BUDGET_MS);
    recovery.run(e);
    problems.push(recovery.problem(e));
    return recovery.programs;
  }
}

/**
 * Reads what it can of a file that does not parse. The TOML parser stops at the first error,
 * often a line or more after its cause (an unclosed `[header`, a key without `=`, an
 * unterminated string, array or inline table), so blanking the line it names can lose good
 * lines and keep the bad one. Instead the file is cut into sections at lines that look like
 * table headers; a part that fails is halved at a section boundary until single failing
 * sections remain (for one broken section about three parses of the text in all, not one per
 * section), and only those lose lines: the line at fault is blanked (replaced by spaces, so
 * offsets stay exact), the section parsed again, and so on. Sections that parse keep all
 * their dependencies, with their ranges in the whole text.
 */
class Recovery {
  readonly programs: AST.TOMLProgram[] = [];
  /** Offsets where sections start: 0, then each line that looks like a table header. */
  private readonly starts: number[] = [0];
  /** Where the first section that failed on its own went wrong, for the one diagnostic. */
  private fault: { line: number; index: number; message: string; detectedLine: number; sectionStart: number } | undefined;

  constructor(
    private readonly text: string,
    private readonly map: LineMap,
    private readonly deadline: number,
  ) {
    const lineStarts = map.lineStarts;
    const strings = multilineStrings(text);
    let s = 0;
    for (let line = 1; line < lineStarts.length; line++) {
      const start = lineStarts[line]!;
      while (s < strings.length && strings[s]![1] <= start) s++;
      const inString = s < strings.length && strings[s]![0] < start;
      if (!inString && looksLikeHeader(text, start, map.lineEnd(line))) this.starts.push(start);
    }
  }

  run(error: ParseError): void {
    this.failed(0, this.starts.length, error);
  }

  private end(section: number): number {
    return this.starts[section] ?? this.text.length;
  }

  /** Sections [from, to) read as one text. */
  private attempt(from: number, to: number): void {
    if (performance.now() > this.deadline) return;
    const base = this.starts[from]!;
    const parsed = parse(this.text.slice(base, this.end(to)));
    if (parsed instanceof ParseError || parsed === undefined) this.failed(from, to, parsed);
    else this.programs.push(shift(parsed, base));
  }

  private failed(from: number, to: number, error: ParseError | undefined): void {
    if (to - from === 1) {
      this.repair(from, error);
      return;
    }
    const mid = (from + to) >> 1;
    this.attempt(from, mid);
    this.attempt(mid, to);
  }

  /** Blanks lines of one section until it parses, or gives it up. */
  private repair(section: number, error: ParseError | undefined): void {
    const { map } = this;
    const base = this.starts[section]!;
    const end = this.end(section + 1);
    const firstLine = map.position(base).line;
    // The section's text ends with its line break (or the file's end), which belongs to its last line.
    const lastLine = map.position(Math.max(base, end - 1)).line;
    let source = this.text.slice(base, end);
    const blanked: number[] = [];
    const record = this.fault === undefined;
    let firstError: ParseError | undefined;
    const hasContent = (line: number, commentsCount: boolean) => {
      const s = source.slice(map.lineStarts[line]! - base, map.lineEnd(line) - base).trimStart();
      return s !== '' && (commentsCount || !s.startsWith('#'));
    };
    const blank = (s: string, line: number) => {
      const start = map.lineStarts[line]! - base;
      const stop = map.lineEnd(line) - base;
      return s.slice(0, start) + ' '.repeat(stop - start) + s.slice(stop);
    };
    for (let attempts = 0; ; ) {
      if (error === undefined) {
        const parsed = parse(source);
        attempts++;
        if (parsed === undefined) break;
        if (!(parsed instanceof ParseError)) {
          this.programs.push(shift(parsed, base));
          break;
        }
        error = parsed;
      }
      firstError ??= error;
      if (attempts >= MAX_RECOVERY_ATTEMPTS || performance.now() > this.deadline) break;
      const at = base + error.index;
      // Past the section's last line: something unterminated, its start is above.
      const line = at >= end ? lastLine + 1 : map.position(at).line;
      const atLineStart = line > lastLine || source.slice(map.lineStarts[line]! - base, at - base).trim() === '';
      const lineHasContent = line <= lastLine && hasContent(line, true);
      // A key defined twice is reported at the second definition, itself the statement at fault.
      if (atLineStart && error.message !== duplicateKeyMessage()) {
        // The parser names the first token after the statement it could not finish: the
        // cause is most often the line above (a header without `]`, a key without `=`).
        let above = line - 1;
        while (above >= firstLine && !hasContent(above, false)) above--;
        if (above >= firstLine) {
          const trial = blank(source, above);
          const parsed = parse(trial);
          attempts++;
          if (parsed === undefined) break;
          // It was the cause if the error moved on; with nothing on the line named there is no other candidate.
          if (!(parsed instanceof ParseError) || !lineHasContent || parsed.index > error.index) {
            source = trial;
            blanked.push(above);
            if (!(parsed instanceof ParseError)) {
              this.programs.push(shift(parsed, base));
              break;
            }
            error = parsed;
            continue;
          }
        }
      }
      if (!lineHasContent) break;
      source = blank(source, line);
      blanked.push(line);
      error = undefined;
    }
    if (record && firstError !== undefined) {
      const detectedLine = map.position(base + firstError.index).line;
      const line = blanked.length > 0 ? Math.min(...blanked) : detectedLine;
      this.fault = { line, index: base + firstError.index, message: firstError.message, detectedLine, sectionStart: base };
    }
  }

  /**
   * The one diagnostic: at the line found at fault in the first section that failed on its
   * own, unless the whole file failed before that section: a table or key defined in two
   * sections, each of which parses alone.
   */
  problem(error: ParseError): ParseProblem {
    const { map, text } = this;
    const fault = this.fault;
    if (fault === undefined || error.index < fault.sectionStart) {
      return syntaxProblem(error.message, Math.min(error.index, text.length), map);
    }
    if (fault.line === fault.detectedLine) return syntaxProblem(fault.message, fault.index, map);
    const lineStart = map.lineStarts[fault.line]!;
    const lineText = text.slice(lineStart, map.lineEnd(fault.line));
    const start = lineStart + (lineText.length - lineText.trimStart().length);
    const stop = lineStart + lineText.trimEnd().length;
    let message = fault.message;
    // The error was found on a later line; a broken header says more about itself.
    if (lineText.trimStart().startsWith('[')) {
      const alone = parse(lineText.trim() + '\n');
      if (alone instanceof ParseError) message = alone.message;
    }
    return { code: 'syntax-error', message: `TOML syntax error: ${message}`, range: map.range(start, stop) };
  }
}

let duplicateKey: string | undefined;

/** The parser's message for a key defined twice, as this version of it words it. */
function duplicateKeyMessage(): string {
  if (duplicateKey === undefined) {
    const parsed = parse('a = 1\na = 2\n');
    duplicateKey = parsed instanceof ParseError ? parsed.message : '';
  }
  return duplicateKey;
}

/**
 * Where the multi-line strings that are closed lie ([start, end) offsets, in order): a line
 * inside one is text, whatever it looks like. One that is never closed ends, for this
 * purpose, at its line's end, so that it does not hide the headers of the rest of the file.
 */
function multilineStrings(text: string): [number, number][] {
  const spans: [number, number][] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === HASH) {
      const eol = text.indexOf('\n', i);
      i = eol < 0 ? n : eol;
      continue;
    }
    if (c !== QUOTE && c !== APOSTROPHE) {
      i++;
      continue;
    }
    const multi = text.charCodeAt(i + 1) === c && text.charCodeAt(i + 2) === c;
    let j = multi ? i + 3 : i + 1;
    let closed = false;
    while (j < n) {
      const d = text.charCodeAt(j);
      if (!multi && (d === LF || d === CR)) break;
      if (d === BACKSLASH && c === QUOTE) {
        // The escaped character, unless it ends the line of a one-line string.
        const e = text.charCodeAt(j + 1);
        j += !multi && (e === LF || e === CR) ? 1 : 2;
        continue;
      }
      j++;
      if (d === c && (!multi || (text.charCodeAt(j) === c && text.charCodeAt(j + 1) === c))) {
        closed = true;
        if (multi) {
          j += 2;
          // Up to two quotes right before the closing three belong to the string.
          for (let extra = 0; extra < 2 && text.charCodeAt(j) === c; extra++) j++;
        }
        break;
      }
    }
    if (multi && closed) spans.push([i, j]);
    if (multi && !closed) {
      const eol = text.indexOf('\n', i);
      j = eol < 0 ? n : eol;
    }
    i = j;
  }
  return spans;
}

/** A line starting with `[` and without a comma: a table header, maybe a broken one (not an array element such as `["a", "b"],`). */
function looksLikeHeader(text: string, start: number, end: number): boolean {
  let i = start;
  while (text[i] === ' ' || text[i] === '\t') i++;
  if (text[i] !== '[') return false;
  const comma = text.indexOf(',', i);
  return comma < 0 || comma >= end;
}

/** The program, the parser's error, or undefined when the parser failed otherwise (stack overflow on deep nesting). */
function parse(source: string): AST.TOMLProgram | ParseError | undefined {
  try {
    return parseTOML(source, TOML_OPTIONS);
  } catch (e) {
    return e instanceof ParseError ? e : undefined;
  }
}

/**
 * Moves the ranges of a program parsed from a part of the text to where that part is in the
 * whole (only `range` is read; `loc` and tokens stay as parsed). Iterative: values nest deeply.
 */
function shift(program: AST.TOMLProgram, base: number): AST.TOMLProgram {
  if (base === 0) return program;
  const move = (node: { range: [number, number] }) => {
    node.range = [node.range[0] + base, node.range[1] + base];
  };
  program.comments.forEach(move);
  const stack: AST.TOMLNode[] = [program.body[0]];
  const push = (nodes: readonly AST.TOMLNode[]) => {
    for (const n of nodes) stack.push(n);
  };
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    move(node);
    switch (node.type) {
      case 'TOMLTopLevelTable':
      case 'TOMLInlineTable':
        push(node.body);
        break;
      case 'TOMLTable':
        stack.push(node.key);
        push(node.body);
        break;
      case 'TOMLKeyValue':
        stack.push(node.key, node.value);
        break;
      case 'TOMLKey':
        push(node.keys);
        break;
      case 'TOMLArray':
        push(node.elements);
        break;
      default:
        break;
    }
  }
  return program;
}

function syntaxProblem(message: string, index: number, map: LineMap): ParseProblem {
  const line = map.position(index).line;
  const start = Math.min(index, map.lineEnd(line));
  return { code: 'syntax-error', message: `TOML syntax error: ${message}`, range: map.range(start, Math.max(start, map.lineEnd(line))) };
}

type KeyNode = AST.TOMLBare | AST.TOMLQuoted;

interface Context {
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

function walkTopLevel(top: AST.TOMLTopLevelTable, ctx: Context): void {
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
type PoetryItem =
  | { kind: 'string'; node: AST.TOMLStringValue }
  | { kind: 'table'; fields: PoetryField[]; inline?: AST.TOMLInlineTable }
  | { kind: 'other' };

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

/** Poetry: `"1.2.3"` and `"==1.2.3"` are exact pins; `^`, `~`, `*` and ranges are not. */
function poetryPin(constraint: string | undefined): string | undefined {
  if (constraint === undefined) return undefined;
  const c = constraint.trim();
  const m = /^(?:==?)?\s*([0-9][0-9A-Za-z.!+_-]*)$/.exec(c);
  return m ? m[1] : undefined;
}

function poetryDependency(entry: PoetryEntry, ctx: Context): Dependency | undefined {
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
  if (pin !== undefined) dependency.pinnedVersion = pin;
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
  const pin = exactPin(parsed.clauses);
  if (pin !== undefined) dependency.pinnedVersion = pin;
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
