/** Line starts of a lock file, for turning offsets into LSP positions. */
import { LineMap } from '../text.js';
import type { Position, Range } from '../types.js';

export interface Lines {
  readonly text: string;
  position(offset: number): Position;
  range(start: number, end: number): Range;
  /** Offset of the end of a line's content, before its line break. */
  lineEnd(line: number): number;
}

export function linesOf(text: string): Lines {
  return new LineMap(text);
}
