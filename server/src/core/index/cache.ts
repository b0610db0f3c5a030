/**
 * Index answers, kept in memory (bounded LRU) in front of a directory shared by
 * every server process and the CLI. Disk writes are atomic (write, then rename),
 * a damaged file reads as a miss and is rewritten, and a disk that fails leaves
 * the memory cache working.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LRUCache } from 'lru-cache';

/** Bumped whenever the shape of stored data changes, so old files are never misread. */
const SCHEMA = 1;

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
}

export class IndexCache {
  private readonly memory: LRUCache<string, CacheEntry<unknown>>;
  private readonly directory: string | null;
  private readonly onError: (message: string) => void;
  private diskFailures = 0;
  private writes = 0;
  private readonly madeDirs = new Set<string>();

  constructor(options: CacheOptions) {
    this.directory = options.directory === null ? null : path.join(options.directory, `v${SCHEMA}`);
    this.onError = options.onError ?? (() => undefined);
    this.memory = new LRUCache<string, CacheEntry<unknown>>({
      max: options.maxEntries ?? 20_000,
      maxSize: options.maxBytes ?? 64 * 1024 * 1024,
      sizeCalculation: (entry) => estimateSize(entry),
    });
  }

  /** The memory entry, without touching the disk. */
  peek<T>(key: string): CacheEntry<T> | undefined {
    return this.memory.get(key) as CacheEntry<T> | undefined;
  }

  async get<T>(key: string): Promise<CacheEntry<T> | undefined> {
    const hit = this.memory.get(key);
    if (hit) return hit as CacheEntry<T>;
    const fromDisk = await this.readDisk<T>(key);
    if (fromDisk) this.memory.set(key, fromDisk.entry, { size: sizeOf(fromDisk.length) });
    return fromDisk?.entry;
  }

  async set<T>(entry: CacheEntry<T>): Promise<void> {
    // Serialized once: the text sizes the memory entry and is what the disk gets.
    const json = JSON.stringify(entry);
    this.memory.set(entry.key, entry, { size: sizeOf(json.length) });
    await this.writeDisk(entry.key, json);
  }

  clearMemory(): void {
    this.memory.clear();
  }

  async clear(): Promise<void> {
    this.memory.clear();
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

  private async readDisk<T>(key: string): Promise<{ entry: CacheEntry<T>; length: number } | undefined> {
    const file = this.fileFor(key);
    if (!file) return undefined;
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.reportDisk(`cannot read cache file: ${(e as Error).message}`);
      return undefined;
    }
    try {
      const entry = JSON.parse(text) as CacheEntry<T>;
      // A hash collision or a file from another writer's bug must not be served.
      if (entry.key !== key || typeof entry.fetchedAt !== 'number' || (entry.state !== 'found' && entry.state !== 'not-found')) return undefined;
      if (entry.state === 'found' && entry.data === undefined) return undefined;
      return { entry, length: text.length };
    } catch {
      return undefined; // truncated or corrupt: treated as a miss and rewritten on the next fetch
    }
  }

  private async writeDisk(key: string, json: string): Promise<void> {
    const file = this.fileFor(key);
    if (!file) return;
    // Unique per process and write, so two servers sharing the directory never share a temp file.
    const tmp = `${file}.${process.pid}.${TEMP_TAG}.${++this.writes}.tmp`;
    try {
      const dir = path.dirname(file);
      if (!this.madeDirs.has(dir)) {
        await fs.mkdir(dir, { recursive: true });
        this.madeDirs.add(dir);
      }
      await fs.writeFile(tmp, json);
      await fs.rename(tmp, file);
      this.diskFailures = 0;
    } catch (e) {
      this.madeDirs.clear(); // the directory may have been removed under us: make it again next time
      await fs.rm(tmp, { force: true }).catch(() => undefined);
      this.reportDisk(`cannot write cache file: ${(e as Error).message}`);
    }
  }

  private reportDisk(message: string): void {
    // One line per run of failures, not one per lookup.
    if (this.diskFailures++ === 0) this.onError(`${message} (continuing with the memory cache)`);
  }
}

/** A random tag per process start, so a recycled pid cannot meet its predecessor's temp files. */
const TEMP_TAG = randomBytes(4).toString('hex');

/** Live heap is about three times the JSON text of an entry (measured by the benchmark). */
function sizeOf(jsonLength: number): number {
  return Math.max(1, jsonLength * 3);
}

function estimateSize(entry: CacheEntry<unknown>): number {
  return sizeOf(JSON.stringify(entry).length);
}

/** The per-user cache directory of the platform. */
export function defaultCacheDirectory(): string {
  const home = os.homedir();
  if (process.platform === 'win32') {
    return path.join(process.env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'pypi-status', 'Cache');
  }
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Caches', 'pypi-status');
  return path.join(process.env.XDG_CACHE_HOME || path.join(home, '.cache'), 'pypi-status');
}
