/**
 * A TOML 1.0 reader for lock files.
 *
 * Why not a library: lock files run to megabytes, and the readers at hand either build a syntax
 * tree far too slowly (toml-eslint-parser) or spend most of their time turning every wheel's
 * `upload-time` into a date object and recurse on nested arrays (smol-toml). This one is a single
 * left-to-right pass with an explicit stack, so it is linear in the text and cannot overflow the
 * call stack however deep the nesting; dates and times are kept as their text (`TomlDateTime`).
 *
 * What callers need besides the data, it records on the way: for every key written on a line of a
 * standard table (`name = "x"` under `[[package]]`, `requests = "*"` under `[packages]`), the
 * offsets of the key and of its value (`spans`), from which the exact range of a name inside its
 * quotes follows.
 *
 * A syntax error does not end the reading: it is recorded with its offset, the reader skips to the
 * next line that starts a table (`[` in the first column) and goes on, so the tables before and
 * after a damaged one are still read. The table being read when the error struck keeps what it had.
 */

export type TomlValue = string | number | boolean | TomlDateTime | TomlValue[] | TomlTable;
export interface TomlTable {
  [key: string]: TomlValue;
}

/** A date, time or date-time, kept as written. */
export class TomlDateTime {
  constructor(readonly text: string) {}
}

/** Offsets (UTF-16, end exclusive) of a key as written and of its value, quotes included. */
export interface KeySpan {
  keyStart: number;
  keyEnd: number;
  valueStart: number;
  valueEnd: number;
}

export interface TomlError {
  offset: number;
  message: string;
}

export interface TomlDocument {
  root: TomlTable;
  /** Per standard table, the spans of the keys written directly in it. */
  spans: WeakMap<TomlTable, Map<string, KeySpan>>;
  errors: TomlError[];
}

export interface TomlOptions {
  /** Arrays and inline tables nested deeper than this are an error (default 64). */
  maxDepth?: number;
  /** Stop after this many errors (default 20). */
  maxErrors?: number;
  /**
   * Keys whose values are not wanted (a lock's `wheels`, `files`): where one is written on a line of
   * a standard table, its value is read for its extent and its strings' syntax, but not kept, and the
   * key is absent from the result. Most of a lock's bulk is there.
   */
  skip?: ReadonlySet<string>;
  /**
   * Hands each table of the top-level array of tables `key` (a lock's `[[package]]`) to `table` once
   * the next `[[key]]` header or the end shows it complete, and drops it from the document (the
   * array is left empty). A reader that turns each table into its own model this way keeps them
   * from being alive all at once: on a lock of tens of megabytes, the garbage collector would
   * otherwise copy every one of them, more than once, while the rest is read.
   */
  each?: { key: string; table: (table: TomlTable, doc: TomlDocument) => void };
}

class SyntaxFault extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

const SCALAR_RUN = /[0-9A-Za-z_:+\-.]+/y;
const DATE_TIME_SPACE = /\d{4}-\d{2}-\d{2} \d{2}:/y;
const DEC_INT = /^[+-]?(0|[1-9](_?\d)*)$/;
const HEX_INT = /^0x[0-9A-Fa-f](_?[0-9A-Fa-f])*$/;
const OCT_INT = /^0o[0-7](_?[0-7])*$/;
const BIN_INT = /^0b[01](_?[01])*$/;
const FLOAT = /^[+-]?(0|[1-9](_?\d)*)(\.\d(_?\d)*)?([eE][+-]?\d(_?\d)*)?$/;
const SPECIAL_FLOAT = /^[+-]?(inf|nan)$/;
const DATE = '\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])';
const TIME = '([01]\\d|2[0-3]):[0-5]\\d:([0-5]\\d|60)(\\.\\d+)?';
const DATE_TIME = new RegExp(`^(${DATE}([Tt ]${TIME}([Zz]|[+-]([01]\\d|2[0-3]):[0-5]\\d)?)?|${TIME})$`);
/** Where a one-line string stops being plain text: its end, an escape, a control character. */
const BASIC_STOP = /["\\\x00-\x08\x0a-\x1f\x7f]/g;
const LITERAL_STOP = /['\x00-\x08\x0a-\x1f\x7f]/g;
const SKIP_STOP = /[[\]{}"'#]/g;
const ESCAPES: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', '"': '"', '\\': '\\' };

interface ArrayFrame {
  array: TomlValue[];
}
interface InlineFrame {
  table: TomlTable;
  /** Tables made by dotted keys inside this inline table, which later keys of it may extend (made on first need). */
  dotted: Set<TomlTable> | undefined;
  key: string[];
  keyAt: number;
}
type Frame = ArrayFrame | InlineFrame;

class Reader {
  pos = 0;
  readonly root: TomlTable = {};
  readonly spans = new WeakMap<TomlTable, Map<string, KeySpan>>();
  readonly errors: TomlError[] = [];
  /** Tables declared by a header or by dotted keys of an earlier section: never declared again. */
  private readonly explicit = new Set<TomlTable>();
  /** Tables made by headers, dotted keys or as their parents; every other table is inline, closed once written. */
  private readonly standard = new Set<TomlTable>([this.root]);
  /** Arrays made by `[[...]]` headers, which later headers extend. */
  private readonly tableArrays = new Set<TomlValue[]>();
  /** Tables made by dotted keys in the current section. */
  private sectionDotted = new Set<TomlTable>();
  private current: TomlTable = this.root;
  /** Where the last key read ends, before the blank space after it. */
  private keyEnd = 0;
  readonly doc: TomlDocument = { root: this.root, spans: this.spans, errors: this.errors };

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
    private readonly maxErrors: number,
    private readonly skip: ReadonlySet<string>,
    private readonly each: TomlOptions['each'],
  ) {}

  read(): void {
    const text = this.text;
    if (text.charCodeAt(0) === 0xfeff) this.pos = 1;
    while (this.pos < text.length) {
      try {
        this.statement();
      } catch (e) {
        if (!(e instanceof SyntaxFault)) throw e;
        this.errors.push({ offset: e.offset, message: e.message });
        if (this.errors.length >= this.maxErrors) break;
        this.skipToNextTable();
      }
    }
    const list = this.each && own(this.root, this.each.key);
    if (Array.isArray(list) && this.tableArrays.has(list)) this.handOver(list);
  }

  /** Gives the `each` array's tables to its callback, and forgets them. */
  private handOver(list: TomlValue[]): void {
    for (const t of list.splice(0)) {
      if (!isTable(t)) continue;
      this.forget(t);
      this.each!.table(t, this.doc);
    }
  }

  /** Drops a standard table and the standard tables under it from the reader's own sets, so that they can die. */
  private forget(t: TomlTable): void {
    this.explicit.delete(t);
    this.standard.delete(t);
    for (const k in t) {
      const v = t[k];
      if (isTable(v) && this.standard.has(v)) this.forget(v);
      else if (Array.isArray(v) && this.tableArrays.has(v)) {
        this.tableArrays.delete(v);
        for (const x of v) if (isTable(x) && this.standard.has(x)) this.forget(x);
      }
    }
  }

  private fail(message: string, at = this.pos): never {
    throw new SyntaxFault(Math.min(at, this.text.length), message);
  }

  /** After an error: on to the next line that begins with `[`, in a table no one can write to. */
  private skipToNextTable(): void {
    const text = this.text;
    let at = this.pos;
    for (;;) {
      const nl = text.indexOf('\n', at);
      if (nl < 0) {
        this.pos = text.length;
        return;
      }
      at = nl + 1;
      if (text.charCodeAt(at) === 91 /* [ */) break;
    }
    this.pos = at;
    this.current = {};
    this.standard.add(this.current);
    this.sectionDotted = new Set();
  }

  private statement(): void {
    this.skipBlank();
    const text = this.text;
    if (this.pos >= text.length) return;
    const ch = text[this.pos];
    if (ch === '\n') {
      this.pos++;
      return;
    }
    if (ch === '\r' && text[this.pos + 1] === '\n') {
      this.pos += 2;
      return;
    }
    if (ch === '#') {
      this.skipComment();
      return;
    }
    if (ch === '[') this.header();
    else this.keyValueLine();
    this.endOfLine();
  }

  private skipBlank(): void {
    const text = this.text;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (c !== 32 && c !== 9) break;
      this.pos++;
    }
  }

  private skipComment(): void {
    const text = this.text;
    for (; this.pos < text.length; this.pos++) {
      const c = text.charCodeAt(this.pos);
      if (c === 10) return;
      if (c === 13 && text.charCodeAt(this.pos + 1) === 10) return;
      if ((c < 32 && c !== 9) || c === 127) this.fail('a control character in a comment');
    }
  }

  /** Blank, a comment, then a line break or the end. */
  private endOfLine(): void {
    this.skipBlank();
    const text = this.text;
    if (text[this.pos] === '#') this.skipComment();
    if (this.pos >= text.length) return;
    if (text[this.pos] === '\n') this.pos++;
    else if (text[this.pos] === '\r' && text[this.pos + 1] === '\n') this.pos += 2;
    else this.fail(`unexpected ${describe(text, this.pos)} after a value`);
  }

  /** Blank, comments and line breaks, as allowed inside arrays. */
  private skipBlankLines(): void {
    const text = this.text;
    for (;;) {
      this.skipBlank();
      const c = text[this.pos];
      if (c === '\n') this.pos++;
      else if (c === '\r' && text[this.pos + 1] === '\n') this.pos += 2;
      else if (c === '#') this.skipComment();
      else return;
    }
  }

  private header(): void {
    const start = this.pos;
    const array = this.text[this.pos + 1] === '[';
    this.pos += array ? 2 : 1;
    this.skipBlank();
    const key = this.key();
    this.skipBlank();
    if (this.text.startsWith(array ? ']]' : ']', this.pos)) this.pos += array ? 2 : 1;
    else this.fail(`a table header that does not end in ${array ? ']]' : ']'}`);
    const parent = this.walkHeader(key.slice(0, -1), start);
    const last = key[key.length - 1]!;
    const existing = own(parent, last);
    let table: TomlTable;
    if (array) {
      if (existing === undefined) {
        const list: TomlValue[] = [];
        this.tableArrays.add(list);
        put(parent, last, list);
      } else if (!Array.isArray(existing) || !this.tableArrays.has(existing)) {
        this.fail(`[[${key.join('.')}]] redefines a value`, start);
      }
      const list = own(parent, last) as TomlValue[];
      if (parent === this.root && last === this.each?.key) this.handOver(list);
      table = {};
      list.push(table);
    } else {
      if (existing === undefined) {
        table = {};
        put(parent, last, table);
      } else if (isTable(existing) && !this.explicit.has(existing) && this.standard.has(existing)) {
        table = existing;
      } else {
        this.fail(`[${key.join('.')}] is defined twice`, start);
      }
    }
    this.explicit.add(table);
    this.standard.add(table);
    this.current = table;
    this.sectionDotted = new Set();
  }

  /** The table a header's leading keys lead to, making the missing ones. */
  private walkHeader(keys: string[], at: number): TomlTable {
    let table = this.root;
    for (const k of keys) {
      let next = own(table, k);
      if (next === undefined) {
        next = {};
        put(table, k, next);
        this.standard.add(next);
      } else if (Array.isArray(next)) {
        if (!this.tableArrays.has(next)) this.fail(`${k} is an array, not a table`, at);
        next = next[next.length - 1]!;
      }
      if (!isTable(next) || !this.standard.has(next)) this.fail(`${k} is not a table that can be extended`, at);
      table = next;
    }
    return table;
  }

  private keyValueLine(): void {
    const keyStart = this.pos;
    const key = this.key();
    const keyEnd = this.keyEnd;
    this.skipBlank();
    if (this.text[this.pos] !== '=') this.fail(`expected = after the key ${key.join('.')}`);
    this.pos++;
    this.skipBlank();
    const valueStart = this.pos;
    if (key.length === 1 && this.skip.has(key[0]!)) return this.skipValue();
    const value = this.value();
    const target = this.walkDotted(this.current, key, this.sectionDotted, false, keyStart);
    const last = key[key.length - 1]!;
    if (Object.hasOwn(target, last)) this.fail(`${key.join('.')} is defined twice`, keyStart);
    put(target, last, value);
    let spans = this.spans.get(target);
    if (spans === undefined) this.spans.set(target, (spans = new Map<string, KeySpan>()));
    spans.set(last, { keyStart, keyEnd, valueStart, valueEnd: this.pos });
  }

  /** The table a dotted key's leading parts lead to from `table`, making the missing ones (as `dotted` ones). */
  private walkDotted(table: TomlTable, keys: string[], dotted: Set<TomlTable>, inline: boolean, at: number): TomlTable {
    if (!inline && !this.standard.has(table)) this.fail('an inline table cannot be extended', at);
    for (let i = 0; i < keys.length - 1; i++) {
      const k = keys[i]!;
      let next = own(table, k);
      if (next === undefined) {
        next = {};
        put(table, k, next);
        dotted.add(next);
        if (!inline) {
          this.explicit.add(next);
          this.standard.add(next);
        }
      } else if (!isTable(next) || !dotted.has(next)) {
        this.fail(`${k} is already defined and cannot be extended with dotted keys`, at);
      }
      table = next;
    }
    return table;
  }

  /** A simple or dotted key. */
  private key(): string[] {
    const parts: string[] = [];
    for (;;) {
      parts.push(this.simpleKey());
      this.keyEnd = this.pos;
      this.skipBlank();
      if (this.text[this.pos] !== '.') return parts;
      this.pos++;
      this.skipBlank();
    }
  }

  private simpleKey(): string {
    const text = this.text;
    const c = text[this.pos];
    if (c === '"') {
      if (text.startsWith('"""', this.pos)) this.fail('a key cannot be a multi-line string');
      return this.basicString();
    }
    if (c === "'") {
      if (text.startsWith("'''", this.pos)) this.fail('a key cannot be a multi-line string');
      return this.literalString();
    }
    const start = this.pos;
    let end = start;
    while (end < text.length && isBareKeyChar(text.charCodeAt(end))) end++;
    if (end === start) this.fail(`expected a key, found ${describe(text, start)}`);
    this.pos = end;
    return text.slice(start, end);
  }

  /**
   * Passes over a value no one wants: strings are read as strings (a `]` in a URL is not the end),
   * brackets are only counted, and nothing is built, so the wheels of a lock cost little.
   */
  private skipValue(): void {
    const text = this.text;
    const start = this.pos;
    if (text[start] !== '[' && text[start] !== '{') {
      this.skipScalar();
      return;
    }
    let depth = 0;
    for (let at = start; ;) {
      SKIP_STOP.lastIndex = at;
      if (!SKIP_STOP.test(text)) this.fail('an array or inline table that is never closed', start);
      const p = SKIP_STOP.lastIndex - 1;
      const c = text[p];
      if (c === '[' || c === '{') {
        if (++depth > this.maxDepth) this.fail(`arrays and inline tables nested more than ${this.maxDepth} deep`, p);
        at = p + 1;
      } else if (c === ']' || c === '}') {
        at = p + 1;
        if (--depth === 0) {
          this.pos = at;
          return;
        }
      } else if (c === '#') {
        this.pos = p;
        this.skipComment();
        at = this.pos;
      } else {
        this.pos = p;
        this.skipScalar();
        at = this.pos;
      }
    }
  }

  /** A scalar no one wants: one-line strings (nearly all of a lock's bulk) are checked without being built. */
  private skipScalar(): void {
    const text = this.text;
    const quote = text.charCodeAt(this.pos);
    if ((quote !== 34 && quote !== 39) || text.startsWith(quote === 34 ? '"""' : "'''", this.pos)) {
      this.scalar();
      return;
    }
    // The same checks and messages as basicString() and literalString().
    const stop = quote === 34 ? BASIC_STOP : LITERAL_STOP;
    const open = this.pos++;
    for (;;) {
      stop.lastIndex = this.pos;
      this.pos = stop.test(text) ? stop.lastIndex - 1 : text.length;
      const c = text.charCodeAt(this.pos);
      if (Number.isNaN(c) || c === 10 || c === 13) this.fail('a string that does not end on its line', open);
      if (c === quote) {
        this.pos++;
        return;
      }
      if (c !== 92 /* \ */ || quote !== 34) this.fail('a control character in a string');
      this.escape();
    }
  }

  /** A value; arrays and inline tables are read with an explicit stack, not by recursion. */
  private value(): TomlValue {
    const stack: Frame[] = [];
    for (;;) {
      let v: TomlValue | undefined = this.open(stack);
      if (v === undefined) continue;
      // Hand the value to the containers it closes, until one wants another value.
      for (;;) {
        const top = stack[stack.length - 1];
        if (top === undefined) return v;
        if ('array' in top) {
          top.array.push(v);
          this.skipBlankLines();
          if (this.text[this.pos] === ',') {
            this.pos++;
            this.skipBlankLines();
          } else if (this.text[this.pos] !== ']') this.fail(`expected , or ] in an array, found ${describe(this.text, this.pos)}`);
          if (this.text[this.pos] !== ']') break;
          this.pos++;
          v = top.array;
          stack.pop();
        } else {
          let target = top.table;
          if (top.key.length > 1) target = this.walkDotted(top.table, top.key, (top.dotted ??= new Set()), true, top.keyAt);
          const last = top.key[top.key.length - 1]!;
          if (Object.hasOwn(target, last)) this.fail(`${top.key.join('.')} is defined twice`, top.keyAt);
          put(target, last, v);
          this.skipBlank();
          if (this.text[this.pos] === ',') {
            this.pos++;
            this.skipBlank();
            this.inlineKey(top);
            break;
          }
          if (this.text[this.pos] !== '}') this.fail(`expected , or } in an inline table, found ${describe(this.text, this.pos)}`);
          this.pos++;
          v = top.table;
          stack.pop();
        }
      }
    }
  }

  /** Starts a value: a scalar is returned; `[` or `{` pushes a frame (or returns the empty container). */
  private open(stack: Frame[]): TomlValue | undefined {
    const c = this.text[this.pos];
    if (c !== '[' && c !== '{') return this.scalar();
    if (stack.length >= this.maxDepth) this.fail(`arrays and inline tables nested more than ${this.maxDepth} deep`);
    this.pos++;
    if (c === '[') {
      this.skipBlankLines();
      if (this.text[this.pos] === ']') {
        this.pos++;
        return [];
      }
      stack.push({ array: [] });
      return undefined;
    }
    const table: TomlTable = {};
    this.skipBlank();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return table;
    }
    const frame: InlineFrame = { table, dotted: undefined, key: [], keyAt: this.pos };
    this.inlineKey(frame);
    stack.push(frame);
    return undefined;
  }

  private inlineKey(frame: InlineFrame): void {
    frame.keyAt = this.pos;
    frame.key = this.key();
    if (this.text[this.pos] !== '=') this.fail('expected = in an inline table');
    this.pos++;
    this.skipBlank();
  }

  private scalar(): TomlValue {
    const text = this.text;
    const c = text[this.pos];
    if (c === '"') return text.startsWith('"""', this.pos) ? this.multilineBasic() : this.basicString();
    if (c === "'") return text.startsWith("'''", this.pos) ? this.multilineLiteral() : this.literalString();
    const start = this.pos;
    DATE_TIME_SPACE.lastIndex = start;
    SCALAR_RUN.lastIndex = DATE_TIME_SPACE.test(text) ? start + 11 : start;
    const m = SCALAR_RUN.exec(text);
    if (m === null) this.fail(`expected a value, found ${describe(text, start)}`);
    this.pos = SCALAR_RUN.lastIndex;
    const raw = text.slice(start, this.pos);
    if (raw === 'true') return true;
    if (raw === 'false') return false;
    if (DEC_INT.test(raw)) return Number(raw.replace(/_/g, ''));
    if (HEX_INT.test(raw) || OCT_INT.test(raw) || BIN_INT.test(raw))
      return parseInt(raw.slice(2).replace(/_/g, ''), raw[1] === 'x' ? 16 : raw[1] === 'o' ? 8 : 2);
    if (FLOAT.test(raw)) return Number(raw.replace(/_/g, ''));
    if (SPECIAL_FLOAT.test(raw)) return raw.endsWith('nan') ? NaN : raw.startsWith('-') ? -Infinity : Infinity;
    if (DATE_TIME.test(raw)) return new TomlDateTime(raw);
    this.fail(`${JSON.stringify(raw.slice(0, 40))} is not a TOML value`, start);
  }

  private basicString(): string {
    const text = this.text;
    const start = ++this.pos;
    let out = '';
    let from = start;
    for (;;) {
      BASIC_STOP.lastIndex = this.pos;
      this.pos = BASIC_STOP.test(text) ? BASIC_STOP.lastIndex - 1 : text.length;
      const c = text.charCodeAt(this.pos);
      if (Number.isNaN(c) || c === 10 || c === 13) this.fail('a string that does not end on its line', start - 1);
      if (c === 34 /* " */) break;
      if (c === 92 /* \ */) {
        out += text.slice(from, this.pos) + this.escape();
        from = this.pos;
        continue;
      }
      this.fail('a control character in a string');
    }
    out += text.slice(from, this.pos);
    this.pos++;
    return out;
  }

  private escape(): string {
    const text = this.text;
    const e = text[this.pos + 1] ?? '';
    if (e in ESCAPES) {
      this.pos += 2;
      return ESCAPES[e]!;
    }
    const width = e === 'u' ? 4 : e === 'U' ? 8 : 0;
    const hex = text.slice(this.pos + 2, this.pos + 2 + width);
    if (width === 0 || !/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== width) this.fail(`an invalid escape \\${e}`);
    const code = parseInt(hex, 16);
    if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) this.fail(`\\${e}${hex} is not a Unicode scalar value`);
    this.pos += 2 + width;
    return String.fromCodePoint(code);
  }

  private literalString(): string {
    const text = this.text;
    const start = ++this.pos;
    LITERAL_STOP.lastIndex = this.pos;
    this.pos = LITERAL_STOP.test(text) ? LITERAL_STOP.lastIndex - 1 : text.length;
    const c = text.charCodeAt(this.pos);
    if (Number.isNaN(c) || c === 10 || c === 13) this.fail('a string that does not end on its line', start - 1);
    if (c !== 39 /* ' */) this.fail('a control character in a string');
    return text.slice(start, this.pos++);
  }

  /** Position just after the opening delimiter, past the line break that may follow it. */
  private openMultiline(): number {
    this.pos += 3;
    if (this.text[this.pos] === '\n') this.pos++;
    else if (this.text.startsWith('\r\n', this.pos)) this.pos += 2;
    return this.pos;
  }

  /** The end of a multi-line string's body: up to two quotes before the closing three belong to it. */
  private closeMultiline(quote: string, at: number): number {
    let end = at + 3;
    while (end < at + 5 && this.text[end] === quote) end++;
    this.pos = end;
    return end - 3;
  }

  private multilineBasic(): string {
    const text = this.text;
    const open = this.pos;
    let from = this.openMultiline();
    let out = '';
    for (;;) {
      const c = text.charCodeAt(this.pos);
      if (Number.isNaN(c)) this.fail('a multi-line string that never ends', open);
      if (c === 34 && text.startsWith('"""', this.pos)) {
        const bodyEnd = this.closeMultiline('"', this.pos);
        return out + text.slice(from, bodyEnd);
      }
      if (c === 92) {
        out += text.slice(from, this.pos);
        if (!this.lineEndingBackslash()) out += this.escape();
        from = this.pos;
        continue;
      }
      if (c === 13 && text.charCodeAt(this.pos + 1) !== 10) this.fail('a lone carriage return in a string');
      if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 127) this.fail('a control character in a string');
      this.pos++;
    }
  }

  /** `\` at the end of a line: it and all blank space and line breaks after it go. */
  private lineEndingBackslash(): boolean {
    const text = this.text;
    let p = this.pos + 1;
    while (text[p] === ' ' || text[p] === '\t') p++;
    if (text[p] !== '\n' && !text.startsWith('\r\n', p)) return false;
    while (p < text.length && (text[p] === ' ' || text[p] === '\t' || text[p] === '\n' || text.startsWith('\r\n', p))) p += text[p] === '\r' ? 2 : 1;
    this.pos = p;
    return true;
  }

  private multilineLiteral(): string {
    const text = this.text;
    const open = this.pos;
    const from = this.openMultiline();
    for (;;) {
      const c = text.charCodeAt(this.pos);
      if (Number.isNaN(c)) this.fail('a multi-line string that never ends', open);
      if (c === 39 && text.startsWith("'''", this.pos)) return text.slice(from, this.closeMultiline("'", this.pos));
      if (c === 13 && text.charCodeAt(this.pos + 1) !== 10) this.fail('a lone carriage return in a string');
      if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 127) this.fail('a control character in a string');
      this.pos++;
    }
  }
}

function isBareKeyChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45;
}

/** A key of the table's own: `constructor` or `toString` are keys like any other here. */
function own(t: TomlTable, k: string): TomlValue | undefined {
  return Object.hasOwn(t, k) ? t[k] : undefined;
}

function put(t: TomlTable, k: string, v: TomlValue): void {
  if (k === '__proto__') Object.defineProperty(t, k, { value: v, enumerable: true, writable: true, configurable: true });
  else t[k] = v;
}

function isTable(v: TomlValue | undefined): v is TomlTable {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof TomlDateTime);
}

function describe(text: string, at: number): string {
  if (at >= text.length) return 'the end of the file';
  const c = text[at]!;
  return c === '\n' || c === '\r' ? 'a line break' : JSON.stringify(c);
}

/** Reads a TOML document; never throws on any input. */
export function readToml(text: string, options: TomlOptions = {}): TomlDocument {
  const reader = new Reader(text, options.maxDepth ?? 64, options.maxErrors ?? 20, options.skip ?? new Set(), options.each);
  reader.read();
  return reader.doc;
}

export function asTable(v: TomlValue | undefined): TomlTable | undefined {
  return isTable(v) ? v : undefined;
}

export function asString(v: TomlValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function asArray(v: TomlValue | undefined): TomlValue[] {
  return Array.isArray(v) ? v : [];
}

/** Tables of an array, anything else in it skipped. */
export function tablesOf(v: TomlValue | undefined): TomlTable[] {
  return asArray(v).filter(isTable);
}

export function stringsOf(v: TomlValue | undefined): string[] {
  return asArray(v).filter((x): x is string => typeof x === 'string');
}
