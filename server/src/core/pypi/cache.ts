/**
 * Index answers, kept in memory (bounded LRU) in front of a directory shared by
 * every server process and the CLI. Disk writes are atomic (write, then rename),
 * a damaged file reads as a miss and is rewritten, and a disk that fails leaves
 * the memory cache working.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { LRUCache } from 'lru-cache';

/**
 * Bumped whenever the shape or the meaning of stored data changes, so old files are never
 * misread. 2: a project page's releases are grouped by PEP 440 version, and yanked read as
 * PEP 691 says (a 304 would otherwise keep serving the older reading of an unchanged page). 3: releases
 * carry their files' requires-python and PEP 740 provenance. 4: a project page says whether its
 * index serves PEP 740 provenance at all.
 */
const SCHEMA = 4;
/** The directory of the entries, under the cache directory. */
export const SCHEMA_DIR = `v${SCHEMA}`;

export interface CacheEntry<T> {
  key: string;
  /** When the index last confirmed this answer (ms since epoch). */
  fetchedAt: number;
  etag?: string;
  state: 'found' | 'not-found';
  data?: T;
}

export interface CacheOptions {
  /** null: memory only. */
  directory: string | null;
  maxEntries?: number;
  maxBytes?: number;
  onError?: (message: string) => void;
  /** The file operations used for entries (tests put failing ones here). */
  disk?: DiskIo;
}

/** The file operations behind the disk cache's entries: reads synchronous, writes asynchronous (see readDisk, writeDisk). */
export interface DiskIo {
  readFile(file: string): string;
  writeFile(file: string, text: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  mkdir(dir: string): Promise<void>;
  remove(file: string): Promise<void>;
}

export const NODE_DISK: DiskIo = {
  readFile: (file) => readFileSync(file, 'utf8'),
  writeFile: (file, text) => fs.writeFile(file, text),
  rename: (from, to) => fs.rename(from, to),
  mkdir: async (dir) => {
    await fs.mkdir(dir, { recursive: true });
  },
  remove: (file) => fs.rm(file, { force: true }),
};

export class IndexCache {
  private readonly memory: LRUCache<string, CacheEntry<unknown>>;
  private readonly directory: string | null;
  private readonly onError: (message: string) => void;
  private diskFailures = 0;
  private readonly madeDirs = new Set<string>();
  /** Per file, the newest text not yet written. */
  private readonly pendingWrites = new Map<string, string>();
  private readonly writingFiles = new Set<string>();
  private writers = 0;
  private readonly idle: (() => void)[] = [];
  private readonly disk: DiskIo;
  /** Keys found missing on disk during the current turn of the event loop (see markAbsent). */
  private readonly absent = new Set<string>();

  constructor(options: CacheOptions) {
    this.disk = options.disk ?? NODE_DISK;
    this.directory = options.directory === null ? null : path.join(options.directory, SCHEMA_DIR);
    this.onError = options.onError ?? (() => undefined);
    this.memory = new LRUCache<string, CacheEntry<unknown>>({
      max: options.maxEntries ?? 20_000,
      maxSize: options.maxBytes ?? 64 * 1024 * 1024,
      sizeCalculation: (entry) => estimateSize(entry),
    });
  }

  /**
   * The memory entry, else the disk's, read synchronously (see readDisk): a restart then
   * serves a document's 2,000 answers in one pass, without a promise per lookup.
   */
  get<T>(key: string): CacheEntry<T> | undefined {
    const hit = this.memory.get(key);
    if (hit) return hit as CacheEntry<T>;
    const fromDisk = this.readDisk<T>(key);
    if (fromDisk) this.memory.set(key, fromDisk.entry, { size: sizeOf(fromDisk.length) });
    return fromDisk?.entry;
  }

  /**
   * Stores an answer. Memory is updated at once; the disk write happens behind it, off
   * the lookup's path (`flush` waits for it). A few writers drain the queue, so a scan's
   * thousands of answers never become thousands of writes in flight; writes of one file
   * never overlap, and the last text set for a file is the one on disk.
   */
  set<T>(entry: CacheEntry<T>): void {
    // Serialized once: the text sizes the memory entry and is what the disk gets.
    const json = JSON.stringify(entry);
    this.memory.set(entry.key, entry, { size: sizeOf(json.length) });
    const file = this.fileFor(entry.key);
    if (!file) return;
    this.pendingWrites.set(file, json);
    while (this.writers < DISK_WRITERS && this.writers < this.pendingWrites.size) {
      this.writers++;
      void this.drainWrites();
    }
  }

  /** Resolves once every write set so far is on disk (or has failed and been reported). */
  async flush(): Promise<void> {
    while (this.writers > 0 || this.pendingWrites.size > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private async drainWrites(): Promise<void> {
    for (;;) {
      let next: [string, string] | undefined;
      for (const pending of this.pendingWrites) {
        if (!this.writingFiles.has(pending[0])) {
          next = pending;
          break;
        }
      }
      if (!next) break;
      const [file, text] = next;
      this.pendingWrites.delete(file);
      this.writingFiles.add(file);
      await this.writeDisk(file, text);
      this.writingFiles.delete(file);
    }
    if (--this.writers === 0 && this.pendingWrites.size === 0) for (const resolve of this.idle.splice(0)) resolve();
  }

  clearMemory(): void {
    this.memory.clear();
  }

  async clear(): Promise<void> {
    this.memory.clear();
    await this.flush();
    this.madeDirs.clear();
    if (this.directory) await fs.rm(this.directory, { recursive: true, force: true }).catch(() => undefined);
  }

  get size(): number {
    return this.memory.size;
  }

  private fileFor(key: string): string | undefined {
    if (!this.directory) return undefined;
    const hash = createHash('sha256').update(key).digest('hex');
    return path.join(this.directory, hash.slice(0, 2), `${hash.slice(2)}.json`);
  }

  private readDisk<T>(key: string): { entry: CacheEntry<T>; length: number } | undefined {
    if (this.absent.has(key)) return undefined;
    const file = this.fileFor(key);
    if (!file) return undefined;
    let text: string;
    try {
      // Synchronous on purpose: entries are a few KB in the user's local cache directory and
      // quick to read, while the asynchronous APIs queue every read on libuv's 4 threads
      // behind the disk writes, which made a warm open several times slower.
      text = this.disk.readFile(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') this.markAbsent(key);
      else this.reportDisk(`cannot read cache file: ${(e as Error).message}`);
      return undefined;
    }
    try {
      const entry = JSON.parse(text) as CacheEntry<T>;
      // A hash collision or a file from another writer's bug must not be served.
      if (entry.key !== key || !Number.isFinite(entry.fetchedAt) || (entry.state !== 'found' && entry.state !== 'not-found')) return undefined;
      if (entry.state === 'found' && entry.data === undefined) return undefined;
      return { entry, length: text.length };
    } catch {
      return undefined; // truncated or corrupt: treated as a miss and rewritten on the next fetch
    }
  }

  /**
   * A lookup peeks at the cache and, on a miss, asks it again in the same turn of the event
   * loop: the second read of a missing file (an exception each) is spared. Only for
   * that turn, since another process may write the file at any time.
   */
  private markAbsent(key: string): void {
    if (this.absent.size === 0) setImmediate(() => this.absent.clear());
    this.absent.add(key);
  }

  /**
   * Asynchronous, unlike reads: creating a file is much slower than reading one (written
   * synchronously, the writes were a large share of a cold open's main-thread time), and
   * on libuv's threads that time is not the editor's.
   */
  private async writeDisk(file: string, json: string): Promise<void> {
    // Unique per process and write, so two servers sharing the directory never share a temp file.
    const tmp = `${file}.${process.pid}.${TEMP_TAG}.${++tempFiles}.tmp`;
    try {
      const dir = path.dirname(file);
      if (!this.madeDirs.has(dir)) {
        await this.disk.mkdir(dir);
        this.madeDirs.add(dir);
      }
      await this.disk.writeFile(tmp, json);
      await this.disk.rename(tmp, file);
      this.diskFailures = 0;
    } catch (e) {
      this.madeDirs.clear(); // the directory may have been removed under us: make it again next time
      await this.disk.remove(tmp).catch(() => undefined); // a leftover temp file is removed by prune()
      this.reportDisk(`cannot write cache file: ${(e as Error).message}`);
    }
  }

  /**
   * Keeps the shared directory bounded: removes entries not written for `maxAgeMs`
   * (an entry in use is rewritten at least once per TTL), then the oldest beyond
   * `maxFiles` or `maxBytes`, and temporary files that a killed process left behind. Runs at most
   * once per `intervalMs` for all processes sharing the directory (a marker file's
   * time says when it last ran). Never throws; returns undefined when it did not run.
   */
  async prune(
    options: { maxAgeMs?: number; maxFiles?: number; maxBytes?: number; intervalMs?: number; now?: number } = {},
  ): Promise<{ removed: number; kept: number } | undefined> {
    const dir = this.directory;
    if (!dir) return undefined;
    const now = options.now ?? Date.now();
    const maxAge = options.maxAgeMs ?? DISK_MAX_AGE_MS;
    const maxFiles = options.maxFiles ?? DISK_MAX_FILES;
    const maxBytes = options.maxBytes ?? DISK_MAX_BYTES;
    const marker = path.join(dir, 'last-pruned');
    try {
      const last = await fs.stat(marker).then(
        (st) => st.mtimeMs,
        () => undefined,
      );
      if (last !== undefined && now - last < (options.intervalMs ?? DISK_PRUNE_INTERVAL_MS)) return undefined;
      await fs.mkdir(dir, { recursive: true });
      await fs.writeFile(marker, '');
      await fs.utimes(marker, now / 1000, now / 1000);
      const entries: { file: string; mtime: number; size: number }[] = [];
      let bytes = 0;
      let removed = await this.pruneOtherSchemas(now, maxAge);
      for (const shard of await fs.readdir(dir, { withFileTypes: true })) {
        if (!shard.isDirectory()) continue;
        const shardDir = path.join(dir, shard.name);
        for (const name of await fs.readdir(shardDir).catch(() => [] as string[])) {
          const file = path.join(shardDir, name);
          const st = await fs.stat(file).catch(() => undefined);
          if (!st?.isFile()) continue;
          const stale = name.endsWith('.tmp') ? now - st.mtimeMs > TEMP_MAX_AGE_MS : now - st.mtimeMs > maxAge;
          if (stale) {
            if (
              await fs.rm(file, { force: true }).then(
                () => true,
                () => false,
              )
            )
              removed++;
          } else if (!name.endsWith('.tmp')) {
            entries.push({ file, mtime: st.mtimeMs, size: st.size });
            bytes += st.size;
          }
        }
      }
      if (entries.length > maxFiles || bytes > maxBytes) {
        entries.sort((a, b) => a.mtime - b.mtime);
        let drop = 0;
        while (drop < entries.length && (entries.length - drop > maxFiles || bytes > maxBytes)) bytes -= entries[drop++]!.size;
        for (const { file } of entries.splice(0, drop)) {
          if (
            await fs.rm(file, { force: true }).then(
              () => true,
              () => false,
            )
          )
            removed++;
        }
      }
      return { removed, kept: entries.length };
    } catch (e) {
      this.reportDisk(`cannot prune the cache directory: ${(e as Error).message}`);
      return undefined;
    }
  }

  /**
   * Entries of other schemas (an older or newer version of the tool, maybe still running in
   * another window) follow the age rule: unused for `maxAgeMs`, they go, and so do their
   * directories once empty.
   */
  private async pruneOtherSchemas(now: number, maxAge: number): Promise<number> {
    const current = this.directory!;
    const parent = path.dirname(current);
    let removed = 0;
    for (const schema of await fs.readdir(parent, { withFileTypes: true }).catch(() => [])) {
      const dir = path.join(parent, schema.name);
      if (!schema.isDirectory() || !/^v\d+$/.test(schema.name) || dir === current) continue;
      for (const shard of await fs.readdir(dir).catch(() => [] as string[])) {
        const shardDir = path.join(dir, shard);
        for (const name of await fs.readdir(shardDir).catch(() => [] as string[])) {
          const file = path.join(shardDir, name);
          const st = await fs.stat(file).catch(() => undefined);
          if (
            st?.isFile() &&
            now - st.mtimeMs > maxAge &&
            (await fs.rm(file, { force: true }).then(
              () => true,
              () => false,
            ))
          )
            removed++;
        }
        await fs.rmdir(shardDir).catch(() => undefined); // only when empty
      }
      await fs.rmdir(dir).catch(() => undefined);
    }
    return removed;
  }

  private reportDisk(message: string): void {
    // One line per run of failures, not one per lookup.
    if (this.diskFailures++ === 0) this.onError(`${message} (continuing with the memory cache)`);
  }
}

/** Disk writes in flight: libuv's thread pool has 4 threads, and more would only queue there, holding memory. */
const DISK_WRITERS = 4;
/** Entries not rewritten for this long are removed (in use, an entry is rewritten at least daily). */
const DISK_MAX_AGE_MS = 30 * 24 * 3600_000;
/** Far more projects than a developer's workspaces name; entries are small (a popular project's page is larger). */
const DISK_MAX_FILES = 20_000;
/** Entries are bounded (bodies by the HTTP client's size limit, descriptions to 16 KB), but their sum is bounded too. */
const DISK_MAX_BYTES = 256 * 1024 * 1024;
const DISK_PRUNE_INTERVAL_MS = 24 * 3600_000;
/** A temporary file older than this belongs to a write that will never finish. */
const TEMP_MAX_AGE_MS = 3600_000;

/** A random tag per process start, so a recycled pid cannot meet its predecessor's temp files. */
const TEMP_TAG = randomBytes(4).toString('hex');
/**
 * Counts temp files for the whole process, not per cache: after a settings change, the old and
 * the new cache of one directory may write the same entry at once, and must not share a temp file.
 */
let tempFiles = 0;

/** Live heap is about three times the JSON text of an entry (measured by the benchmark). */
function sizeOf(jsonLength: number): number {
  return Math.max(1, jsonLength * 3);
}

function estimateSize(entry: CacheEntry<unknown>): number {
  return sizeOf(JSON.stringify(entry).length);
}
