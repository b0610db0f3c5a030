/**
 * PEP 508 dependency specifiers, parsed the way `packaging` (the reference
 * implementation used by pip) parses them: the same tokens, the same grammar,
 * so that a string is accepted here exactly when pip would accept it.
 * Every token regex is anchored (sticky) and free of nested quantifiers, so
 * parsing is linear in the input length.
 */
import type { Range } from './types.js';

export interface Pep508Requirement {
  name: string;
  /** Offsets of the name within the parsed text. */
  nameStart: number;
  nameEnd: number;
  extras: string[];
  /** Version specifier as written, without the enclosing parentheses or surrounding whitespace. */
  specifier: string;
  /** Individual clauses of the specifier. */
  clauses: SpecifierClause[];
  /** Marker as written, without the `;` and surrounding whitespace; '' when absent. */
  marker: string;
  markerStart: number;
  url?: string;
  /** Offset just past the last character that belongs to the requirement (trailing whitespace excluded). */
  end: number;
  /** Offset just past the name, extras, specifier or URL: where the marker part begins. */
  specEnd: number;
}

export interface SpecifierClause {
  operator: Operator;
  version: string;
  /** Offset of the version within the parsed text (absent for the parts of a `===` set split on commas). */
  versionStart?: number;
}

export type Operator = '~=' | '==' | '!=' | '<=' | '>=' | '<' | '>' | '===';

export interface Pep508Error {
  error: string;
  offset: number;
}

export function isPep508Error(value: Pep508Requirement | Pep508Error): value is Pep508Error {
  return (value as Pep508Error).error !== undefined;
}

const OPERATOR_LIST: readonly Operator[] = ['~=', '==', '!=', '<=', '>=', '<', '>', '==='];

// Ported from packaging.specifiers.Specifier._version_regex_str: one version
// pattern per operator family, tried after the operator the same way Python's
// regex alternation backtracks through the operators.
// Python's `\s` (and str.strip) for str patterns; JavaScript's differs (\x1c-\x1f, \x85, \ufeff).
export const PY_SPACE = '[ \\t\\n\\r\\f\\v\\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const PY_NOT_SPACE_SEMI_PAREN = '[^ \\t\\n\\r\\f\\v\\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000;)]';
export const PY_SPACE_CHAR = new RegExp(PY_SPACE);

/** str.strip() as Python does it (index loops: a `\s+$` regex is quadratic on long inner runs). */
export function pyStrip(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && PY_SPACE_CHAR.test(text[start]!)) start++;
  while (end > start && PY_SPACE_CHAR.test(text[end - 1]!)) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

const PRE = '(?:[-_.]?(?:alpha|beta|preview|pre|a|b|c|rc)[-_.]?[0-9]*)?';
const POST = '(?:(?:-[0-9]+)|(?:[-_.]?(?:post|rev|r)[-_.]?[0-9]*))?';
const DEV = '(?:[-_.]?dev[-_.]?[0-9]*)?';
const VERSION_BY_FAMILY = {
  arbitrary: new RegExp(`${PY_SPACE}*${PY_NOT_SPACE_SEMI_PAREN}*`, 'iy'),
  equality: new RegExp(`${PY_SPACE}*v?(?:[0-9]+!)?[0-9]+(?:\\.[0-9]+)*(?:\\.\\*|${PRE}${POST}${DEV}(?:\\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?)?`, 'iy'),
  compatible: new RegExp(`${PY_SPACE}*v?(?:[0-9]+!)?[0-9]+(?:\\.[0-9]+)+${PRE}${POST}${DEV}`, 'iy'),
  ordered: new RegExp(`${PY_SPACE}*v?(?:[0-9]+!)?[0-9]+(?:\\.[0-9]+)*${PRE}${POST}${DEV}`, 'iy'),
} as const;

function versionPattern(op: Operator): RegExp {
  switch (op) {
    case '===':
      return VERSION_BY_FAMILY.arbitrary;
    case '==':
    case '!=':
      return VERSION_BY_FAMILY.equality;
    case '~=':
      return VERSION_BY_FAMILY.compatible;
    default:
      return VERSION_BY_FAMILY.ordered;
  }
}

const WS = /[ \t]+/y;
const URL = /[^ \t]+/y;
const QUOTED = /'[^']*'|"[^"]*"/y;
const MARKER_OP = /===|==|~=|!=|<=|>=|<|>/y;
const VARIABLE =
  /(?:python_version|python_full_version|os[._]name|sys[._]platform|platform_(?:release|system)|platform[._](?:version|machine|python_implementation)|python_implementation|implementation_(?:name|version)|extra)(?![A-Za-z0-9_])/y;
const BOOLOP = /(?:or|and)(?![A-Za-z0-9_])/y;

class SyntaxFailure extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

function isAlphanumeric(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isWordChar(ch: string | undefined): boolean {
  if (ch === undefined) return false;
  const c = ch.charCodeAt(0);
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

class Cursor {
  pos = 0;
  constructor(readonly text: string) {}

  match(re: RegExp): string | undefined {
    re.lastIndex = this.pos;
    const m = re.exec(this.text);
    if (!m) return undefined;
    this.pos += m[0].length;
    return m[0];
  }

  peek(re: RegExp): boolean {
    re.lastIndex = this.pos;
    return re.test(this.text);
  }

  /** A word token must start at a word boundary, as `\b` does in packaging's rules. */
  matchWord(re: RegExp): string | undefined {
    if (isWordChar(this.text[this.pos - 1])) return undefined;
    return this.match(re);
  }

  /**
   * packaging's IDENTIFIER, `\b[a-zA-Z0-9][a-zA-Z0-9._-]*\b`, as a character loop: it is
   * matched once per name and extra, and a regex match allocates on every call.
   */
  matchIdentifier(): string | undefined {
    const t = this.text;
    const start = this.pos;
    if (isWordChar(t[start - 1]) || !isAlphanumeric(t.charCodeAt(start))) return undefined;
    let end = start + 1;
    let lastWord = end; // just past the last word character: the final \b backtracks to it
    for (; end < t.length; end++) {
      const c = t.charCodeAt(end);
      if (isAlphanumeric(c)) lastWord = end + 1;
      else if (c !== 0x2e && c !== 0x5f && c !== 0x2d)
        break; // . _ -
      else if (c === 0x5f) lastWord = end + 1; // _ is a word character too
    }
    this.pos = lastWord;
    return t.slice(start, lastWord);
  }

  ws(): void {
    // The hottest token: a character loop rather than a regex.
    const t = this.text;
    while (t[this.pos] === ' ' || t[this.pos] === '\t') this.pos++;
  }

  char(ch: string): boolean {
    if (this.text[this.pos] === ch) {
      this.pos++;
      return true;
    }
    return false;
  }

  /** Python's `$`: the end, or just before a final newline. */
  atEnd(): boolean {
    return this.pos >= this.text.length || (this.pos === this.text.length - 1 && this.text[this.pos] === '\n');
  }

  fail(message: string, offset = this.pos): never {
    throw new SyntaxFailure(message, offset);
  }
}

/** PEP 503 normalized form of a project name. */
export function normalizeName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/** A valid project name per PEP 508 (the shape every index accepts). */
export function isValidProjectName(name: string): boolean {
  return /^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$/.test(name);
}

export function parsePep508(text: string): Pep508Requirement | Pep508Error {
  const c = new Cursor(text);
  try {
    return parseRequirement(c);
  } catch (e) {
    if (e instanceof SyntaxFailure) return { error: e.message, offset: e.offset };
    throw e;
  }
}

function parseRequirement(c: Cursor): Pep508Requirement {
  c.ws();
  const nameStart = c.pos;
  const name = c.matchIdentifier();
  if (name === undefined) c.fail('Expected package name at the start of dependency specifier');
  const nameEnd = c.pos;
  c.ws();
  const extras = parseExtras(c);
  const extrasEnd = c.text[c.pos - 1] === ']' && c.pos > nameEnd ? c.pos : nameEnd;
  c.ws();

  let specifier = '';
  let clauses: SpecifierClause[] = [];
  let url: string | undefined;
  let marker = '';
  let markerStart = -1;
  let end = extrasEnd;
  let specEnd: number;

  if (c.char('@')) {
    c.ws();
    const found = c.match(URL);
    if (found === undefined) c.fail('Expected URL after @');
    url = found;
    end = c.pos;
    specEnd = end;
    if (!c.atEnd()) {
      if (c.match(WS) === undefined) c.fail('Expected whitespace after URL');
      if (!c.atEnd()) {
        ({ marker, markerStart } = parseRequirementMarker(c, 'URL and whitespace'));
        end = markerStart + marker.length;
      }
    }
    if (!validUrl(url)) c.fail(`Invalid URL: ${url}`, nameEnd);
  } else {
    let clauseEnd: number;
    ({ specifier, clauses, end: clauseEnd } = parseSpecifier(c));
    if (clauseEnd >= 0) end = clauseEnd;
    specEnd = end;
    c.ws();
    if (!c.atEnd()) {
      ({ marker, markerStart } = parseRequirementMarker(c, specifier ? 'version specifier' : 'name and no valid version specifier'));
      end = markerStart + marker.length;
    }
  }
  if (!c.atEnd()) c.fail('Expected end of dependency specifier');
  return { name, nameStart, nameEnd, extras, specifier, clauses, marker, markerStart, url, end, specEnd };
}

/** packaging accepts `file:` URLs and URLs with both a scheme and a host. */
function validUrl(raw: string): boolean {
  // Python's urlsplit strips leading/trailing C0 controls and spaces, then drops tabs and line breaks.
  let start = 0;
  let end = raw.length;
  while (start < end && raw.charCodeAt(start) <= 0x20) start++;
  while (end > start && raw.charCodeAt(end - 1) <= 0x20) end--;
  const url = raw.slice(start, end).replace(/[\t\r\n]/g, '');
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/s.exec(url);
  if (!m) return false;
  const scheme = m[1]!.toLowerCase();
  const rest = m[2]!;
  if (scheme === 'file') return rest.startsWith('//');
  const netloc = /^\/\/([^/?#]+)/.exec(rest)?.[1];
  if (netloc === undefined) return false;
  const host = netloc.slice(netloc.lastIndexOf('@') + 1);
  // urlsplit rejects brackets anywhere but around an IPv6 literal.
  if (host.includes('[') || host.includes(']')) {
    const m = /^\[([^\]]*)\](?::[0-9]*)?$/.exec(host);
    return m !== null && (/^v[0-9A-Fa-f]+\..+$/.test(m[1]!) || isIPv6(m[1]!));
  }
  return true;
}

/** An IPv6 address as Python's ipaddress accepts it (optionally with a trailing IPv4 and a %scope). */
function isIPv6(text: string): boolean {
  let address = text.replace(/%[^%]+$/, '');
  // A trailing dotted IPv4 stands for the last two groups.
  const lastColon = address.lastIndexOf(':');
  const tail = address.slice(lastColon + 1);
  if (tail.includes('.')) {
    if (!/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(tail)) return false;
    address = `${address.slice(0, lastColon + 1)}0:0`;
  }
  const hex = (g: string) => /^[0-9A-Fa-f]{1,4}$/.test(g);
  const halves = address.split('::');
  if (halves.length > 2) return false;
  if (halves.length === 1) {
    const groups = address.split(':');
    return groups.length === 8 && groups.every(hex);
  }
  const left = halves[0] === '' ? [] : halves[0]!.split(':');
  const right = halves[1] === '' ? [] : halves[1]!.split(':');
  return left.every(hex) && right.every(hex) && left.length + right.length < 8;
}

function parseExtras(c: Cursor): string[] {
  if (c.text[c.pos] !== '[') return [];
  const open = c.pos;
  c.pos++;
  c.ws();
  const extras: string[] = [];
  const first = c.matchIdentifier();
  if (first !== undefined) {
    extras.push(first);
    for (;;) {
      c.ws();
      if (isIdentifierStart(c)) c.fail('Expected comma between extra names');
      if (!c.char(',')) break;
      c.ws();
      const extra = c.matchIdentifier();
      if (extra === undefined) c.fail('Expected extra name after comma');
      extras.push(extra);
    }
  }
  c.ws();
  if (!c.char(']')) c.fail('Expected closing RIGHT_BRACKET', open);
  return extras;
}

function isIdentifierStart(c: Cursor): boolean {
  return !isWordChar(c.text[c.pos - 1]) && isAlphanumeric(c.text.charCodeAt(c.pos));
}

/** `end` is -1 when nothing but whitespace was consumed. */
function parseSpecifier(c: Cursor): { specifier: string; clauses: SpecifierClause[]; end: number } {
  const open = c.pos;
  const parenthesized = c.char('(');
  c.ws();
  const start = c.pos;
  const clauses: SpecifierClause[] = [];
  // packaging accepts a trailing comma (`>=1,`) and keeps it in the text.
  let specEnd = start;
  for (;;) {
    const clause = matchClause(c);
    if (!clause) break;
    clauses.push(clause);
    specEnd = c.pos;
    c.ws();
    if (!c.char(',')) break;
    specEnd = c.pos;
    c.ws();
  }
  const specifier = pyStrip(c.text.slice(start, specEnd));
  c.ws();
  if (parenthesized && !c.char(')')) c.fail('Expected closing RIGHT_PARENTHESIS', open);
  const end = parenthesized ? c.pos : clauses.length > 0 ? specEnd : -1;
  // The tokenizer lets `===` swallow commas; packaging's SpecifierSet then
  // splits the text on commas and validates each part on its own. Other clauses
  // were matched with SpecifierSet's own patterns, so without `===` the split
  // gives back the same clauses: it is skipped (on a long list it was most of the parse).
  if (specifier.includes(',') && clauses.some((clause) => clause.operator === '===')) {
    return { specifier, clauses: splitSpecifierSet(specifier, c, start), end };
  }
  return { specifier, clauses, end };
}

function splitSpecifierSet(specifier: string, c: Cursor, offset: number): SpecifierClause[] {
  const clauses: SpecifierClause[] = [];
  for (const part of specifier.split(',')) {
    const text = pyStrip(part);
    if (text === '') continue;
    const clause = fullClause(text);
    if (!clause) c.fail(`Invalid specifier: '${text}'`, offset);
    clauses.push(clause);
  }
  return clauses;
}

/** packaging.specifiers.Specifier: the whole text must be one operator and version. */
function fullClause(text: string): SpecifierClause | undefined {
  if (text.startsWith('===')) {
    // The arbitrary-equality version is anything without whitespace, ';' or ')'.
    const version = pyStrip(text.slice(3));
    for (let k = 0; k < version.length; k++) {
      const ch = version[k]!;
      if (ch === ';' || ch === ')' || PY_SPACE_CHAR.test(ch)) return undefined;
    }
    return { operator: '===', version };
  }
  for (const op of OPERATOR_LIST) {
    if (!text.startsWith(op)) continue;
    const re = versionPattern(op);
    re.lastIndex = op.length;
    const m = re.exec(text);
    if (m && pyStrip(text.slice(op.length + m[0].length)) === '') return { operator: op, version: pyStrip(m[0]) };
  }
  return undefined;
}

function matchClause(c: Cursor): SpecifierClause | undefined {
  const start = c.pos;
  // Python's alternation (~=|==|!=|<=|>=|<|>|===) backtracks into the next
  // operator when the version does not match; try them in that order.
  for (const op of OPERATOR_LIST) {
    if (!c.text.startsWith(op, start)) continue;
    const re = versionPattern(op);
    const from = start + op.length;
    re.lastIndex = from;
    // test() and lastIndex rather than exec(): no match array per clause.
    if (!re.test(c.text)) continue;
    c.pos = re.lastIndex;
    const raw = c.text.slice(from, c.pos);
    const version = pyStrip(raw);
    return { operator: op, version, versionStart: from + raw.indexOf(version) };
  }
  return undefined;
}

function parseRequirementMarker(c: Cursor, after: string): { marker: string; markerStart: number } {
  if (!c.char(';')) c.fail(`Expected end or semicolon (after ${after})`);
  const rawStart = c.pos;
  parseMarkerExpression(c);
  c.ws();
  const raw = c.text.slice(rawStart, c.pos);
  const marker = pyStrip(raw);
  return { marker, markerStart: rawStart + raw.indexOf(marker) };
}

/** Parses a marker expression starting at the cursor (used for markers split off by pip too). */
function parseMarkerExpression(c: Cursor, depth = 0): void {
  parseMarkerAtom(c, depth);
  while (c.matchWord(BOOLOP) !== undefined) parseMarkerAtom(c, depth);
}

/** Deeper than any real marker; Python's own parser gives up around here too (recursion limit). */
const MAX_MARKER_DEPTH = 100;

function parseMarkerAtom(c: Cursor, depth: number): void {
  c.ws();
  if (c.text[c.pos] === '(') {
    const open = c.pos;
    if (depth >= MAX_MARKER_DEPTH) c.fail('Marker nested too deeply', open);
    c.pos++;
    c.ws();
    parseMarkerExpression(c, depth + 1);
    c.ws();
    if (!c.char(')')) c.fail('Expected closing RIGHT_PARENTHESIS', open);
  } else {
    c.ws();
    parseMarkerVar(c);
    c.ws();
    parseMarkerOp(c);
    c.ws();
    parseMarkerVar(c);
  }
  c.ws();
}

function parseMarkerVar(c: Cursor): void {
  if (c.matchWord(VARIABLE) !== undefined) return;
  const quoted = c.match(QUOTED);
  if (quoted !== undefined) {
    // packaging evaluates the literal with ast.literal_eval, which rejects what Python's parser would.
    if (!validPythonString(quoted.slice(1, -1))) c.fail('Invalid string literal in marker', c.pos - quoted.length);
    return;
  }
  c.fail('Expected a marker variable or quoted string');
}

function parseMarkerOp(c: Cursor): void {
  if (c.matchWord(/in(?![A-Za-z0-9_])/y) !== undefined) return;
  if (c.matchWord(/not(?![A-Za-z0-9_])/y) !== undefined) {
    if (c.match(WS) === undefined) c.fail("Expected whitespace after 'not'");
    if (c.matchWord(/in(?![A-Za-z0-9_])/y) === undefined) c.fail("Expected 'in' after 'not'");
    return;
  }
  if (c.match(MARKER_OP) !== undefined) return;
  c.fail('Expected marker operator, one of <=, <, !=, ==, >=, >, ~=, ===, in, not in');
}

function isHexRun(text: string, from: number, n: number): boolean {
  for (let k = from; k < from + n; k++) {
    const c = text.charCodeAt(k);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/** The body of a one-line Python string literal: no line breaks, every escape complete. */
function validPythonString(body: string): boolean {
  if (/[\r\n]/.test(body)) return false;
  for (let i = 0; i < body.length; i++) {
    if (body[i] !== '\\') continue;
    const next = body[i + 1];
    if (next === undefined) return false; // the backslash escapes the closing quote
    if (next === 'x' && !isHexRun(body, i + 2, 2)) return false;
    if (next === 'u' && !isHexRun(body, i + 2, 4)) return false;
    if (next === 'U' && (!isHexRun(body, i + 2, 8) || parseInt(body.slice(i + 2, i + 10), 16) > 0x10ffff)) return false;
    if (next === 'N') {
      const close = body.indexOf('}', i + 3);
      if (body[i + 2] !== '{' || close < 0 || close === i + 3) return false;
      i = close - 1;
    }
    i++;
  }
  return true;
}

/** Validates a standalone marker (pip splits `;` markers off before parsing the requirement). */
export function parseMarker(text: string): Pep508Error | undefined {
  const c = new Cursor(text);
  try {
    parseMarkerExpression(c);
    if (!c.atEnd()) c.fail('Expected end of marker');
    return undefined;
  } catch (e) {
    if (e instanceof SyntaxFailure) return { error: e.message, offset: e.offset };
    throw e;
  }
}

/** The exact version of a lone `==`/`===` clause without a wildcard. */
export function exactPin(clauses: readonly SpecifierClause[]): string | undefined {
  if (clauses.length !== 1) return undefined;
  const [clause] = clauses;
  if (!clause || (clause.operator !== '==' && clause.operator !== '===')) return undefined;
  if (clause.version.endsWith('.*') || clause.version === '') return undefined;
  return clause.version;
}

/**
 * Records a dependency's exact pin and where its version is written (for the fixes that move it);
 * `rangeOf` turns offsets of the requirement into the document's range, `textAt` reads one back.
 */
export function notePin(
  dependency: { pinnedVersion?: string; pinRange?: Range },
  clauses: readonly SpecifierClause[],
  rangeOf: (start: number, end: number) => Range,
  textAt: (range: Range) => string,
): void {
  const pin = exactPin(clauses);
  if (pin === undefined) return;
  dependency.pinnedVersion = pin;
  const at = clauses[0]?.versionStart;
  const pinRange = at === undefined ? undefined : rangeOf(at, at + pin.length);
  if (pinRange && textAt(pinRange) === pin) dependency.pinRange = pinRange;
}
