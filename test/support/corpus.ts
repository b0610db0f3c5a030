/** Where the shared corpus of real files lives (never copied into this repository). */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function corpusFilesDir(): string {
  const dir = process.env.PYPI_STATUS_CORPUS_FILES ?? path.resolve(ROOT, '..', 'shared', 'corpus', 'files');
  if (!existsSync(dir)) throw new Error(`corpus of dependency files not found at ${dir} (set PYPI_STATUS_CORPUS_FILES)`);
  return dir;
}

export function corpusFile(relative: string): string {
  return path.join(corpusFilesDir(), relative);
}
