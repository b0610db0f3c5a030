/**
 * The real lock files of test/data/lockfiles laid out as their repositories have them
 * (`crewAIInc__crewAI/lib__cli__pyproject.toml` → `crewAIInc__crewAI/lib/cli/pyproject.toml`),
 * so that a scan finds each lock under its own name, beside its manifests.
 */
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const LOCKFILES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'data', 'lockfiles');

/** Copies every file but INDEX.md under `root`; returns the paths written. */
export function layOutLockfiles(root: string): string[] {
  const written: string[] = [];
  for (const repo of readdirSync(LOCKFILES_DIR, { withFileTypes: true })) {
    if (!repo.isDirectory()) continue;
    for (const file of readdirSync(path.join(LOCKFILES_DIR, repo.name))) {
      const target = path.join(root, repo.name, ...file.split('__'));
      mkdirSync(path.dirname(target), { recursive: true });
      copyFileSync(path.join(LOCKFILES_DIR, repo.name, file), target);
      written.push(target);
    }
  }
  return written;
}
