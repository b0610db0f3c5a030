/** Positions and ranges in a document: comparing them, and the dependency under the cursor. */
import type { Dependency, ParsedFile, Position, Range } from '../core/types.js';

export function dependencyAt(parsed: ParsedFile, pos: Position): Dependency | undefined {
  return parsed.dependencies.find((d) => comparePositions(d.nameRange.start, pos) <= 0 && comparePositions(pos, d.nameRange.end) <= 0);
}

export function overlaps(a: Range, b: Range): boolean {
  return comparePositions(a.start, b.end) <= 0 && comparePositions(b.start, a.end) <= 0;
}

function comparePositions(a: Position, b: Position): number {
  return a.line - b.line || a.character - b.character;
}
