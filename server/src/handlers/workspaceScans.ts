/** The workspace scan that every scan request shares, its cancellation, and the re-check of everything after a change. */
import { LSPErrorCodes, ResponseError, type Connection, type WorkDoneProgressReporter } from 'vscode-languageserver/node';
import { localProjectNames, type ScannedFile } from '../core/workspaceScan.js';
import { releaseMemorySoon } from '../lsp/memory.js';
import { fileDiagnostics, runWorkspaceScan, toResponse } from '../lsp/workspaceScan.js';
import { isUnder, pathToUri } from '../paths.js';
import type { ScanResponse } from '../protocol.js';
import { errorText } from '../session/log.js';
import type { Session } from '../session/session.js';
import type { ScannedFileRefresh } from './scannedFileRefresh.js';
import type { DocumentChecks } from './validation.js';

/** A scan under way; `waiting` counts the requests for it not cancelled. */
export interface RunningScan {
  promise: Promise<ScanResponse>;
  stop: AbortController;
  reporters: Set<WorkDoneProgressReporter>;
  waiting: number;
}

export class WorkspaceScans {
  /** The scan running, which every scan request shares. */
  private running: RunningScan | undefined;

  constructor(
    private readonly connection: Connection,
    private readonly session: Session,
    private readonly checks: DocumentChecks,
    private readonly refresh: ScannedFileRefresh,
  ) {}

  /**
   * After a change of settings, trust or cache: the open documents, and, once the workspace has
   * been scanned, the scan again (its files' findings in the Problems panel would otherwise follow
   * the old settings, and new exclusions decide which files are scanned at all).
   */
  recheckAll(): void {
    if (this.session.shutDown) return;
    for (const doc of this.session.documents.all()) this.checks.schedule(doc, 0);
    if (this.session.scanned.size > 0) void this.shared().promise.catch((e: unknown) => this.session.log(`scan failed: ${errorText(e)}`));
  }

  /** At shutdown: the scan running stops. */
  stop(): void {
    this.running?.stop.abort();
  }

  /**
   * One scan at a time: a request made while one runs shares it and hears its progress. A
   * request that is cancelled answers at once; the scan itself stops when the last request
   * waiting for it is cancelled (the start-up scan, which no request waits for, runs to its end
   * unless a request joins it and is cancelled).
   */
  join(signal: AbortSignal, reporter: WorkDoneProgressReporter | undefined): Promise<ScanResponse> {
    const scan = this.shared();
    if (reporter) scan.reporters.add(reporter);
    scan.waiting++;
    return new Promise<ScanResponse>((resolve, reject) => {
      const leave = () => {
        signal.removeEventListener('abort', cancelled);
        if (reporter) scan.reporters.delete(reporter);
      };
      const cancelled = () => {
        leave();
        if (--scan.waiting > 0) {
          // Others still wait for this scan: only this request ends, as LSP asks of a cancelled one.
          reject(new ResponseError(LSPErrorCodes.RequestCancelled, 'the scan request was cancelled'));
          return;
        }
        // The last one: the scan stops and answers at once with what it found so far. A request
        // made from now on starts a scan of its own rather than join this stopped one.
        if (this.running === scan) this.running = undefined;
        scan.stop.abort();
        scan.promise.then(resolve, reject);
      };
      // The scan's outcome, or its failure as it is, once this request has left it.
      scan.promise.finally(leave).then(resolve, reject);
      if (signal.aborted) cancelled();
      else signal.addEventListener('abort', cancelled);
    });
  }

  /** The scan running, or a new one. */
  shared(): RunningScan {
    if (this.running) return this.running;
    const stop = new AbortController();
    const reporters = new Set<WorkDoneProgressReporter>();
    const outcome = { again: false };
    const scan: RunningScan = { promise: this.run(stop.signal, reporters, outcome), stop, reporters, waiting: 0 };
    this.running = scan;
    void scan.promise
      .finally(() => {
        if (this.running === scan) this.running = undefined;
        // A cancelled scan is not run again behind the user's back: the open documents are.
        if (outcome.again && !stop.signal.aborted) this.recheckAll();
        else if (outcome.again) for (const doc of this.session.documents.all()) this.checks.schedule(doc, 0);
      })
      .catch(() => undefined);
    return scan;
  }

  /** `outcome.again` says at the end whether the scan's files need checking again. */
  private async run(signal: AbortSignal, reporters: Set<WorkDoneProgressReporter>, outcome: { again: boolean }): Promise<ScanResponse> {
    const session = this.session;
    const { scanned, documents } = session;
    const current = session.settings;
    const wasTrusted = session.trusted;
    const started = Date.now();
    const before = new Set(scanned.list());
    // Files deleted, re-read or dropped with their folder while it ran: what it read of them is older.
    const tickets = scanned.refreshTickets();
    const foldersAtStart = [...session.folders];
    const overtaken = (file: string) =>
      scanned.refreshTicket(file) !== (tickets.get(file) ?? 0) ||
      (foldersAtStart.some((f) => isUnder(file, f)) && !session.folders.some((f) => isUnder(file, f)));
    // Each file's diagnostics go out as soon as its findings are complete, while the scan
    // waits for the index; what is left (a cancelled scan's files) goes at the end.
    const sent: Promise<void>[] = [];
    const published = new Set<string>();
    const publish = (file: ScannedFile) => {
      published.add(file.path);
      if (overtaken(file.path)) return;
      scanned.noteIncludes(file.path, file.parsed);
      const uri = pathToUri(file.path);
      // Kept up to date from disk once the editor lets go of it.
      scanned.add(file.path);
      if (documents.atPath(file.path)) return; // open documents publish their own, from the editor's text
      // Not awaited one by one: waiting for each write would cost a turn of the event loop per file.
      sent.push(this.connection.sendDiagnostics({ uri, diagnostics: fileDiagnostics(file, current, session.sourceFor(file.parsed, file.path)) }));
    };
    const result = await runWorkspaceScan(
      {
        folders: session.folders,
        exclude: [...session.configuration.filesExclude, ...current.exclude],
        openText: (file) => documents.atPath(file)?.getText(),
        signal,
        trusted: session.trusted,
        onProgress: (message, percentage) => {
          for (const reporter of reporters) reporter.report(percentage, message);
        },
        onFileDone: publish,
      },
      session.sourceFor,
      current,
    );
    if (!result.summary.cancelled) {
      session.projects.noteScanned(localProjectNames(result.files));
      for (const file of result.files) if (!published.has(file.path)) publish(file);
      // Files an earlier scan reached and this one did not (now excluded, in a virtual
      // environment, no longer included) are no longer scanned files.
      const reached = new Set(result.files.map((f) => f.path));
      for (const file of before) if (!reached.has(file) && scanned.has(file)) this.refresh.forget(file);
    }
    // A cancelled scan leaves the files it did not finish as they were: their dependencies not
    // looked up yet would otherwise read as clean.
    await Promise.all(sent);
    this.refresh.watchScannedIncludes();
    // Settings (or trust) changed while it ran: what it published follows the old ones, and its
    // lookups through the old index client were cut off. Its files are checked again once it is over.
    outcome.again = session.settings !== current || session.trusted !== wasTrusted;
    const response = toResponse(result);
    session.log(
      `scan: ${response.filesScanned} files, ${response.dependencies} dependencies, ${response.projects} projects, ${response.findings.length} findings in ${Date.now() - started} ms${response.cancelled ? ' (cancelled)' : ''}`,
    );
    releaseMemorySoon();
    return response;
  }
}
