/**
 * pip requirements files, read the way pip's own parser (pip._internal.req.req_file)
 * reads them: the same line joining, comment stripping, `${VAR}` expansion and
 * split between requirement text and options, so that the dependencies found
 * here are exactly the ones pip would install. Unlike pip, a bad line does not
 * stop the file: it becomes a problem and the next line is read.
 */
import { exactPin, isPep508Error, isValidProjectName, normalizeName, parseMarker, parsePep508, PY_SPACE, PY_SPACE_CHAR, pyStrip } from './pep508.js';
import { isIgnoreComment } from './suppress.js';
import { LineMap } from './text.js';
import type { Dependency, Include, ParsedFile } from './types.js';

export interface RequirementsOptions {
  /** Values for `${VAR}` references; pip reads them from its environment. */
  env?: Record<string, string | undefined>;
}

/**
 * A run of a logical line's text that comes from one place in the document:
 * characters [at, at+len) of the line map to document offsets [doc, doc+len),
 * or, for text produced by `${VAR}` expansion, each to the whole reference [doc, refEnd).
 */
interface Segment {
  at: number;
  len: number;
  doc: number;
  refEnd?: number;
}

/** A logical line (after pip's joining, comment stripping and expansion) and where its text came from. */
interface MappedLine {
  text: string;
  segments: Segment[];
  /** Document offset of the end of the logical line's last physical line. */
  docEnd: number;
}

function segmentAt(line: MappedLine, i: number): Segment | undefined {
  const segs = line.segments;
  let lo = 0;
  let hi = segs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const seg = segs[mid]!;
    if (i < seg.at) hi = mid - 1;
    else if (i >= seg.at + seg.len) lo = mid + 1;
    else return seg;
  }
  return undefined;
}

/** Document offset where character i of the line was written. */
function docStartOf(line: MappedLine, i: number): number {
  const seg = segmentAt(line, i);
  if (!seg) return line.docEnd;
  return seg.refEnd !== undefined ? seg.doc : seg.doc + (i - seg.at);
}

/** Document offset just past character i of the line. */
function docEndOf(line: MappedLine, i: number): number {
  const seg = segmentAt(line, i);
  if (!seg) return line.docEnd;
  return seg.refEnd ?? seg.doc + (i - seg.at) + 1;
}

/** Real requirements files are at most a few hundred kilobytes; a file this large is not read at all. */
export const MAX_REQUIREMENTS_LENGTH = 8 * 1024 * 1024;

export function parseRequirements(text: string, options: RequirementsOptions = {}): ParsedFile {
  const map = new LineMap(text);
  const result: ParsedFile = { dependencies: [], includes: [], indexUrls: [], problems: [] };
  if (text.length > MAX_REQUIREMENTS_LENGTH) {
    result.problems.push({ code: 'file-too-large', message: `This file is larger than ${MAX_REQUIREMENTS_LENGTH / 1024 / 1024} MB; pypi-status does not read it.`, range: map.range(0, 0) });
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

// pip splits with Python's str.splitlines(), which also breaks at \v, \f,
// \x1c-\x1e, \x85, U+2028 and U+2029; LSP lines (for ranges) break only at \r and \n.
const PYTHON_LINE_BREAK = /\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/g;

function* pythonLines(text: string): Generator<{ start: number; raw: string }> {
  let start = 0;
  for (const m of text.matchAll(PYTHON_LINE_BREAK)) {
    yield { start, raw: text.slice(start, m.index) };
    start = m.index + m[0].length;
  }
  if (start < text.length) yield { start, raw: text.slice(start) };
}

function* joinLines(map: LineMap): Generator<MappedLine> {
  let pieces: { text: string; start: number }[] = [];
  for (const { start, raw } of pythonLines(map.text)) {
    const end = start + raw.length;
    const isComment = COMMENT_START.test(raw);
    if (!raw.endsWith('\\') || isComment) {
      // pip prefixes comment lines with a space so that joined comments still match.
      pieces.push(isComment ? { text: ' ' + raw, start: start - 1 } : { text: raw, start });
      yield assemble(pieces, end);
      pieces = [];
    } else {
      // pip strips every leading and trailing backslash of a continued line.
      let s = 0;
      let e = raw.length;
      while (s < e && raw[s] === '\\') s++;
      while (e > s && raw[e - 1] === '\\') e--;
      pieces.push({ text: raw.slice(s, e), start: start + s });
    }
  }
  if (pieces.length > 0) yield assemble(pieces, map.text.length);
}

function assemble(pieces: { text: string; start: number }[], docEnd: number): MappedLine {
  if (pieces.length === 1) {
    const p = pieces[0]!;
    return { text: p.text, segments: [{ at: 0, len: p.text.length, doc: Math.max(p.start, 0) }], docEnd };
  }
  const segments: Segment[] = [];
  let at = 0;
  for (const piece of pieces) {
    segments.push({ at, len: piece.text.length, doc: Math.max(piece.start, 0) });
    at += piece.text.length;
  }
  return { text: pieces.map((p) => p.text).join(''), segments, docEnd };
}

function slice(line: MappedLine, start: number, end: number): MappedLine {
  if (start === 0 && end === line.text.length) return line;
  const segments: Segment[] = [];
  for (const seg of line.segments) {
    const from = Math.max(seg.at, start);
    const to = Math.min(seg.at + seg.len, end);
    if (from >= to) continue;
    const doc = seg.refEnd !== undefined ? seg.doc : seg.doc + (from - seg.at);
    segments.push({ at: from - start, len: to - from, doc, ...(seg.refEnd !== undefined ? { refEnd: seg.refEnd } : {}) });
  }
  return { text: line.text.slice(start, end), segments, docEnd: line.docEnd };
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

// pip expands only ${NAME} with upper-case letters, digits and underscores, and
// leaves a reference to an unset or empty variable as it is.
const ENV_VAR = /\$\{([A-Z0-9_]+)\}/g;

function expandEnv(line: MappedLine, env: Record<string, string | undefined>): MappedLine {
  if (!line.text.includes('${')) return line;
  let text = '';
  const segments: Segment[] = [];
  let last = 0;
  const copy = (from: number, to: number) => {
    if (to <= from) return;
    for (const seg of slice(line, from, to).segments) segments.push({ ...seg, at: seg.at + text.length });
    text += line.text.slice(from, to);
  };
  for (const m of line.text.matchAll(ENV_VAR)) {
    const value = env[m[1]!];
    if (!value) continue;
    const at = m.index;
    copy(last, at);
    // Every character of the value maps to the whole `${NAME}` that produced it.
    segments.push({ at: text.length, len: value.length, doc: docStartOf(line, at), refEnd: docEndOf(line, at + m[0].length - 1) });
    text += value;
    last = at + m[0].length;
  }
  if (last === 0) return line;
  copy(last, line.text.length);
  return { text, segments, docEnd: line.docEnd };
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

interface ParsedOption {
  dest: string;
  value?: Token;
  option: Token;
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
    if (text[i] === '-' && (i === 0 || text[i - 1] === ' ')) {
      optionsAt = i;
      break;
    }
  }
  const args = optionsAt < 0 ? text : optionsAt === 0 ? '' : text.slice(0, optionsAt - 1);
  const rangeOf = (start: number, end: number) => docRange(line, map, start, end);

  let options: ParsedOption[] = [];
  let leftovers: Token[] = [];
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
      dependency.commentAt = map.position(line.docEnd);
      // --hash pins the old project's files: each goes with the whitespace and continuations before it.
      let keptEnd = args.trimEnd().length;
      const removals = [];
      for (const o of options) {
        const end = o.value && o.value.end > o.option.end ? o.value.end : o.option.end;
        if (o.dest === 'hashes') removals.push(map.range(docEndOf(line, keptEnd - 1), docEndOf(line, end - 1)));
        keptEnd = end;
      }
      if (removals.length > 0) dependency.removals = removals;
    }
  } else {
    const editable = options.find((o) => o.dest === 'editables');
    if (!editable) {
      // pip follows -r before -c when a line has both.
      const include = options.find((o) => o.dest === 'requirements') ?? options.find((o) => o.dest === 'constraints');
      if (include?.value) {
        const kind = include.dest === 'requirements' ? 'requirement' : 'constraint';
        out.includes.push({ kind, path: include.value.text, range: rangeOf(include.value.start, include.value.end) } satisfies Include);
      }
    }
  }
  // pip applies index options only from option lines, never from a requirement's (or an editable's) line.
  const optionLine = args === '' && !options.some((o) => o.dest === 'editables');
  for (const o of optionLine ? options : []) {
    if ((o.dest === 'index_url' || o.dest === 'extra_index_url') && o.value) {
      out.indexUrls.push({ url: o.value.text, extra: o.dest === 'extra_index_url', range: rangeOf(o.value.start, o.value.end) });
    }
  }
  if (leftovers.length > 0) {
    const first = leftovers[0]!;
    const last = leftovers[leftovers.length - 1]!;
    out.problems.push({
      code: 'ignored-by-pip',
      message: `pip ignores "${clip(text.slice(first.start, last.end))}": text after an option is not read as a requirement. Put the requirement first on its line.`,
      range: rangeOf(first.start, last.end),
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

function parseRequirementText(
  line: MappedLine,
  start: number,
  end: number,
  ignored: boolean,
  map: LineMap,
  out: ParsedFile,
): Dependency | undefined {
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
  const pin = exactPin(parsed.clauses);
  if (pin !== undefined) dependency.pinnedVersion = pin;
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

const SHLEX_SPACE = /[ \t\r\n]/;

/** POSIX shlex.split (whose whitespace is only space, tab, CR, LF) with the source offset of every token. */
function shlexSplit(text: string, from: number): Token[] {
  const tokens: Token[] = [];
  let i = from;
  while (i < text.length) {
    while (i < text.length && SHLEX_SPACE.test(text[i]!)) i++;
    if (i >= text.length) break;
    const start = i;
    let value = '';
    while (i < text.length && !SHLEX_SPACE.test(text[i]!)) {
      const ch = text[i]!;
      if (ch === "'") {
        const close = text.indexOf("'", i + 1);
        if (close < 0) throw new OptionError('Could not split options: no closing quotation', { text: '', start, end: text.length });
        value += text.slice(i + 1, close);
        i = close + 1;
      } else if (ch === '"') {
        i++;
        while (i < text.length && text[i] !== '"') {
          if (text[i] === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\' || text[i + 1] === '$')) i++;
          value += text[i];
          i++;
        }
        if (i >= text.length) throw new OptionError('Could not split options: no closing quotation', { text: '', start, end: text.length });
        i++;
      } else if (ch === '\\') {
        if (i + 1 < text.length) value += text[i + 1];
        i += 2;
      } else {
        value += ch;
        i++;
      }
    }
    tokens.push({ text: value, start, end: i });
  }
  return tokens;
}

/** optparse semantics: `--opt=value`, `--opt value`, `-ovalue`, `-o value`, unique long-option prefixes. */
function parseOptions(tokens: Token[]): { options: ParsedOption[]; leftovers: Token[] } {
  const options: ParsedOption[] = [];
  const leftovers: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    const t = tok.text;
    if (t === '--') {
      leftovers.push(...tokens.slice(i + 1));
      break;
    }
    if (t.startsWith('--')) {
      const eq = t.indexOf('=');
      const name = resolveLong(eq < 0 ? t : t.slice(0, eq), tok);
      const spec = LONG_OPTIONS[name]!;
      if (!spec.takesValue) {
        if (eq >= 0) throw new OptionError(`${name} option does not take a value`, tok);
        options.push({ dest: spec.dest, option: tok });
      } else if (eq >= 0) {
        const valueStart = tok.start + eq + 1;
        options.push({ dest: spec.dest, option: tok, value: { text: t.slice(eq + 1), start: valueStart, end: tok.end } });
      } else {
        const value = tokens[++i];
        if (!value) throw new OptionError(`${name} option requires 1 argument`, tok);
        options.push({ dest: spec.dest, option: tok, value });
      }
    } else if (t.startsWith('-') && t.length > 1) {
      const short = t.slice(0, 2);
      const long = SHORT_OPTIONS[short];
      if (!long) throw new OptionError(`no such option: ${short}`, tok);
      const spec = LONG_OPTIONS[long]!;
      if (t.length > 2) {
        options.push({ dest: spec.dest, option: tok, value: { text: t.slice(2), start: tok.start + 2, end: tok.end } });
      } else {
        const value = tokens[++i];
        if (!value) throw new OptionError(`${short} option requires 1 argument`, tok);
        options.push({ dest: spec.dest, option: tok, value });
      }
    } else {
      leftovers.push(tok);
    }
  }
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
