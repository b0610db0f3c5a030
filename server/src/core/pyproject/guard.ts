/** What the TOML parser is never given: texts too long, or with too many tokens, to parse quickly. */
import { estimateTomlTokens } from './tokens.js';

export const MAX_PYPROJECT_LENGTH = 256 * 1024;
/**
 * The TOML parser allocates several objects per token and, past a few tens of thousands of
 * tokens, spends most of its time collecting garbage (256 KB of `k=1` lines, unclosed `[` or
 * `{b=`, or a long dotted key took far too long). Every token but the first on a line follows a
 * separator (`[ { , = .` outside strings and comments, or a line break), so separators and
 * strings together bound the tokens and the parse. Real files
 * stay far below it (a dependency such as `"pkg>=1.2",` on its own line costs 3); the largest
 * TOML file in our corpus, an 82 KB lock file, counts 3,758.
 */
export const MAX_TOML_TOKENS = 16_000;

/** Why the TOML parser should not be given this text, or undefined when it may. */
export function tomlTooLarge(text: string): string | undefined {
  if (text.length > MAX_PYPROJECT_LENGTH) {
    return `This file is larger than ${MAX_PYPROJECT_LENGTH / 1024} KB (real pyproject.toml files are a few KB); pypi-status does not read it.`;
  }
  // Every token counted is at least one character, so a short file needs no count.
  const tokens = text.length > MAX_TOML_TOKENS ? estimateTomlTokens(text) : 0;
  if (tokens > MAX_TOML_TOKENS) {
    return `This file has about ${tokens.toLocaleString('en-US')} TOML tokens (strings, separators and lines); pypi-status reads files with up to ${MAX_TOML_TOKENS.toLocaleString('en-US')} (real pyproject.toml files have a few hundred to a few thousand).`;
  }
  return undefined;
}
