import type { Position, Range } from './types.js';

/** Maps UTF-16 offsets of a document to LSP positions (lines split at \r\n, \n and \r, as LSP does). */
export class LineMap {
  /** Offset of each line's start. */
  readonly lineStarts: Int32Array;

  constructor(readonly text: string) {
    this.lineStarts = text.includes('\r') ? startsAtAnyBreak(text) : startsAtNewlines(text);
  }

  position(offset: number): Position {
    const starts = this.lineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: offset - starts[lo]! };
  }

  range(start: number, end: number): Range {
    return { start: this.position(start), end: this.position(end) };
  }

  offset(position: Position): number {
    const start = this.lineStarts[Math.min(position.line, this.lineStarts.length - 1)] ?? 0;
    return Math.min(start + position.character, this.lineEnd(position.line));
  }

  /** Offset of the end of a line's content, before its line break. */
  lineEnd(line: number): number {
    const next = this.lineStarts[line + 1];
    if (next === undefined) return this.text.length;
    let end = next - 1;
    if (this.text.charCodeAt(end) === 10 && this.text.charCodeAt(end - 1) === 13) end--;
    return end;
  }
}

/**
 * Line starts of a text without carriage returns (nearly every file): counted first with
 * `indexOf`, several times faster on a megabyte than a look at every character, so that a
 * text of tens of megabytes fills one typed array instead of growing a list.
 */
function startsAtNewlines(text: string): Int32Array {
  let count = 1;
  for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', nl + 1)) count++;
  const starts = new Int32Array(count);
  let i = 1;
  for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', nl + 1)) starts[i++] = nl + 1;
  return starts;
}

/** Line starts at `\r\n`, `\n` and `\r`, as LSP splits lines: an array grown by doubling. */
function startsAtAnyBreak(text: string): Int32Array {
  let starts = new Int32Array(64);
  let count = 1;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch !== 13 /* \r */ && ch !== 10 /* \n */) continue;
    if (ch === 13 && text.charCodeAt(i + 1) === 10) i++;
    if (count === starts.length) {
      const grown = new Int32Array(count * 2);
      grown.set(starts);
      starts = grown;
    }
    starts[count++] = i + 1;
  }
  return starts.subarray(0, count);
}
