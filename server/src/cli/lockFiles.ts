/**
 * Lock files (uv, Poetry, PDM, Pipenv, PEP 751) that a pre-commit hook or a script may name on the
 * command line before the checker reads them. Read as requirements files they would yield a line
 * of noise per TOML key, so until core knows the format (fileKind names it) they are skipped with a note.
 */
import * as path from 'node:path';
import { fileKind } from '../core/analyze.js';

const LOCK_FILE = /^(uv\.lock|poetry\.lock|pdm\.lock|pipfile|pipfile\.lock|pylock\.toml|pylock\.[^.]+\.toml)$/;

export function isUnreadLockFile(file: string): boolean {
  return LOCK_FILE.test(path.basename(file).toLowerCase()) && fileKind(file) === undefined;
}
