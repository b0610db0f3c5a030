/** Text edits computed from parsed dependencies: pure, so every editor front end (LSP, CLI) shares them. */
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
export function replacementEdits(dep: Dependency, newName: string): TextEdit[] {
  const edits: TextEdit[] = dep.nameKeys
    ? dep.nameKeys.map((key) => ({ range: key.range, newText: key.bare && !BARE_KEY.test(newName) ? `"${newName}"` : newName }))
    : [{ range: dep.nameSpecRange, newText: newName }];
  for (const range of dep.removals ?? []) edits.push({ range, newText: '' });
  for (const edit of dep.valueEdits ?? []) edits.push({ range: edit.range, newText: edit.newText });
  return edits;
}

/**
 * Moves an exact pin to another version: only the version text changes (operator, extras,
 * markers, comment and quoting stay), and `--hash` options go, since they pin the old files.
 * Undefined when the document does not hold the version as written (see Dependency.pinRange).
 */
export function pinEdits(dep: Dependency, version: string): TextEdit[] | undefined {
  if (!dep.pinRange) return undefined;
  return [{ range: dep.pinRange, newText: version }, ...(dep.removals ?? []).map((range) => ({ range, newText: '' }))];
}

/** What TOML takes as a bare key; a project name has no character that needs escaping in quotes. */
const BARE_KEY = /^[A-Za-z0-9_-]+$/;

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
