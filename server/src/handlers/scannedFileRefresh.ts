/** Keeping scanned files current while they are not open: re-reading them from disk, forgetting them, asking the client to watch them. */
import * as path from 'node:path';
import type { Connection, Disposable, FileSystemWatcher } from 'vscode-languageserver/node';
import { DidChangeWatchedFilesNotification } from 'vscode-languageserver/node';
import { fileKind } from '../core/analyze.js';
import type { ParsedFile } from '../core/types.js';
import { readDependencyFile, scanFile } from '../core/workspaceScan.js';
import { fileDiagnostics } from '../lsp/workspaceScan.js';
import { manifestLockFindings } from './lockContext.js';
import { globLiteral, pathToUri } from '../paths.js';
import { errorText } from '../session/log.js';
import type { Session } from '../session/session.js';

export class ScannedFileRefresh {
  /** The watchers registered for scanned files the client does not watch by their names. */
  private includeWatchers: { files: string; registration: Promise<Disposable> } | undefined;

  constructor(
    private readonly connection: Connection,
    private readonly session: Session,
  ) {}

  /** A scanned file that is no longer one: its diagnostics go (an open one keeps the editor's). */
  forget(file: string): void {
    const { scanned, documents } = this.session;
    scanned.supersedeRefresh(file);
    scanned.remove(file);
    scanned.dropIncludes(file);
    if (!documents.atPath(file)) void this.connection.sendDiagnostics({ uri: pathToUri(file), diagnostics: [] });
  }

  /** Re-reads a file that is not open and republishes its findings (or clears them if it is gone). */
  async refreshFromDisk(file: string): Promise<void> {
    const session = this.session;
    const { scanned, documents } = session;
    if (documents.atPath(file)) return;
    const uri = pathToUri(file);
    // Events come in bursts (created, then changed while being written): only the newest read publishes.
    const ticket = scanned.supersedeRefresh(file);
    const newest = () => scanned.refreshTicket(file) === ticket;
    // A file the scan reached through `-r`/`-c` is a requirements file whatever its name.
    const kind = fileKind(file) ?? 'requirements';
    let content: string | ParsedFile;
    try {
      content = await readDependencyFile(file, kind);
    } catch (e) {
      // Gone: its diagnostics go. Unreadable for now (a write under way, a lock): they stay.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return;
      scanned.remove(file);
      scanned.dropIncludes(file);
      if (newest()) await this.connection.sendDiagnostics({ uri, diagnostics: [] });
      return;
    }
    const current = session.settings;
    const result = await scanFile(file, content, session.sourceFor, current, kind, session.trusted);
    // A manifest is judged by its locks, as the scan judged it: refreshed alone, it would lose `transitive`.
    if (result) {
      const locks = await manifestLockFindings(session, file, kind, current, session.trusted);
      if (locks.transitive.length > 0) result.transitive = locks.transitive;
      result.parsed.problems.push(...locks.problems);
    }
    if (result && newest()) scanned.noteIncludes(file, result.parsed);
    if (result && newest() && !documents.atPath(file) && session.settings === current) {
      await this.connection.sendDiagnostics({ uri, diagnostics: fileDiagnostics(result, current, session.sourceFor(result.parsed, result.path)) });
    }
  }

  /**
   * Clients watch files by the names requirements files have (the VS Code client:
   * requirements*.txt, *.in, ...); a file the scan reached through `-r common.txt` has
   * none of them, so the server asks for its events itself, where the client lets it.
   */
  watchScannedIncludes(): void {
    if (!this.session.capabilities.fileWatching.dynamic) return;
    const log = this.session.log;
    const files = this.session.scanned
      .list()
      .filter((f) => !fileKind(f))
      .sort();
    const key = files.join('\n');
    if (key === (this.includeWatchers?.files ?? '')) return;
    const previous = this.includeWatchers;
    this.includeWatchers =
      files.length === 0
        ? undefined
        : {
            files: key,
            registration: this.connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: files.map((f) => this.watcherFor(f)) }),
          };
    void previous?.registration.then((r) => r.dispose()).catch((e: unknown) => log(`could not stop watching files: ${errorText(e)}`));
    this.includeWatchers?.registration.catch((e: unknown) => log(`could not watch included files: ${errorText(e)}`));
  }

  private watcherFor(file: string): FileSystemWatcher {
    if (this.session.capabilities.fileWatching.relativePatterns)
      return { globPattern: { baseUri: pathToUri(path.dirname(file)), pattern: globLiteral(path.basename(file)) } };
    return { globPattern: globLiteral(file.split(path.sep).join('/')) };
  }
}
