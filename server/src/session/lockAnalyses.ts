/**
 * The locks beside open manifests, read, joined and analysed once per state of their files: typing
 * in a pyproject.toml must not re-read a uv.lock of megabytes at every keystroke. An entry holds
 * while the lock (its open text's version, else its size and mtime) and the manifests it was joined
 * to (read from disk) are as they were, under the same settings, trust and index.
 */
import { promises as fs } from 'node:fs';
import type { ScannedFile } from '../core/workspaceScan.js';

/**
 * Findings come from the index cache, whose answers age: an entry is analysed again after this long
 * even if no file changed, so that a project archived since shows up without a reload.
 */
const MAX_AGE_MS = 5 * 60_000;

/** What an entry was analysed under: any of them replaced means the analysis is stale. */
export interface AnalysisContext {
  settings: object;
  trusted: boolean;
  index: object;
}

interface Entry {
  scanned: ScannedFile;
  /** The lock's and its manifests' stamps when it was read. */
  stamps: Map<string, string>;
  context: AnalysisContext;
  at: number;
}

/** A file's stamp on disk, or '' when it is gone. */
export async function diskStamp(file: string): Promise<string> {
  return fs.stat(file).then(
    (s) => `${s.size}:${s.mtimeMs}`,
    () => '',
  );
}

export class LockAnalyses {
  private readonly entries = new Map<string, Entry>();

  /** The analysis of `lock` if nothing it depends on changed; `lockStamp` is its current stamp. */
  async get(lock: string, lockStamp: string, context: AnalysisContext): Promise<ScannedFile | undefined> {
    const entry = this.entries.get(lock);
    if (!entry) return undefined;
    const { settings, trusted, index } = entry.context;
    const fresh =
      settings === context.settings &&
      trusted === context.trusted &&
      index === context.index &&
      Date.now() - entry.at < MAX_AGE_MS &&
      entry.stamps.get(lock) === lockStamp &&
      (await this.manifestsUnchanged(entry, lock));
    if (fresh) return entry.scanned;
    this.entries.delete(lock);
    return undefined;
  }

  async set(lock: string, lockStamp: string, context: AnalysisContext, scanned: ScannedFile): Promise<void> {
    const stamps = new Map([[lock, lockStamp]]);
    for (const manifest of scanned.parsed.lock?.manifests ?? []) stamps.set(manifest, await diskStamp(manifest));
    this.entries.set(lock, { scanned, stamps, context, at: Date.now() });
  }

  /** A watched file changed: the entries that read it go (whether or not its stamp would show it). */
  forget(file: string): void {
    for (const [lock, entry] of this.entries) if (entry.stamps.has(file)) this.entries.delete(lock);
  }

  clear(): void {
    this.entries.clear();
  }

  private async manifestsUnchanged(entry: Entry, lock: string): Promise<boolean> {
    for (const [file, stamp] of entry.stamps) if (file !== lock && (await diskStamp(file)) !== stamp) return false;
    return true;
  }
}
