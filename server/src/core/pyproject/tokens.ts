/**
 * Lexical scans of TOML text that need no parse: how many tokens it holds, where its
 * multi-line strings lie. Linear, and safe on any input (the parser is not).
 */

export const QUOTE = 0x22;
export const APOSTROPHE = 0x27;
export const BACKSLASH = 0x5c;
export const HASH = 0x23;
export const LF = 0x0a;
export const CR = 0x0d;

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

/**
 * Where the multi-line strings that are closed lie ([start, end) offsets, in order): a line
 * inside one is text, whatever it looks like. One that is never closed ends, for this
 * purpose, at its line's end, so that it does not hide the headers of the rest of the file.
 */
export function multilineStrings(text: string): [number, number][] {
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
    const { end, multi, closed } = stringAt(text, i);
    let j = end;
    if (multi && closed) spans.push([i, j]);
    if (multi && !closed) {
      const eol = text.indexOf('\n', i);
      j = eol < 0 ? n : eol;
    }
    i = j;
  }
  return spans;
}

/**
 * The string starting at `i` (a quote or apostrophe): where it ends (past its closing quotes, or
 * where the TOML parser gives up on it: the line break of a one-line string, the end of the text
 * for a multi-line one), whether it is multi-line, and whether it is closed.
 */
export function stringAt(text: string, i: number): { end: number; multi: boolean; closed: boolean } {
  const n = text.length;
  const c = text.charCodeAt(i);
  const multi = text.charCodeAt(i + 1) === c && text.charCodeAt(i + 2) === c;
  let j = multi ? i + 3 : i + 1;
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
      if (multi) {
        j += 2;
        // Up to two quotes right before the closing three belong to the string.
        for (let extra = 0; extra < 2 && text.charCodeAt(j) === c; extra++) j++;
      }
      return { end: j, multi, closed: true };
    }
  }
  return { end: Math.min(j, n), multi, closed: false };
}
