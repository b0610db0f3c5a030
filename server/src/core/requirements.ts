/**
 * pip requirements files, read the way pip's own parser (pip._internal.req.req_file)
 * reads them: the same line joining, comment stripping, `${VAR}` expansion and
 * split between requirement text and options, so that the dependencies found
 * here are exactly the ones pip would install. Unlike pip, a bad line does not
 * stop the file: it becomes a problem and the next line is read.
 */
import { isPep508Error, isValidProjectName, normalizeName, notePin, parseMarker, parsePep508, PY_SPACE, PY_SPACE_CHAR, pyStrip } from './pep508.js';
import { isIgnoreComment } from './suppress.js';
import { LineMap } from './text.js';
import type { Dependency, Include, ParsedFile } from './types.js';

export interface RequirementsOptions {
  /** Values for `${VAR}` references; pip reads them from its environment. */
  env?: Record<string, string | undefined>;
}

/**
 * A list of records of two or four integers, appended to and read by index. Kept in
 * Int32Arrays, filled page by page (the first page doubles until it is full size), so
 * that a long list is neither a quarter of a million small objects (each allocated, then
 * copied by every garbage collection while it lives) nor one buffer copied at every
 * doubling: on a 1 MB line, allocating and touching memory is what costs the most.
 */
class RecordList {
  private static readonly PAGE_SHIFT = 12;
  private readonly pages: Int32Array[];
  count = 0;

  constructor(private readonly width: 2 | 4) {
    this.pages = [new Int32Array(width)];
  }

  /** Appends a record: its first `width` fields are kept. */
  push(a: number, b: number, c = 0, d = 0): void {
    const pageIndex = this.count >> RecordList.PAGE_SHIFT;
    const offset = (this.count & ((1 << RecordList.PAGE_SHIFT) - 1)) * this.width;
    let page = this.pages[pageIndex];
    if (!page) {
      page = new Int32Array(this.width << RecordList.PAGE_SHIFT);
      this.pages.push(page);
    } else if (offset + this.width > page.length) {
      // Only the first page is ever short.
      const grown = new Int32Array(Math.min(page.length * 2, this.width << RecordList.PAGE_SHIFT));
      grown.set(page);
      this.pages[pageIndex] = page = grown;
    }
    page[offset] = a;
    page[offset + 1] = b;
    if (this.width === 4) {
      page[offset + 2] = c;
      page[offset + 3] = d;
    }
    this.count++;
  }

  get(k: number, field: number): number {
    return this.pages[k >> RecordList.PAGE_SHIFT]![(k & ((1 << RecordList.PAGE_SHIFT) - 1)) * this.width + field]!;
  }
}

/**
 * Where a logical line's text came from, as runs ("segments"): characters [at, at+len)
 * map to document offsets [doc, doc+len) or, for text produced by `${VAR}` expansion,
 * each to the whole reference [doc, refEnd). A line joined from a quarter of a million
 * continuation lines, or made of as many `${VAR}` references, has that many segments.
 */
class Segments {
  private readonly records = new RecordList(4);

  get count(): number {
    return this.records.count;
  }

  /** refEnd is -1 for text that is not an expansion (document offsets are never negative). */
  push(at: number, len: number, doc: number, refEnd = -1): void {
    this.records.push(at, len, doc, refEnd);
  }

  at(k: number): number {
    return this.records.get(k, 0);
  }

  len(k: number): number {
    return this.records.get(k, 1);
  }

  doc(k: number): number {
    return this.records.get(k, 2);
  }

  refEnd(k: number): number {
    return this.records.get(k, 3);
  }

  /** Index of the segment holding position i, or -1. */
  find(i: number): number {
    let lo = 0;
    let hi = this.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const at = this.at(mid);
      if (i < at) hi = mid - 1;
      else if (i >= at + this.len(mid)) lo = mid + 1;
      else return mid;
    }
    return -1;
  }
}

/** A logical line (after pip's joining, comment stripping and expansion) and where its text came from. */
interface MappedLine {
  text: string;
  /** Where the text came from; for a slice of a longer line, where the rest of that line came from too. */
  segments: Segments;
  /** Position in `segments` of the text's first character (a slice shares the segments of the line it was cut from). */
  shift: number;
  /** Document offset of the end of the logical line's last physical line. */
  docEnd: number;
}

/** Index of the segment that character i of the line comes from, or -1 past either end of the text. */
function segmentAt(line: MappedLine, i: number): number {
  // The segments of a slice reach past its ends: bound i by the text, not by them.
  if (i < 0 || i >= line.text.length) return -1;
  return line.segments.find(i + line.shift);
}

/** Document offset where character i of the line was written. */
function docStartOf(line: MappedLine, i: number): number {
  const k = segmentAt(line, i);
  if (k < 0) return line.docEnd;
  const segs = line.segments;
  return segs.refEnd(k) >= 0 ? segs.doc(k) : segs.doc(k) + (i + line.shift - segs.at(k));
}

/** Document offset just past character i of the line. */
function docEndOf(line: MappedLine, i: number): number {
  const k = segmentAt(line, i);
  if (k < 0) return line.docEnd;
  const segs = line.segments;
  const refEnd = segs.refEnd(k);
  return refEnd >= 0 ? refEnd : segs.doc(k) + (i + line.shift - segs.at(k)) + 1;
}

/**
 * A string put together from many pieces. `+=` alone would make a rope of one node a
 * piece, all alive (and copied by each garbage collection) until the string is read, and
 * one array of all the pieces would be as bad: the pieces are joined a thousand at a time.
 */
class TextBuilder {
  private readonly pieces: string[] = [];
  private joined = '';
  length = 0;

  append(s: string, from: number, to: number): void {
    if (to <= from) return;
    this.pieces.push(from === 0 && to === s.length ? s : s.slice(from, to));
    this.length += to - from;
    if (this.pieces.length === 1024) this.flush();
  }

  toString(): string {
    this.flush();
    return this.joined;
  }

  private flush(): void {
    this.joined += this.pieces.join('');
    this.pieces.length = 0;
  }
}

/** A logical line put together from pieces of physical lines, or of another logical line. */
class LineBuilder {
  private readonly text = new TextBuilder();
  private readonly segments = new Segments();

  /** Appends source[from, to), written at document offsets doc, doc+1, …. */
  addPiece(source: string, from: number, to: number, doc: number): void {
    this.segments.push(this.text.length, to - from, doc);
    this.text.append(source, from, to);
  }

  /** Appends the value of a `${VAR}` reference written at [doc, refEnd). */
  addExpansion(value: string, doc: number, refEnd: number): void {
    this.segments.push(this.text.length, value.length, doc, refEnd);
    this.text.append(value, 0, value.length);
  }

  /** Appends characters [from, to) of a line, each still mapped to where it came from. */
  addFrom(line: MappedLine, from: number, to: number): void {
    if (to <= from) return;
    const segs = line.segments;
    const lo = from + line.shift;
    const hi = to + line.shift;
    for (let k = segs.find(lo); k >= 0 && k < segs.count && segs.at(k) < hi; k++) {
      const s = Math.max(segs.at(k), lo);
      const e = Math.min(segs.at(k) + segs.len(k), hi);
      if (s >= e) continue;
      const refEnd = segs.refEnd(k);
      this.segments.push(this.text.length + (s - lo), e - s, refEnd >= 0 ? segs.doc(k) : segs.doc(k) + (s - segs.at(k)), refEnd);
    }
    this.text.append(line.text, from, to);
  }

  build(docEnd: number): MappedLine {
    return { text: this.text.toString(), segments: this.segments, shift: 0, docEnd };
  }
}

/** Real requirements files are at most a few hundred kilobytes; a file this large is not read at all. */
export const MAX_REQUIREMENTS_LENGTH = 8 * 1024 * 1024;

export function parseRequirements(text: string, options: RequirementsOptions = {}): ParsedFile {
  const map = new LineMap(text);
  const result: ParsedFile = { dependencies: [], includes: [], indexUrls: [], problems: [] };
  if (text.length > MAX_REQUIREMENTS_LENGTH) {
    result.problems.push({
      code: 'file-too-large',
      message: `This file is larger than ${MAX_REQUIREMENTS_LENGTH / 1024 / 1024} MB; pypi-status does not read it.`,
      range: map.range(0, 0),
    });
    return result;
  }
  for (const logical of joinLines(map)) {
    const { line, ignored } = stripComment(logical);
    if (line.text === '') continue;
    const expanded = expandEnv(line, options.env ?? {});
    parseLine(expanded, ignored, map, result);
  }
  return result;
}

// pip: COMMENT_RE = (^|\s+)#.*$ — a `#` starts a comment at line start or after whitespace.
// `\s` and strip() are Python's throughout, which differ from JavaScript's.
const COMMENT_START = new RegExp(`^${PY_SPACE}*#`);
const isSpace = (ch: string | undefined) => ch !== undefined && PY_SPACE_CHAR.test(ch);

/**
 * Length of the line break at i, 0 if there is none. pip splits with Python's str.splitlines(),
 * which breaks at \r\n, \n, \r, and also at \v, \f, \x1c-\x1e, \x85, U+2028 and U+2029;
 * LSP lines (for ranges) break only at \r and \n.
 */
function lineBreakAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === 0x0d) return text.charCodeAt(i + 1) === 0x0a ? 2 : 1;
  return (c >= 0x0a && c <= 0x0c) || (c >= 0x1c && c <= 0x1e) || c === 0x85 || c === 0x2028 || c === 0x2029 ? 1 : 0;
}

/** A physical line on its own, mapped to where it was written. */
function singleLine(text: string, doc: number, docEnd: number): MappedLine {
  const segments = new Segments();
  segments.push(0, text.length, doc);
  return { text, segments, shift: 0, docEnd };
}

function* joinLines(map: LineMap): Generator<MappedLine> {
  const text = map.text;
  // The logical line so far, while its physical lines end in backslashes.
  let joined: LineBuilder | undefined;
  let start = 0;
  while (start < text.length) {
    let end = start;
    let lineBreak = 0;
    for (; end < text.length; end++) {
      // A cheap test first: no line break is above \x1e but \x85, U+2028 and U+2029.
      const c = text.charCodeAt(end);
      if (c > 0x1e && c !== 0x85 && c !== 0x2028 && c !== 0x2029) continue;
      lineBreak = lineBreakAt(text, end);
      if (lineBreak > 0) break;
    }
    const raw = text.slice(start, end);
    const isComment = COMMENT_START.test(raw);
    if (!raw.endsWith('\\') || isComment) {
      // pip prefixes comment lines with a space so that joined comments still match.
      const piece = isComment ? ' ' + raw : raw;
      const doc = Math.max(isComment ? start - 1 : start, 0);
      if (joined) {
        joined.addPiece(piece, 0, piece.length, doc);
        yield joined.build(end);
        joined = undefined;
      } else {
        yield singleLine(piece, doc, end);
      }
    } else {
      // pip strips every leading and trailing backslash of a continued line.
      let s = start;
      let e = end;
      while (s < e && text[s] === '\\') s++;
      while (e > s && text[e - 1] === '\\') e--;
      joined ??= new LineBuilder();
      joined.addPiece(text, s, e, s);
    }
    start = end + lineBreak;
  }
  if (joined) yield joined.build(text.length);
}

/** The characters [start, end) of a line. */
function slice(line: MappedLine, start: number, end: number): MappedLine {
  if (start === 0 && end === line.text.length) return line;
  return { text: line.text.slice(start, end), segments: line.segments, shift: line.shift + start, docEnd: line.docEnd };
}

function stripComment(line: MappedLine): { line: MappedLine; ignored: boolean } {
  const text = line.text;
  let cut = text.length;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '#' && (i === 0 || isSpace(text[i - 1]))) {
      cut = i;
      while (cut > 0 && isSpace(text[cut - 1])) cut--;
      break;
    }
  }
  const ignored = cut < text.length && isIgnoreComment(text.slice(cut));
  let start = 0;
  let end = cut;
  while (start < end && isSpace(text[start])) start++;
  while (end > start && isSpace(text[end - 1])) end--;
  return { line: slice(line, start, end), ignored };
}

const isEnvNameChar = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f;

/**
 * End of the `${NAME}` reference at `at`, or -1 if there is none: pip's pattern is
 * \$\{([A-Z0-9_]+)\}. Matched by hand at each `${` (the matches of a global search,
 * in the same order) because a regular expression's match objects, one a reference,
 * cost more than the rest of the expansion on a line of a quarter of a million.
 */
function envReferenceEnd(text: string, at: number): number {
  let i = at + 2;
  while (i < text.length && isEnvNameChar(text.charCodeAt(i))) i++;
  return i > at + 2 && text.charCodeAt(i) === 0x7d /* } */ ? i + 1 : -1;
}

// pip expands only ${NAME} with upper-case letters, digits and underscores, and
// leaves a reference to an unset or empty variable as it is.
function expandEnv(line: MappedLine, env: Record<string, string | undefined>): MappedLine {
  const text = line.text;
  let out: LineBuilder | undefined;
  let last = 0;
  let at = text.indexOf('${');
  while (at >= 0) {
    const end = envReferenceEnd(text, at);
    const value = end < 0 ? undefined : env[text.slice(at + 2, end - 1)];
    if (value) {
      out ??= new LineBuilder();
      out.addFrom(line, last, at);
      // Every character of the value maps to the whole `${NAME}` that produced it.
      out.addExpansion(value, docStartOf(line, at), docEndOf(line, end - 1));
      last = end;
    }
    // Like a global search: on after a reference (expanded or not), else from the next character.
    at = text.indexOf('${', end < 0 ? at + 1 : end);
  }
  if (!out) return line;
  out.addFrom(line, last, line.text.length);
  return out.build(line.docEnd);
}

interface OptionSpec {
  dest: string;
  takesValue: boolean;
}

// The options pip accepts in a requirements file (SUPPORTED_OPTIONS and SUPPORTED_OPTIONS_REQ).
const LONG_OPTIONS: Record<string, OptionSpec> = {
  '--index-url': { dest: 'index_url', takesValue: true },
  '--extra-index-url': { dest: 'extra_index_url', takesValue: true },
  '--no-index': { dest: 'no_index', takesValue: false },
  '--constraint': { dest: 'constraints', takesValue: true },
  '--requirement': { dest: 'requirements', takesValue: true },
  '--editable': { dest: 'editables', takesValue: true },
  '--find-links': { dest: 'find_links', takesValue: true },
  '--no-binary': { dest: 'no_binary', takesValue: true },
  '--only-binary': { dest: 'only_binary', takesValue: true },
  '--prefer-binary': { dest: 'prefer_binary', takesValue: false },
  '--require-hashes': { dest: 'require_hashes', takesValue: false },
  '--pre': { dest: 'pre', takesValue: false },
  '--trusted-host': { dest: 'trusted_hosts', takesValue: true },
  '--use-feature': { dest: 'features_enabled', takesValue: true },
  '--install-option': { dest: 'install_options', takesValue: true },
  '--global-option': { dest: 'global_options', takesValue: true },
  '--hash': { dest: 'hashes', takesValue: true },
};
const SHORT_OPTIONS: Record<string, string> = {
  '-i': '--index-url',
  '-c': '--constraint',
  '-r': '--requirement',
  '-e': '--editable',
  '-f': '--find-links',
};

interface Token {
  text: string;
  start: number;
  end: number;
}

interface Span {
  start: number;
  end: number;
}

class OptionError extends Error {
  constructor(
    message: string,
    readonly token: Token,
  ) {
    super(message);
  }
}

function parseLine(line: MappedLine, ignored: boolean, map: LineMap, out: ParsedFile): void {
  const text = line.text;
  // pip splits on single spaces and starts the options at the first word beginning with '-'.
  let optionsAt = -1;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) === 0x2d /* - */ && (i === 0 || text.charCodeAt(i - 1) === 0x20)) {
      optionsAt = i;
      break;
    }
  }
  const args = optionsAt < 0 ? text : optionsAt === 0 ? '' : text.slice(0, optionsAt - 1);
  const rangeOf = (start: number, end: number) => docRange(line, map, start, end);

  let options = NO_OPTIONS;
  let leftovers: Span | undefined;
  if (optionsAt >= 0) {
    try {
      ({ options, leftovers } = parseOptions(shlexSplit(text, optionsAt)));
    } catch (e) {
      if (!(e instanceof OptionError)) throw e;
      out.problems.push({ code: 'invalid-option', message: e.message, range: rangeOf(e.token.start, e.token.end) });
      return;
    }
  }

  if (args !== '') {
    const dependency = parseRequirementText(line, 0, args.length, ignored, map, out);
    if (dependency) {
      // After a backslash that ends the file, a comment would join the requirement (pip reads
      // `foo==1.0 \  # ...` as an invalid requirement): no comment can go there.
      if (map.text.charCodeAt(line.docEnd - 1) !== 0x5c /* \ */) dependency.commentAt = map.position(line.docEnd);
      // --hash pins the old project's files: each goes with the whitespace and continuations before it.
      let keptEnd = args.trimEnd().length;
      const removals = [];
      for (let k = 0; k < options.count; k++) {
        const end = options.end(k);
        if (options.dest(k) === 'hashes') removals.push(map.range(docEndOf(line, keptEnd - 1), docEndOf(line, end - 1)));
        keptEnd = end;
      }
      if (removals.length > 0) dependency.removals = removals;
    }
  } else {
    if (options.find('editables') < 0) {
      // pip follows -r before -c when a line has both.
      const requirement = options.find('requirements');
      const include = requirement >= 0 ? requirement : options.find('constraints');
      const value = include >= 0 ? options.value(include) : undefined;
      if (value) {
        const kind = requirement >= 0 ? 'requirement' : 'constraint';
        out.includes.push({ kind, path: value.text, range: rangeOf(value.start, value.end) } satisfies Include);
      }
    }
  }
  // pip applies index options only from option lines, never from a requirement's (or an editable's) line.
  const optionLine = args === '' && options.find('editables') < 0;
  for (let k = 0; optionLine && k < options.count; k++) {
    const dest = options.dest(k);
    const value = options.value(k);
    if ((dest === 'index_url' || dest === 'extra_index_url') && value) {
      out.indexUrls.push({ url: value.text, extra: dest === 'extra_index_url', range: rangeOf(value.start, value.end) });
    } else if (dest === 'no_index') {
      out.noIndex = true;
    }
  }
  if (leftovers) {
    out.problems.push({
      code: 'ignored-by-pip',
      message: `pip ignores "${clip(text.slice(leftovers.start, leftovers.end))}": text after an option is not read as a requirement. Put the requirement first on its line.`,
      range: rangeOf(leftovers.start, leftovers.end),
    });
  }
}

function docRange(line: MappedLine, map: LineMap, start: number, end: number) {
  const docStart = start < line.text.length ? docStartOf(line, start) : line.docEnd;
  const docEnd = end > start ? docEndOf(line, end - 1) : docStart;
  return map.range(docStart, Math.max(docStart, docEnd));
}

const URL_SCHEMES = /^(?:https?|file|ftp|(?:git|hg|svn|bzr)\+[a-z]+|git|hg|svn|bzr):/i;
const ARCHIVE = /\.(?:zip|whl|tar\.gz|tgz|tar|tar\.bz2|tbz|tar\.xz|txz|tlz|tar\.lz|tar\.lzma)$/i;

function parseRequirementText(line: MappedLine, start: number, end: number, ignored: boolean, map: LineMap, out: ParsedFile): Dependency | undefined {
  const text = line.text.slice(start, end);
  // pip (parse_req_from_line) splits the marker off at the first ';' ('; ' for URLs).
  const isUrl = URL_SCHEMES.test(text);
  const sep = isUrl ? '; ' : ';';
  const sepAt = text.indexOf(sep);
  const reqText = sepAt < 0 ? text : text.slice(0, sepAt);
  const markerRaw = sepAt < 0 ? '' : text.slice(sepAt + sep.length);
  const rangeOf = (s: number, e: number) => docRange(line, map, start + s, start + e);

  const markerText = pyStrip(markerRaw);
  if (markerText !== '') {
    const err = parseMarker(markerText);
    if (err) {
      const lead = markerRaw.indexOf(markerText);
      out.problems.push({
        code: 'invalid-requirement',
        message: `Invalid marker: ${err.error}`,
        range: rangeOf(sepAt + sep.length + lead, text.length),
      });
      return undefined;
    }
  }
  // URLs, paths and archives are installed from where they point, not from the index.
  const bare = pyStrip(reqText);
  if (isUrl || looksLikePath(bare)) return undefined;

  const parsed = parsePep508(reqText);
  if (isPep508Error(parsed)) {
    const lead = reqText.indexOf(bare);
    out.problems.push({
      code: 'invalid-requirement',
      message: `Invalid requirement "${clip(bare)}": ${parsed.error} (at character ${parsed.offset - lead + 1}).`,
      range: rangeOf(lead, lead + bare.length),
    });
    return undefined;
  }
  if (!isValidProjectName(parsed.name)) {
    // packaging lets a trailing "_" through; PEP 508 and every index do not.
    out.problems.push({
      code: 'invalid-requirement',
      message: `"${clip(parsed.name)}" is not a valid project name (PEP 508 names end with a letter or digit); no index can have it.`,
      range: rangeOf(parsed.nameStart, parsed.nameEnd),
    });
    return undefined;
  }
  let reqEnd = parsed.end;
  let marker = '';
  if (markerText !== '') {
    marker = markerText;
    reqEnd = text.length;
  }
  const dependency: Dependency = {
    name: parsed.name,
    normalizedName: normalizeName(parsed.name),
    nameRange: rangeOf(parsed.nameStart, parsed.nameEnd),
    requirementRange: rangeOf(parsed.nameStart, reqEnd),
    nameSpecRange: rangeOf(parsed.nameStart, parsed.specEnd),
    extras: parsed.extras,
    specifier: parsed.specifier,
    marker,
    ignored,
    form: 'requirements',
    section: 'requirements',
  };
  if (parsed.url !== undefined) dependency.url = parsed.url;
  notePin(dependency, parsed.clauses, rangeOf, (r) => map.text.slice(map.offset(r.start), map.offset(r.end)));
  if (map.text.slice(map.offset(dependency.nameRange.start), map.offset(dependency.nameRange.end)).includes('${')) dependency.nameFromEnvironment = true;
  out.dependencies.push(dependency);
  return dependency;
}

/** pip's _looks_like_path/_get_url_from_path, minus the file system checks. */
function looksLikePath(text: string): boolean {
  const pathy = (s: string) => s.includes('/') || s.includes('\\') || s.startsWith('.');
  const at = text.indexOf('@');
  if (at > 0 && !pathy(text.slice(0, at))) return false; // `name @ url`: a PEP 508 requirement
  return pathy(text) || ARCHIVE.test(text);
}

/** POSIX shlex's whitespace: only space, tab, CR and LF. */
const isShlexSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
const SINGLE_QUOTE = 0x27;
const DOUBLE_QUOTE = 0x22;
const BACKSLASH = 0x5c;
const isShlexSpecial = (c: number) => isShlexSpace(c) || c === SINGLE_QUOTE || c === DOUBLE_QUOTE || c === BACKSLASH;

/**
 * The tokens of shlexSplit: their source offsets, and the text of those few whose text is
 * not their source (a quote or an escape); a Token object is made only when one is read.
 * A 1 MB line of options has half a million tokens, most of which parseOptions only
 * looks at once: kept as objects, they would cost more than the rest of the parsing.
 */
class ShlexTokens {
  private readonly bounds = new RecordList(2);
  private readonly unquoted = new Map<number, string>();

  constructor(private readonly source: string) {}

  get count(): number {
    return this.bounds.count;
  }

  /** text is undefined when it is source[start, end). */
  push(start: number, end: number, text: string | undefined): void {
    if (text !== undefined) this.unquoted.set(this.count, text);
    this.bounds.push(start, end);
  }

  start(k: number): number {
    return this.bounds.get(k, 0);
  }

  end(k: number): number {
    return this.bounds.get(k, 1);
  }

  get(k: number): Token {
    const start = this.start(k);
    const end = this.end(k);
    return { text: this.unquoted.get(k) ?? this.source.slice(start, end), start, end };
  }
}

/** POSIX shlex.split (whose whitespace is only space, tab, CR, LF) with the source offset of every token. */
function shlexSplit(text: string, from: number): ShlexTokens {
  const tokens = new ShlexTokens(text);
  const n = text.length;
  let i = from;
  while (i < n) {
    while (i < n && isShlexSpace(text.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    // The token's text, built only from its first quote or escape on: until then it is its source.
    let value: TextBuilder | undefined;
    while (i < n && !isShlexSpace(text.charCodeAt(i))) {
      const ch = text.charCodeAt(i);
      if (ch !== SINGLE_QUOTE && ch !== DOUBLE_QUOTE && ch !== BACKSLASH) {
        // A run of ordinary characters, taken at once.
        let j = i + 1;
        while (j < n && !isShlexSpecial(text.charCodeAt(j))) j++;
        value?.append(text, i, j);
        i = j;
        continue;
      }
      if (!value) {
        value = new TextBuilder();
        value.append(text, start, i);
      }
      if (ch === SINGLE_QUOTE) {
        const close = text.indexOf("'", i + 1);
        if (close < 0) throw new OptionError('Could not split options: no closing quotation', { text: '', start, end: n });
        value.append(text, i + 1, close);
        i = close + 1;
      } else if (ch === DOUBLE_QUOTE) {
        i++;
        while (i < n && text.charCodeAt(i) !== DOUBLE_QUOTE) {
          let j = i;
          while (j < n && text.charCodeAt(j) !== DOUBLE_QUOTE && text.charCodeAt(j) !== BACKSLASH) j++;
          value.append(text, i, j);
          i = j;
          if (i < n && text.charCodeAt(i) === BACKSLASH) {
            // Inside double quotes a backslash escapes only `"`, `\` and `$`; before anything else it is kept.
            if (text[i + 1] === '"' || text[i + 1] === '\\' || text[i + 1] === '$') i++;
            value.append(text, i, i + 1);
            i++;
          }
        }
        if (i >= n) throw new OptionError('Could not split options: no closing quotation', { text: '', start, end: n });
        i++;
      } else {
        value.append(text, i + 1, Math.min(i + 2, n));
        i += 2;
      }
    }
    tokens.push(start, i, value?.toString());
  }
  return tokens;
}

const DESTS = Object.values(LONG_OPTIONS).map((spec) => spec.dest);

/**
 * The options of a line, as parseOptions reads them: for each, its dest, its end (with its
 * value's), and where its value is among the tokens, the value being read from there only
 * when asked for. A 1 MB line holds a hundred thousand `--hash=…` options: as objects (the
 * option, its value, their texts) they would cost more than the rest of the parsing.
 */
class ParsedOptions {
  // dest (an index in DESTS), end, the token of the value (-1: no value), characters of that token before the value
  private readonly records = new RecordList(4);

  constructor(private readonly tokens: ShlexTokens) {}

  get count(): number {
    return this.records.count;
  }

  add(dest: string, end: number, valueToken = -1, valueSkip = 0): void {
    this.records.push(DESTS.indexOf(dest), end, valueToken, valueSkip);
  }

  dest(k: number): string {
    return DESTS[this.records.get(k, 0)]!;
  }

  end(k: number): number {
    return this.records.get(k, 1);
  }

  value(k: number): Token | undefined {
    const valueToken = this.records.get(k, 2);
    if (valueToken < 0) return undefined;
    const skip = this.records.get(k, 3);
    const token = this.tokens.get(valueToken);
    return skip === 0 ? token : { text: token.text.slice(skip), start: token.start + skip, end: token.end };
  }

  /** The first option with this dest, or -1. */
  find(dest: string): number {
    for (let k = 0; k < this.count; k++) if (this.dest(k) === dest) return k;
    return -1;
  }
}

const NO_OPTIONS = new ParsedOptions(new ShlexTokens(''));

/** optparse semantics: `--opt=value`, `--opt value`, `-ovalue`, `-o value`, unique long-option prefixes. */
function parseOptions(tokens: ShlexTokens): { options: ParsedOptions; leftovers: Span | undefined } {
  const options = new ParsedOptions(tokens);
  // The tokens that are not options; only the span from the first to the last is reported.
  let firstLeftover = -1;
  let lastLeftover = -1;
  for (let i = 0; i < tokens.count; i++) {
    const tok = tokens.get(i);
    const t = tok.text;
    if (t === '--') {
      if (i + 1 < tokens.count) {
        if (firstLeftover < 0) firstLeftover = i + 1;
        lastLeftover = tokens.count - 1;
      }
      break;
    }
    if (t.startsWith('--')) {
      const eq = t.indexOf('=');
      const name = resolveLong(eq < 0 ? t : t.slice(0, eq), tok);
      const spec = LONG_OPTIONS[name]!;
      if (!spec.takesValue) {
        if (eq >= 0) throw new OptionError(`${name} option does not take a value`, tok);
        options.add(spec.dest, tok.end);
      } else if (eq >= 0) {
        options.add(spec.dest, tok.end, i, eq + 1);
      } else {
        if (i + 1 >= tokens.count) throw new OptionError(`${name} option requires 1 argument`, tok);
        i++;
        options.add(spec.dest, Math.max(tok.end, tokens.end(i)), i);
      }
    } else if (t.startsWith('-') && t.length > 1) {
      const short = t.slice(0, 2);
      const long = SHORT_OPTIONS[short];
      if (!long) throw new OptionError(`no such option: ${short}`, tok);
      const spec = LONG_OPTIONS[long]!;
      if (t.length > 2) {
        options.add(spec.dest, tok.end, i, 2);
      } else {
        if (i + 1 >= tokens.count) throw new OptionError(`${short} option requires 1 argument`, tok);
        i++;
        options.add(spec.dest, Math.max(tok.end, tokens.end(i)), i);
      }
    } else {
      if (firstLeftover < 0) firstLeftover = i;
      lastLeftover = i;
    }
  }
  const leftovers = firstLeftover < 0 ? undefined : { start: tokens.start(firstLeftover), end: tokens.end(lastLeftover) };
  return { options, leftovers };
}

function resolveLong(name: string, tok: Token): string {
  if (LONG_OPTIONS[name]) return name;
  const matches = Object.keys(LONG_OPTIONS).filter((o) => o.startsWith(name));
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw new OptionError(`no such option: ${name}`, tok);
  throw new OptionError(`ambiguous option: ${name} (${matches.join(', ')}?)`, tok);
}

/** Quoted text in messages stays short, whatever the line holds. */
function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}
