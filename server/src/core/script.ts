/**
 * PEP 723 inline script metadata: the `# /// script` block of a `.py` file, whose `dependencies`
 * are the script's manifest (and what `uv lock --script` locks in `<script>.py.lock`).
 *
 * The block is read by the pyproject.toml reader over a text of the same lines and columns: every
 * line outside the block is emptied, the block's `# ` prefixes become two spaces, and its opening
 * line becomes a `[project]` header, so that `dependencies` is read as `project.dependencies` with
 * its ranges, edits and ignore comments exactly where they are in the script.
 */
import { parsePyproject } from './pyproject.js';
import type { ParsedFile } from './types.js';

const OPEN = /^# \/\/\/ ([a-zA-Z0-9-]+)[ \t]*$/;
const CLOSE = /^# \/\/\/[ \t]*$/;

/** The first `script` block's first and last content lines, or a problem (PEP 723: an unclosed or repeated block is an error). */
export function scriptBlock(lines: readonly string[]): { open: number; close: number } | { problem: string; line: number } | undefined {
  let found: { open: number; close: number } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const type = OPEN.exec(lines[i]!)?.[1];
    if (type === undefined) continue;
    // The block ends at the last `# ///` before a line that is not a comment of the block.
    let close = -1;
    let j = i + 1;
    for (; j < lines.length && (lines[j] === '#' || lines[j]!.startsWith('# ')); j++) if (CLOSE.test(lines[j]!)) close = j;
    if (close < 0) return { problem: `the "# /// ${type}" block is not closed by a "# ///" line`, line: i };
    if (type === 'script') {
      if (found) return { problem: 'a second "# /// script" block: PEP 723 allows one', line: i };
      found = { open: i, close };
    }
    i = close;
  }
  return found;
}

export function parseScript(text: string): ParsedFile {
  const lines = text.split(/\r\n|\n|\r/);
  const block = scriptBlock(lines);
  const empty: ParsedFile = { dependencies: [], includes: [], indexUrls: [], problems: [] };
  if (block === undefined) return empty;
  if ('problem' in block) {
    const at = { line: block.line, character: 0 };
    empty.problems.push({
      code: 'syntax-error',
      message: `Inline script metadata: ${block.problem}.`,
      range: { start: at, end: { line: block.line, character: lines[block.line]!.length } },
    });
    return empty;
  }
  const toml = lines.map((line, i) => (i === block.open ? '[project]' : i > block.open && i < block.close ? (line === '#' ? '' : `  ${line.slice(2)}`) : ''));
  const parsed = parsePyproject(toml.join('\n'));
  for (const d of parsed.dependencies) d.section = d.section.replace(/^project\./, 'script.');
  return parsed;
}
