/**
 * Joins a lock file to the manifests that go with it (reading them), and finds the locks that go
 * with a manifest: the file-system side of lock/view.ts, shared by the scan and the editor.
 */
import { promises as fs } from 'node:fs';
import { fileKind, lockOf, parseDocument } from './analyze.js';
import { buildLockView, lockCandidates, manifestCandidates, type ManifestInput } from './lock/view.js';
import type { ParsedFile } from './types.js';

/** A file's text (the editor's if it holds the file), or undefined when it cannot be read. */
export type TextReader = (file: string) => Promise<string | undefined>;

/** Manifests past this size are not worth joining: the largest real pyproject.toml is a few tens of KB. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export function diskReader(openText?: (file: string) => string | undefined): TextReader {
  return async (file) => {
    const open = openText?.(file);
    if (open !== undefined) return open;
    try {
      const stat = await fs.stat(file);
      if (!stat.isFile() || stat.size > MAX_MANIFEST_BYTES) return undefined;
      return await fs.readFile(file, 'utf8');
    } catch {
      return undefined;
    }
  };
}

/**
 * Sets `parsed.lock` for a lock file or compiled requirements file: the first existing manifest of
 * each candidate is read and parsed; none at all still gives the graph (chains need roots, which
 * uv.lock and compiled requirements record, and the other formats take from the manifest).
 */
export async function joinLock(file: string, parsed: ParsedFile, read: TextReader, env?: Record<string, string | undefined>): Promise<void> {
  const lock = lockOf(parsed);
  if (lock === undefined) return;
  const manifests: ManifestInput[] = [];
  for (const candidate of manifestCandidates(file, lock)) {
    for (const p of candidate.paths) {
      if (p === file) continue;
      const text = await read(p);
      if (text === undefined) continue;
      const m: ManifestInput = { path: p, parsed: parseDocument(fileKind(p) ?? 'requirements', text, env, p, false) };
      if (candidate.member !== undefined) m.member = candidate.member;
      if (candidate.group !== undefined) m.group = candidate.group;
      manifests.push(m);
      break;
    }
  }
  parsed.lock = buildLockView(file, lock, parsed, manifests);
}

/** The lock files that exist for a manifest (pyproject.toml, Pipfile, a script, a `.in` file). */
export async function locksOf(manifest: string): Promise<string[]> {
  const out: string[] = [];
  for (const candidate of lockCandidates(manifest))
    if (
      await fs.stat(candidate).then(
        (s) => s.isFile(),
        () => false,
      )
    )
      out.push(candidate);
  return out;
}
