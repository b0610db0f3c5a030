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
const SCRIPT_OPEN = /^# \/\/\/ script[ \t]*\r?$/m;
const MARK = '# /// script';

/** Scripts past this size are not read for a block: real ones are a few KB, and a `.py` file of megabytes is generated code. */
export const MAX_SCRIPT_BYTES = 1024 * 1024;

/**
 * Whether a Python file has a `# /// script` opening line: a substring search first, so that any
 * other Python file (the editor sends them all) costs one pass over its text and no parse.
 */
export function hasScriptBlock(text: string): boolean {
  return text.includes(MARK) && SCRIPT_OPEN.test(text);
}

/** The same check on a file's bytes, before any decoding (the directory walk reads every `.py` file). */
export function bytesHaveScriptBlock(bytes: Buffer): boolean {
  return bytes.includes(MARK) && hasScriptBlock(bytes.toString('utf8'));
}

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
  const empty: ParsedFile = { dependencies: [], includes: [], indexUrls: [], problems: [] };
  if (!hasScriptBlock(text)) return empty;
  const lines = text.split(/\r\n|\n|\r/);
  const block = scriptBlock(lines);
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
