/**
 * Values nested too deep to read. The TOML parser and `getStaticTOMLValue` recurse once per
 * array or inline table (or more), so a few thousand `[` overflow the stack, and Python's
 * tomllib (pip, build) fails a few hundred levels down; real files nest a handful. A linear scan
 * finds such values before any parse, and they are blanked: the rest of the file is read.
 */
import { APOSTROPHE, HASH, LF, QUOTE, stringAt } from './tokens.js';

/** Arrays and inline tables inside one another that a value may hold and still be read. */
export const MAX_TOML_NESTING = 100;

/** A value nested deeper than the limit: from its outermost `[` or `{` to past its match (or the end of the text when unclosed). */
export interface DeepValue {
  start: number;
  end: number;
  closed: boolean;
}

const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_TABLE = 0x7b;
const CLOSE_TABLE = 0x7d;
const SPACE = 0x20;
const TAB = 0x09;

/**
 * Every value that nests deeper than `limit`, in order. Brackets in strings and comments do not
 * count, nor those of a table header (a `[` first on its line outside any value).
 */
export function deepValues(text: string, limit = MAX_TOML_NESTING): DeepValue[] {
  const found: DeepValue[] = [];
  const n = text.length;
  let depth = 0;
  let outer = 0;
  let deep = false;
  let lineStart = true;
  let header = false;
  for (let i = 0; i < n;) {
    const c = text.charCodeAt(i);
    if (c === QUOTE || c === APOSTROPHE) {
      i = stringAt(text, i).end;
      lineStart = false;
      continue;
    }
    if (c === HASH) {
      const eol = text.indexOf('\n', i);
      i = eol < 0 ? n : eol;
      continue;
    }
    i++;
    if (c === LF) {
      lineStart = true;
      header = false;
      continue;
    }
    if (c === SPACE || c === TAB) continue;
    const atLineStart = lineStart;
    lineStart = false;
    if (header) continue;
    if (c === OPEN_ARRAY || c === OPEN_TABLE) {
      if (depth === 0 && c === OPEN_ARRAY && atLineStart) {
        header = true;
        continue;
      }
      if (depth === 0) outer = i - 1;
      if (++depth > limit) deep = true;
    } else if ((c === CLOSE_ARRAY || c === CLOSE_TABLE) && depth > 0 && --depth === 0 && deep) {
      found.push({ start: outer, end: i, closed: true });
      deep = false;
    }
  }
  if (deep) found.push({ start: outer, end: n, closed: false });
  return found;
}

/**
 * The text with each deep value emptied: a closed one keeps its outer brackets (`[ ... ]` becomes
 * an empty array or table, so its key stays defined), an unclosed one is blanked whole. Line
 * breaks stay and every other character becomes a space, so offsets and lines are unchanged.
 */
export function withoutDeepValues(text: string, values: readonly DeepValue[]): string {
  if (values.length === 0) return text;
  const parts: string[] = [];
  let at = 0;
  for (const v of values) {
    parts.push(text.slice(at, v.start));
    const inner = text.slice(v.start, v.end);
    // Runs, not characters: one replacement per line of the value keeps this cheap on a megabyte of brackets.
    const blank = inner.replace(/[^\r\n]+/g, (run) => ' '.repeat(run.length));
    parts.push(v.closed ? inner[0] + blank.slice(1, -1) + inner[inner.length - 1] : blank);
    at = v.end;
  }
  parts.push(text.slice(at));
  return parts.join('');
}

/** What to say about the deep values of a file (the first, and how many others). */
export function deepValueMessage(values: readonly DeepValue[]): string {
  const others = values.length > 1 ? ` (and ${values.length - 1} more such value${values.length > 2 ? 's' : ''})` : '';
  return (
    `This value nests more than ${MAX_TOML_NESTING} arrays and inline tables deep${others}; pypi-status does not read it, and Python's tomllib ` +
    '(which pip and build use) fails on a few hundred levels. The rest of the file is read.'
  );
}
