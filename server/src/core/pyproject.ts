/**
 * Dependencies declared in pyproject.toml: PEP 621, PEP 735 dependency groups,
 * build-system requires, and the tool tables of Poetry, uv, PDM and Hatch.
 * toml-eslint-parser keeps source ranges, so every name is reported where it is written.
 */
import { isIgnoreComment } from './suppress.js';
import { LineMap } from './text.js';
import type { ParsedFile } from './types.js';
import { poetryDependency, walkTopLevel, type Context } from './pyproject/dependencies.js';
import { tomlTooLarge } from './pyproject/guard.js';
import { deepValueMessage, deepValues, withoutDeepValues } from './pyproject/nesting.js';
import { readToml } from './pyproject/recovery.js';
import { readProjectIndexConfig } from './indexConfig/project.js';

export { MAX_PYPROJECT_LENGTH, MAX_TOML_TOKENS, tomlTooLarge } from './pyproject/guard.js';
export { deepValues, MAX_TOML_NESTING, withoutDeepValues } from './pyproject/nesting.js';
export { estimateTomlTokens } from './pyproject/tokens.js';

export function parsePyproject(text: string): ParsedFile {
  const map = new LineMap(text);
  const result: ParsedFile = { dependencies: [], includes: [], indexUrls: [], problems: [] };
  const tooLarge = tomlTooLarge(text);
  if (tooLarge !== undefined) {
    result.problems.push({ code: 'file-too-large', message: tooLarge, range: map.range(0, 0) });
    return result;
  }
  // Values nested deeper than the parser can recurse are emptied first: the rest of the file is read.
  const deep = deepValues(text);
  const readable = withoutDeepValues(text, deep);
  if (deep.length > 0) {
    const start = deep[0]!.start;
    result.problems.push({ code: 'syntax-error', message: deepValueMessage(deep), range: map.range(start, map.lineEnd(map.position(start).line)) });
  }
  const programs = readToml(readable, map, result.problems);
  const ignoredLines = new Set<number>();
  for (const program of programs) {
    for (const comment of program.comments) {
      if (isIgnoreComment('#' + comment.value)) ignoredLines.add(map.position(comment.range[0]).line);
    }
  }
  const ctx: Context = { text: readable, map, result, ignoredLines, found: [], poetry: new Map() };
  for (const program of programs) walkTopLevel(program.body[0], ctx);
  for (const item of ctx.found) {
    if ('items' in item) {
      const dependency = poetryDependency(item, ctx);
      if (dependency) result.dependencies.push(dependency);
    } else {
      result.dependencies.push(item);
    }
  }
  result.projectIndexes = readProjectIndexConfig(readable);
  return result;
}
