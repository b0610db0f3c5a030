/** The files a workspace scan reached: their paths and folders, their `-r`/`-c` links, and the tickets of their re-reads. */
import * as path from 'node:path';
import { includeTarget } from '../core/workspaceScan.js';
import type { ParsedFile } from '../core/types.js';

export class ScannedFiles {
  /**
   * Paths of the files whose diagnostics came from a workspace scan (kept up to date when they
   * change on disk). Files are known by path, not URI: clients spell the same file's URI
   * differently (VS Code escapes `(`, `)`, `+` and a drive letter's `:`; Node's URLs do not).
   */
  private readonly scanned = new Set<string>();
  /** Every folder that holds a scanned file, at any depth: a deleted path that is none of them concerns no scanned file. */
  private scannedFolders: Set<string> | undefined;
  /** For each file a scanned file includes (`-r`/`-c`), the scanned files that include it, and the other way round. */
  private readonly includers = new Map<string, Set<string>>();
  private readonly includesOf = new Map<string, string[]>();
  /** Per file, the number of its latest re-read from disk (or deletion): an older read must not publish. */
  private readonly refreshes = new Map<string, number>();

  get size(): number {
    return this.scanned.size;
  }

  has(file: string): boolean {
    return this.scanned.has(file);
  }

  /** A copy: callers forget files while they go through it. */
  list(): string[] {
    return [...this.scanned];
  }

  add(file: string): void {
    if (!this.scanned.has(file)) this.scannedFolders = undefined;
    this.scanned.add(file);
  }

  remove(file: string): void {
    if (this.scanned.delete(file)) this.scannedFolders = undefined;
  }

  /** Whether `dir` holds a scanned file, at any depth. */
  holds(dir: string): boolean {
    if (!this.scannedFolders) {
      this.scannedFolders = new Set();
      for (const file of this.scanned) {
        for (let d = path.dirname(file); !this.scannedFolders.has(d); d = path.dirname(d)) {
          this.scannedFolders.add(d);
          if (path.dirname(d) === d) break;
        }
      }
    }
    return this.scannedFolders.has(dir);
  }

  /** The files (scanned once, maybe not any more) that include `file`. */
  includersOf(file: string): ReadonlySet<string> {
    return this.includers.get(file) ?? new Set();
  }

  dropIncludes(file: string): void {
    for (const target of this.includesOf.get(file) ?? []) this.includers.get(target)?.delete(file);
    this.includesOf.delete(file);
  }

  noteIncludes(file: string, parsed: ParsedFile): void {
    this.dropIncludes(file);
    const targets = parsed.includes.map((inc) => includeTarget(inc.path, file)).filter((t): t is string => typeof t === 'string');
    this.includesOf.set(file, targets);
    for (const target of targets) {
      let set = this.includers.get(target);
      if (!set) this.includers.set(target, (set = new Set()));
      set.add(file);
    }
  }

  /** Makes any re-read of the file still running stale, and returns the ticket of the next one. */
  supersedeRefresh(file: string): number {
    const ticket = (this.refreshes.get(file) ?? 0) + 1;
    this.refreshes.set(file, ticket);
    return ticket;
  }

  /** The ticket of the file's latest re-read (0 if none). */
  refreshTicket(file: string): number {
    return this.refreshes.get(file) ?? 0;
  }

  /** The tickets of now, to tell later which files were re-read since. */
  refreshTickets(): ReadonlyMap<string, number> {
    return new Map(this.refreshes);
  }
}
