/**
 * Joins a lock file to the manifests that go with it (reading them), and finds the locks that go
 * with a manifest: the file-system side of lock/view.ts, shared by the scan and the editor.
 */
import { promises as fs } from 'node:fs';
import { fileKind, lockOf, parseDocument } from './analyze.js';
import { buildLockView, lockCandidates, manifestCandidates, type LockView, type ManifestInput } from './lock/view.js';
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

/** A manifest as a view was built from it: a join that reads the same texts again keeps the view. */
interface JoinedManifest {
  text: string;
  input: ManifestInput;
}

const joinedFrom = new WeakMap<LockView, JoinedManifest[]>();

/**
 * Sets `parsed.lock` for a lock file or compiled requirements file: the first existing manifest of
 * each candidate is read and parsed; none at all still gives the graph (chains need roots, which
 * uv.lock and compiled requirements record, and the other formats take from the manifest). Joined
 * again (or given the `earlier` view of a document reopened with the same text), a manifest whose text
 * did not change is not parsed again, and when none changed that view stays.
 */
export async function joinLock(
  file: string,
  parsed: ParsedFile,
  read: TextReader,
  env?: Record<string, string | undefined>,
  earlier: LockView | undefined = parsed.lock,
): Promise<void> {
  const lock = lockOf(parsed);
  if (lock === undefined) return;
  const before = earlier ? joinedFrom.get(earlier) : undefined;
  // Every candidate's files are read at once (a workspace's members are many files): in turn, the
  // reads' round trips through the file system add up to more than the rest of a reopen.
  const found = await Promise.all(
    manifestCandidates(file, lock).map(async (candidate) => ({ candidate, ...(await firstReadable(candidate.paths, file, read)) })),
  );
  const joined: JoinedManifest[] = [];
  for (const { candidate, path: p, text } of found) {
    if (p === undefined || text === undefined) continue;
    const same = before?.find((j) => j.input.path === p && j.text === text && j.input.member === candidate.member && j.input.group === candidate.group);
    let input = same?.input;
    if (!input) {
      input = { path: p, parsed: parseDocument(fileKind(p) ?? 'requirements', text, env, p, false) };
      if (candidate.member !== undefined) input.member = candidate.member;
      if (candidate.group !== undefined) input.group = candidate.group;
    }
    joined.push({ text, input });
  }
  if (earlier && before?.length === joined.length && joined.every((j, i) => j.input === before[i]!.input)) {
    parsed.lock = earlier;
    return;
  }
  parsed.lock = buildLockView(
    file,
    lock,
    parsed,
    joined.map((j) => j.input),
  );
  joinedFrom.set(parsed.lock, joined);
}

/** The first of `paths` that can be read (the lock itself excepted), with its text. */
async function firstReadable(paths: readonly string[], lock: string, read: TextReader): Promise<{ path?: string; text?: string }> {
  for (const p of paths) {
    if (p === lock) continue;
    const text = await read(p);
    if (text !== undefined) return { path: p, text };
  }
  return {};
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
