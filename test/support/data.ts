/**
 * Where the test data lives: real files copied into test/data/ (each folder's INDEX.md
 * gives every file's source), so that a fresh clone tests and benchmarks with nothing else.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const DATA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'data');

function folder(name: string): string {
  const dir = path.join(DATA, name);
  if (!existsSync(dir)) throw new Error(`test data folder not found: ${dir}`);
  return dir;
}

/** Real dependency files: `<owner>__<repository>/<path with / replaced by __>`. */
export function corpusFilesDir(): string {
  return folder('files');
}

export function corpusFile(relative: string): string {
  return path.join(corpusFilesDir(), relative);
}

/** Recorded PyPI responses: `simple-json/`, `simple-html/`, `json-api/`, `project-status/`. */
export function pypiResponsesDir(): string {
  return folder('pypi-responses');
}

export function pypiResponse(relative: string): string {
  return path.join(pypiResponsesDir(), relative);
}
