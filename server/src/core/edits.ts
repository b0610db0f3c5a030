/** Text edits computed from parsed dependencies: pure, so every editor front end (LSP, CLI) shares them. */
import type { PoetryDependency } from './pyproject.js';
import { LineMap } from './text.js';
import type { Dependency, Range } from './types.js';

export interface TextEdit {
  range: Range;
  newText: string;
}

export const IGNORE_COMMENT = '# pypi-status: ignore';

/**
 * Replaces a dependency with another project: the name, extras and version
 * specifier go (they belong to the old project), markers and comments stay,
 * `--hash` options go (hashes must be regenerated), a Poetry value keeps every
 * field but its version (which becomes "*") and extras, and a Poetry name
 * written in several places is renamed in each.
 */
export function replacementEdits(dep: Dependency | PoetryDependency, newName: string): TextEdit[] {
  const edits: TextEdit[] = [{ range: dep.nameSpecRange, newText: newName }];
  if ('nameEchoes' in dep) for (const range of dep.nameEchoes ?? []) edits.push({ range, newText: newName });
  for (const range of dep.removals ?? []) edits.push({ range, newText: '' });
  for (const edit of dep.valueEdits ?? []) edits.push({ range: edit.range, newText: edit.newText });
  return edits;
}

export function ignoreCommentEdit(dep: Dependency): TextEdit | undefined {
  if (!dep.commentAt) return undefined;
  return { range: { start: dep.commentAt, end: dep.commentAt }, newText: `  ${IGNORE_COMMENT}` };
}

/** Applies non-overlapping edits to a text (the way an editor does). */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const map = new LineMap(text);
  const sorted = edits
    .map((e) => ({ start: map.offset(e.range.start), end: map.offset(e.range.end), text: e.newText }))
    .sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  let limit = Infinity;
  for (const e of sorted) {
    if (e.end > limit) throw new Error('overlapping edits');
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
    limit = e.start;
  }
  return out;
}
