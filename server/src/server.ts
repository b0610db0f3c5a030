#!/usr/bin/env node
/**
 * The language server: LSP over stdio (`--stdio`) or Node IPC (`--node-ipc`).
 * Glue only: documents go through the core pipeline and come back as
 * diagnostics, hovers and document links.
 */
import * as path from 'node:path';
import {
  createConnection,
  ProposedFeatures,
  DidChangeConfigurationNotification,
  FileChangeType,
  TextDocuments,
  TextDocumentSyncKind,
  WorkDoneProgressReporter,
  type WorkDoneProgressServerReporter,
  CodeActionKind,
  type CodeAction,
  type Connection,
  type DocumentLink,
  type Hover,
  type InitializeParams,
  ErrorCodes,
  LSPErrorCodes,
  ResponseError,
  DidChangeWatchedFilesNotification,
  type Disposable,
  type FileSystemWatcher,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { fileKind, lookedUp, parseDocument, type AnalyzedDependency, type FileKind } from './core/analyze.js';
import { createIndexEnvironment, type IndexEnvironment } from './core/environment.js';
import { findAlternatives, ORIGIN_LABEL } from './core/alternatives.js';
import { findingsFor, gatherFacts, incompleteReason, peekFacts, type DependencyFacts } from './core/findings.js';
import { hoverMarkdown, hoverPlainText } from './core/hover.js';
import type { IndexSource } from './core/pypi/client.js';
import { redactUrl } from './core/redact.js';
import { resolveSettings, type Settings } from './core/settings.js';
import type { Dependency, ParsedFile, ParseProblem, Position, Range } from './core/types.js';
import { VERSION } from './core/version.js';
import { codeActions, REPLACEABLE, type DependencyInFile } from './lsp/codeActions.js';
import { toDiagnostics } from './lsp/diagnostics.js';
import { fileDiagnostics, runWorkspaceScan, toResponse } from './lsp/workspaceScan.js';
import { followIncludes, includeTarget, isScannable, readDependencyFile, scanFile, type ScannedFile } from './core/workspaceScan.js';
import { releaseMemorySoon } from './lsp/memory.js';
import { globLiteral, isUnder, pathToUri, uriPath, uriToPath } from './paths.js';
import {
  ADD_TO_IGNORE_COMMAND,
  CLEAR_CACHE_COMMAND,
  CONFIGURATION_SECTION,
  DIAGNOSTIC_SOURCE,
  SCAN_COMMAND,
  TRUST_NOTIFICATION,
  type InitializationOptions,
  type ScanResponse,
} from './protocol.js';

const EDIT_DEBOUNCE_MS = 150;
/**
 * A document whose lookups failed is re-checked no sooner than this, whatever the back-off
 * says, and each further failed re-check of the same text waits twice as long, up to RETRY_MAX_MS:
 * an answer such as 403, which sets no back-off for the index, must not mean a re-check every second.
 */
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 10 * 60_000;
/** The longest a hover waits for the index before answering with what is known. */
const HOVER_DEADLINE_MS = 80;
/** The longest code actions wait for the index (a replacement needs its answers; ignoring does not). */
const CODE_ACTION_DEADLINE_MS = 2000;
/** While a cold analysis runs, findings so far are published this often. */
const PARTIAL_PUBLISH_MS = 500;
const PRUNE_DELAY_MS = 60_000;

interface DocumentState {
  version: number;
  kind: FileKind;
  parsed: ParsedFile;
  timer?: NodeJS.Timeout;
  /** Re-checks of this text so far after failed lookups. */
  retries?: number;
  /** Its `-r`/`-c` includes that cannot be followed, checked on disk once per text. */
  includeProblems?: Promise<ParseProblem[]>;
}

export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  const states = new Map<string, DocumentState>();
  let settings: Settings = resolveSettings({});
  let env: IndexEnvironment | undefined;
  let proxy: { url?: string; strictSSL?: boolean } = {};
  let configurationPull = false;
  let dynamicConfiguration = false;
  let initOptions: unknown;
  let clientCommands = new Set<string>();
  /** Whether the user trusts the workspace's files (VS Code workspace trust; other clients say so in initializationOptions). */
  let trusted = false;
  let folders: string[] = [];
  let filesExclude: string[] = [];
  let progressSupport = false;
  /** How the client lets the server ask for file events beyond the ones it watches by itself. */
  let fileWatching: { dynamic: boolean; relativePatterns: boolean } = { dynamic: false, relativePatterns: false };
  /** The watchers registered for scanned files the client does not watch by their names. */
  let includeWatchers: { files: string; registration: Promise<Disposable> } | undefined;
  /**
   * Paths of the files whose diagnostics came from a workspace scan (kept up to date when they
   * change on disk). Files are known by path, not URI: clients spell the same file's URI
   * differently (VS Code escapes `(`, `)`, `+` and a drive letter's `:`; Node's URLs do not).
   */
  const scanned = new Set<string>();
  /** Every folder that holds a scanned file, at any depth: a deleted path that is none of them concerns no scanned file. */
  let scannedFolders: Set<string> | undefined;
  const addScanned = (file: string) => {
    if (!scanned.has(file)) scannedFolders = undefined;
    scanned.add(file);
  };
  const removeScanned = (file: string) => {
    if (scanned.delete(file)) scannedFolders = undefined;
  };
  const holdsScanned = (dir: string): boolean => {
    if (!scannedFolders) {
      scannedFolders = new Set();
      for (const file of scanned) {
        for (let d = path.dirname(file); !scannedFolders.has(d); d = path.dirname(d)) {
          scannedFolders.add(d);
          if (path.dirname(d) === d) break;
        }
      }
    }
    return scannedFolders.has(dir);
  };
  /** For each file a scanned file includes (`-r`/`-c`), the scanned files that include it, and the other way round. */
  const includers = new Map<string, Set<string>>();
  const includesOf = new Map<string, string[]>();
  const dropIncludes = (file: string) => {
    for (const target of includesOf.get(file) ?? []) includers.get(target)?.delete(file);
    includesOf.delete(file);
  };
  const noteIncludes = (file: string, parsed: ParsedFile) => {
    dropIncludes(file);
    const targets = parsed.includes.map((inc) => includeTarget(inc.path, file)).filter((t): t is string => typeof t === 'string');
    includesOf.set(file, targets);
    for (const target of targets) {
      let set = includers.get(target);
      if (!set) includers.set(target, (set = new Set()));
      set.add(file);
    }
  };
  /** Open documents by path, with the URI the client gave each. */
  const openByPath = new Map<string, string>();
  let clientHasFolders = false;
  /** Clients that say which hover formats they render and leave out Markdown get plain text. */
  let hoverFormat: 'markdown' | 'plaintext' = 'markdown';
  let shutDown = false;
  /** At most one pending re-check per open document, for its current text. */
  const retries = new Map<string, { state: DocumentState; timer: NodeJS.Timeout }>();
  /** The scan running, which every scan request shares; `waiting` counts the requests not cancelled. */
  let scanRunning: { promise: Promise<ScanResponse>; stop: AbortController; reporters: Set<WorkDoneProgressReporter>; waiting: number } | undefined;
  // Nothing is looked up before the user's settings are known: a private index
  // user's dependency names must never reach the default index first.
  let settingsLoaded!: () => void;
  const ready = new Promise<void>((resolve) => (settingsLoaded = resolve));

  const log = (message: string) => connection.console.log(`[${new Date().toISOString()}] ${message}`);
  const warn = (message: string) => connection.console.warn(message);

  function environment(): IndexEnvironment {
    if (!env) {
      const options: Parameters<typeof createIndexEnvironment>[1] = { log };
      if (proxy.url) options.proxy = proxy.url;
      if (proxy.strictSSL !== undefined) options.proxyStrictSSL = proxy.strictSSL;
      env = createIndexEnvironment(settings, options);
      // Housekeeping of the shared disk cache, once the start-up work is over (at most daily across processes).
      const cache = env.cache;
      setTimeout(() => {
        void cache.prune().then((r) => r && r.removed > 0 && log(`cache: removed ${r.removed} old entries, ${r.kept} kept`));
      }, PRUNE_DELAY_MS).unref();
      const index = settings.indexUnusable ? `unusable (${settings.indexUnusable}): nothing is looked up` : redactUrl(settings.indexUrl);
      log(`index ${index}; JSON API ${settings.jsonApiUrl ? redactUrl(settings.jsonApiUrl) : 'off'}; cache ${settings.cacheDirectory ?? 'memory only'}`);
    }
    return env;
  }

  /** Closing the index client of old settings must not stop the new ones from applying. */
  async function closeEnvironment(old: IndexEnvironment | undefined): Promise<void> {
    await old?.close().catch((e: unknown) => log(`closing the index client failed: ${errorText(e)}`));
  }

  /** What the checks depend on, to tell a configuration change that matters from one that does not. */
  function configurationKey(): string {
    return JSON.stringify([settings, proxy, filesExclude], (_key, value: unknown) => (value instanceof Map || value instanceof Set ? [...value] : value));
  }

  let loading: Promise<boolean> = Promise.resolve(false);
  /**
   * Reads the configuration; true when it changed what the checks depend on (the index client is
   * then replaced). One read at a time: VS Code's client sends a change notification as soon as
   * the server registers for it, while the first read may still be waiting for its answer.
   */
  function loadSettings(): Promise<boolean> {
    loading = loading.catch(() => false).then(readSettings);
    return loading;
  }

  async function readSettings(): Promise<boolean> {
    const before = configurationKey();
    const previous = settings;
    let raw: unknown = initOptions;
    if (configurationPull) {
      try {
        const [section, http, files] = (await connection.workspace.getConfiguration([
          { section: CONFIGURATION_SECTION },
          { section: 'http' },
          { section: 'files' },
        ])) as unknown[];
        const exclude = (files as { exclude?: unknown } | null)?.exclude;
        filesExclude =
          typeof exclude === 'object' && exclude !== null
            ? Object.entries(exclude).filter(([, on]) => on === true).map(([glob]) => glob)
            : [];
        // The client's current configuration wins whole; initializationOptions are for clients that have none.
        raw = typeof section === 'object' && section !== null ? section : initOptions;
        const h = (http ?? {}) as { proxy?: unknown; proxyStrictSSL?: unknown };
        proxy = {};
        if (typeof h.proxy === 'string' && h.proxy) proxy.url = h.proxy;
        if (typeof h.proxyStrictSSL === 'boolean') proxy.strictSSL = h.proxyStrictSSL;
      } catch (e) {
        warn(`could not read the configuration: ${String(e)}`);
      }
    }
    settings = resolveSettings(raw, warn);
    // Unchanged, the settings object stays the same: checks under way compare it to tell they are current.
    if (configurationKey() === before) {
      settings = previous;
      return false;
    }
    const old = env;
    env = undefined;
    await closeEnvironment(old);
    return true;
  }

  connection.onInitialize((params: InitializeParams) => {
    initOptions = unwrapInitOptions(params.initializationOptions);
    configurationPull = params.capabilities?.workspace?.configuration === true;
    dynamicConfiguration = params.capabilities?.workspace?.didChangeConfiguration?.dynamicRegistration === true;
    // What the client says, unchecked: each field is tested before it is used.
    const init = params.initializationOptions as { [K in keyof InitializationOptions]?: unknown } | undefined;
    trusted = init?.trusted === true;
    if (Array.isArray(init?.clientCommands)) clientCommands = new Set(init.clientCommands.filter((c): c is string => typeof c === 'string'));
    if (typeof init?.httpProxy === 'string' && init.httpProxy) proxy.url = init.httpProxy;
    if (typeof init?.httpProxyStrictSSL === 'boolean') proxy.strictSSL = init.httpProxyStrictSSL;
    settings = resolveSettings(initOptions, warn);
    progressSupport = params.capabilities?.window?.workDoneProgress === true;
    const watched = params.capabilities?.workspace?.didChangeWatchedFiles;
    fileWatching = { dynamic: watched?.dynamicRegistration === true, relativePatterns: watched?.relativePatternSupport === true };
    if (!configurationPull) settingsLoaded();
    clientHasFolders = params.capabilities?.workspace?.workspaceFolders === true;
    const formats = params.capabilities?.textDocument?.hover?.contentFormat;
    if (Array.isArray(formats) && formats.length > 0 && !formats.includes('markdown')) hoverFormat = 'plaintext';
    folders = (params.workspaceFolders ?? []).map((f) => uriToPath(f.uri)).filter((f): f is string => f !== undefined);
    if (folders.length === 0 && params.rootUri) folders = [uriToPath(params.rootUri)].filter((f): f is string => f !== undefined);
    return {
      capabilities: {
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        documentLinkProvider: { resolveProvider: false },
        // A client that runs a command itself (VS Code's shows the scan's progress its own way) registers it.
        executeCommandProvider: { commands: [CLEAR_CACHE_COMMAND, SCAN_COMMAND].filter((c) => !clientCommands.has(c)) },
      },
      serverInfo: { name: 'pypi-status', version: VERSION },
    };
  });

  connection.onInitialized(async () => {
    // Clients send didChangeConfiguration only to servers that register for it.
    // For these sections only: VS Code's client otherwise sends a notification for any setting of any extension.
    if (dynamicConfiguration) void connection.client.register(DidChangeConfigurationNotification.type, { section: [CONFIGURATION_SECTION, 'http', 'files'] });
    // Before anything is awaited, so that no change is missed; the library throws for clients
    // that do not announce folder support (they have none to change).
    if (clientHasFolders) connection.workspace.onDidChangeWorkspaceFolders((e) => changeFolders(e.added, e.removed));
    if (configurationPull) {
      await loadSettings();
      settingsLoaded();
    }
    if (settings.scanOnStartup && folders.length > 0) {
      void sharedScan().promise.catch((e: unknown) => log(`start-up scan failed: ${errorText(e)}`));
    }
  });

  function changeFolders(added: readonly { uri: string }[], removed: readonly { uri: string }[]): void {
    const gone = removed.map((f) => uriToPath(f.uri)).filter((f): f is string => f !== undefined);
    folders = folders.filter((f) => !gone.includes(f)).concat(added.map((f) => uriToPath(f.uri)).filter((f): f is string => f !== undefined));
    // The files of a folder that left the workspace leave the Problems panel, unless another folder holds them.
    for (const file of [...scanned]) {
      if (gone.some((g) => isUnder(file, g)) && !folders.some((f) => isUnder(file, f))) forget(file);
    }
  }

  /** A scanned file that is no longer one: its diagnostics go (an open one keeps the editor's). */
  function forget(file: string): void {
    supersedeRefresh(file);
    removeScanned(file);
    dropIncludes(file);
    if (!openDoc(file)) void connection.sendDiagnostics({ uri: pathToUri(file), diagnostics: [] });
  }

  function openDoc(file: string): TextDocument | undefined {
    const uri = openByPath.get(file);
    return uri === undefined ? undefined : documents.get(uri);
  }

  connection.onDidChangeConfiguration(async (change) => {
    if (!configurationPull) {
      // The settings pushed are the whole section: a setting removed there is removed here.
      const raw = (change.settings as { pypiStatus?: unknown } | null)?.pypiStatus;
      if (typeof raw === 'object' && raw !== null) initOptions = raw;
    }
    if (await loadSettings()) recheckAll();
  });

  // TextDocuments reports an opened document as a content change too: one handler, so an
  // open is validated once (at once), and edits after it are debounced.
  documents.onDidChangeContent((e) => {
    const state = states.get(e.document.uri);
    if (state?.version === e.document.version) return;
    schedule(e.document, state ? EDIT_DEBOUNCE_MS : 0);
  });
  documents.onDidOpen((e) => {
    const file = uriToPath(e.document.uri);
    if (file) openByPath.set(file, e.document.uri);
    // A document opened again may start at the same version with another text.
    const state = states.get(e.document.uri);
    if (state?.timer) clearTimeout(state.timer);
    states.delete(e.document.uri);
  });
  documents.onDidClose((e) => {
    const file = uriToPath(e.document.uri);
    if (file && openByPath.get(file) === e.document.uri) openByPath.delete(file);
    const state = states.get(e.document.uri);
    if (state?.timer) clearTimeout(state.timer);
    states.delete(e.document.uri);
    const retry = retries.get(e.document.uri);
    if (retry) clearTimeout(retry.timer);
    retries.delete(e.document.uri);
    // A scanned file keeps its findings from the file on disk once the editor lets go of it.
    if (file && scanned.has(file)) void refreshFromDisk(file);
    else void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  /**
   * Clients watch files by the names requirements files have (the VS Code client:
   * requirements*.txt, *.in, ...); a file the scan reached through `-r common.txt` has
   * none of them, so the server asks for its events itself, where the client lets it.
   */
  function watchScannedIncludes(): void {
    if (!fileWatching.dynamic) return;
    const files = [...scanned].filter((f) => !fileKind(f)).sort();
    const key = files.join('\n');
    if (key === (includeWatchers?.files ?? '')) return;
    const previous = includeWatchers;
    includeWatchers =
      files.length === 0
        ? undefined
        : { files: key, registration: connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: files.map(watcherFor) }) };
    void previous?.registration.then((r) => r.dispose()).catch((e: unknown) => log(`could not stop watching files: ${errorText(e)}`));
    includeWatchers?.registration.catch((e: unknown) => log(`could not watch included files: ${errorText(e)}`));
  }

  function watcherFor(file: string): FileSystemWatcher {
    if (fileWatching.relativePatterns) return { globPattern: { baseUri: pathToUri(path.dirname(file)), pattern: globLiteral(path.basename(file)) } };
    return { globPattern: globLiteral(file.split(path.sep).join('/')) };
  }

  /** Re-reads a file that is not open and republishes its findings (or clears them if it is gone). */
  async function refreshFromDisk(file: string): Promise<void> {
    if (openDoc(file)) return;
    const uri = pathToUri(file);
    // Events come in bursts (created, then changed while being written): only the newest read publishes.
    const ticket = supersedeRefresh(file);
    const newest = () => refreshes.get(file) === ticket;
    // A file the scan reached through `-r`/`-c` is a requirements file whatever its name.
    const kind = fileKind(file) ?? 'requirements';
    let content: string | ParsedFile;
    try {
      content = await readDependencyFile(file, kind);
    } catch (e) {
      // Gone: its diagnostics go. Unreadable for now (a write under way, a lock): they stay.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return;
      removeScanned(file);
      dropIncludes(file);
      if (newest()) await connection.sendDiagnostics({ uri, diagnostics: [] });
      return;
    }
    const current = settings;
    const result = await scanFile(file, content, sourceFor, current, kind, trusted);
    if (result && newest()) noteIncludes(file, result.parsed);
    if (result && newest() && !openDoc(file) && settings === current) await connection.sendDiagnostics({ uri, diagnostics: fileDiagnostics(result, current, sourceFor(result.parsed)) });
  }
  const refreshes = new Map<string, number>();
  /**
   * After a change of settings, trust or cache: the open documents, and, once the workspace has
   * been scanned, the scan again (its files' findings in the Problems panel would otherwise follow
   * the old settings, and new exclusions decide which files are scanned at all).
   */
  function recheckAll(): void {
    if (shutDown) return;
    for (const doc of documents.all()) schedule(doc, 0);
    if (scanned.size > 0) void sharedScan().promise.catch((e: unknown) => log(`scan failed: ${errorText(e)}`));
  }

  /** Makes any re-read of the file still running stale, and returns the ticket of the next one. */
  function supersedeRefresh(file: string): number {
    const ticket = (refreshes.get(file) ?? 0) + 1;
    refreshes.set(file, ticket);
    return ticket;
  }

  /** Open documents that include `file` or a file under it (`-r`/`-c`): whether it can be followed may have changed. */
  function recheckIncluders(file: string): void {
    for (const doc of documents.all()) {
      const state = states.get(doc.uri);
      const from = uriToPath(doc.uri);
      const affected = (inc: { path: string }) => {
        const target = includeTarget(inc.path, from!);
        return typeof target === 'string' && (target === file || isUnder(target, file));
      };
      if (!state || !from || !state.parsed.includes.some(affected)) continue;
      delete state.includeProblems;
      void validate(doc.uri, state).catch((e: unknown) => log(`validation failed for ${doc.uri}: ${errorText(e)}`));
    }
  }

  connection.onNotification(TRUST_NOTIFICATION, () => {
    if (trusted) return;
    trusted = true;
    log('the workspace is now trusted: index options in its files are used');
    recheckAll();
  });

  connection.onDidChangeWatchedFiles((params) => {
    for (const change of params.changes) {
      const file = uriToPath(change.uri);
      if (!file) continue;
      recheckIncluders(file);
      // Scanned files that include it: whether their includes can be followed may have changed.
      for (const includer of includers.get(file) ?? []) {
        if (scanned.has(includer)) void refreshFromDisk(includer).catch((e: unknown) => log(`refresh of ${includer} failed: ${errorText(e)}`));
      }
      if (openDoc(file)) continue; // the editor's text wins while the file is open
      if (change.type === FileChangeType.Deleted) {
        supersedeRefresh(file); // a scan under way that read it must not publish it
        if (scanned.has(file)) forget(file);
        // For a deleted folder, clients report the folder alone: the files under it go too. (Every
        // deletion in the workspace comes here: the walk is only for a folder that holds some.)
        else if (holdsScanned(file)) for (const gone of [...scanned]) if (isUnder(gone, file)) forget(gone);
        if (fileKind(file)) void connection.sendDiagnostics({ uri: change.uri, diagnostics: [] });
        continue;
      }
      // A scanned file may have any name (a `-r common.txt` include); other files count by their names.
      const included = [...(includers.get(file) ?? [])].some((f) => scanned.has(f));
      if (scanned.has(file) || included) {
        if (!scanned.has(file)) {
          addScanned(file);
          watchScannedIncludes();
        }
        void refreshFromDisk(file).catch((e: unknown) => log(`refresh of ${file} failed: ${errorText(e)}`));
      } else if (fileKind(file) && scanned.size > 0) {
        // Created, or changed while the check of its creation was still running (so not in
        // `scanned` yet): a new file joins the scanned set only if the scan would have found it.
        void isScannable(file, folders, [...filesExclude, ...settings.exclude])
          .then(async (yes) => {
            if (!yes) return;
            addScanned(file);
            await refreshFromDisk(file);
          })
          .catch((e: unknown) => log(`refresh of ${file} failed: ${errorText(e)}`));
      }
    }
  });

  /**
   * One scan at a time: a request made while one runs shares it and hears its progress. A
   * request that is cancelled answers at once; the scan itself stops when the last request
   * waiting for it is cancelled (the start-up scan, which no request waits for, runs to its end
   * unless a request joins it and is cancelled).
   */
  function startScan(signal: AbortSignal, reporter: WorkDoneProgressReporter | undefined): Promise<ScanResponse> {
    const scan = sharedScan();
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
        if (scanRunning === scan) scanRunning = undefined;
        scan.stop.abort();
        scan.promise.then(resolve, reject);
      };
      scan.promise.then(
        (response) => {
          leave();
          resolve(response);
        },
        (e: unknown) => {
          leave();
          reject(e);
        },
      );
      if (signal.aborted) cancelled();
      else signal.addEventListener('abort', cancelled);
    });
  }

  function sharedScan(): NonNullable<typeof scanRunning> {
    if (scanRunning) return scanRunning;
    const stop = new AbortController();
    const reporters = new Set<WorkDoneProgressReporter>();
    let again = false;
    const run = async (): Promise<ScanResponse> => {
      const current = settings;
      const wasTrusted = trusted;
      const started = Date.now();
      const before = new Set(scanned);
      // Files deleted, re-read or dropped with their folder while it ran: what it read of them is older.
      const tickets = new Map(refreshes);
      const foldersAtStart = [...folders];
      const overtaken = (file: string) =>
        (refreshes.get(file) ?? 0) !== (tickets.get(file) ?? 0) ||
        (foldersAtStart.some((f) => isUnder(file, f)) && !folders.some((f) => isUnder(file, f)));
      // Each file's diagnostics go out as soon as its findings are complete, while the scan
      // waits for the index; what is left (a cancelled scan's files) goes at the end.
      const sent: Promise<void>[] = [];
      const published = new Set<string>();
      const publish = (file: ScannedFile) => {
        published.add(file.path);
        if (overtaken(file.path)) return;
        noteIncludes(file.path, file.parsed);
        const uri = pathToUri(file.path);
        // Kept up to date from disk once the editor lets go of it.
        addScanned(file.path);
        if (openDoc(file.path)) return; // open documents publish their own, from the editor's text
        // Not awaited one by one: waiting for each write would cost a turn of the event loop per file.
        sent.push(connection.sendDiagnostics({ uri, diagnostics: fileDiagnostics(file, current, sourceFor(file.parsed)) }));
      };
      const result = await runWorkspaceScan(
        {
          folders,
          exclude: [...filesExclude, ...current.exclude],
          openText: (file) => openDoc(file)?.getText(),
          signal: stop.signal,
          trusted,
          onProgress: (message, percentage) => {
            for (const reporter of reporters) reporter.report(percentage, message);
          },
          onFileDone: publish,
        },
        sourceFor,
        current,
      );
      if (!result.summary.cancelled) {
        for (const file of result.files) if (!published.has(file.path)) publish(file);
        // Files an earlier scan reached and this one did not (now excluded, in a virtual
        // environment, no longer included) are no longer scanned files.
        const reached = new Set(result.files.map((f) => f.path));
        for (const file of before) if (!reached.has(file) && scanned.has(file)) forget(file);
      }
      // A cancelled scan leaves the files it did not finish as they were: their dependencies not
      // looked up yet would otherwise read as clean.
      await Promise.all(sent);
      watchScannedIncludes();
      // Settings (or trust) changed while it ran: what it published follows the old ones, and its
      // lookups through the old index client were cut off. Its files are checked again once it is over.
      again = settings !== current || trusted !== wasTrusted;
      const response = toResponse(result);
      log(`scan: ${response.filesScanned} files, ${response.dependencies} dependencies, ${response.projects} projects, ${response.findings.length} findings in ${Date.now() - started} ms${response.cancelled ? ' (cancelled)' : ''}`);
      releaseMemorySoon();
      return response;
    };
    const scan = { promise: run(), stop, reporters, waiting: 0 };
    scanRunning = scan;
    void scan.promise
      .finally(() => {
        if (scanRunning === scan) scanRunning = undefined;
        // A cancelled scan is not run again behind the user's back: the open documents are.
        if (again && !stop.signal.aborted) recheckAll();
        else if (again) for (const doc of documents.all()) schedule(doc, 0);
      })
      .catch(() => undefined);
    return scan;
  }

  function parse(doc: TextDocument): DocumentState | undefined {
    const kind = fileKind(uriPath(doc.uri), doc.languageId);
    if (!kind) return undefined;
    const existing = states.get(doc.uri);
    if (existing && existing.version === doc.version) return existing;
    const state: DocumentState = { version: doc.version, kind, parsed: parseDocument(kind, doc.getText()) };
    if (existing?.timer) state.timer = existing.timer;
    states.set(doc.uri, state);
    return state;
  }

  function schedule(doc: TextDocument, delay: number): void {
    const previous = states.get(doc.uri);
    if (previous?.timer) clearTimeout(previous.timer);
    const run = () => {
      const state = parse(doc);
      if (state) {
        delete state.timer;
        void validate(doc.uri, state).catch((e: unknown) => log(`validation failed for ${doc.uri}: ${errorText(e)}`));
      }
    };
    if (delay === 0) return run();
    if (previous) previous.timer = setTimeout(run, delay);
    else setTimeout(run, delay);
  }

  async function validate(uri: string, state: DocumentState): Promise<void> {
    await ready;
    if (shutDown) return;
    const current = settings;
    const wasTrusted = trusted;
    const client = sourceFor(state.parsed);
    // Granting trust re-checks the same text against the index its file names: the check begun before is stale.
    const isCurrent = () => states.get(uri) === state && settings === current && trusted === wasTrusted;
    const deps = state.parsed.dependencies.filter((d) => lookedUp(d, current, wasTrusted));
    // An include that cannot be followed is shown on its line, as a scan shows it.
    const file = uriToPath(uri);
    const includeProblems = file && state.parsed.includes.length > 0 ? await (state.includeProblems ??= followIncludes(state.parsed, file).then((r) => r.problems)) : [];
    const shown = includeProblems.length > 0 ? { ...state.parsed, problems: [...state.parsed.problems, ...includeProblems] } : state.parsed;
    // Indexed like `deps`, so diagnostics come out in document order whatever order answers arrive in.
    const results: (AnalyzedDependency | undefined)[] = new Array(deps.length);
    const analyzed = (i: number, facts: DependencyFacts) => (results[i] = { dependency: deps[i]!, facts, findings: findingsFor(deps[i]!, facts) });
    const publish = () => {
      if (!isCurrent()) return;
      const known = results.filter((r): r is AnalyzedDependency => r !== undefined);
      void connection.sendDiagnostics({ uri, version: state.version, diagnostics: toDiagnostics(shown, known, current, client) });
    };
    // What the cache already knows (memory, or disk after a restart) is used at once, without a promise:
    // an edit pays only for the dependencies it changed.
    const pending: number[] = [];
    deps.forEach((dep, i) => {
      const facts = peekFacts(dep, client);
      if (facts) analyzed(i, facts);
      else pending.push(i);
    });
    if (pending.length === 0) return publish();

    // Statuses come from the simple API alone: they are published as soon as all are known,
    // before the JSON API's answers (vulnerabilities, the inactive classifier) complete the picture.
    let statusesLeft = pending.length;
    let finished = false;
    const partial = setInterval(() => !finished && publish(), PARTIAL_PUBLISH_MS);
    try {
      await Promise.all(
        pending.map(async (i) => {
          const facts = await gatherFacts(deps[i]!, client, (early) => {
            analyzed(i, early);
            if (--statusesLeft === 0 && client.hasJsonApi) publish();
          });
          analyzed(i, facts);
        }),
      );
    } finally {
      finished = true;
      clearInterval(partial);
    }
    publish();
    // Lookups the index could not answer are tried again by themselves once its back-off is over.
    // (An old answer shown because the index failed counts too; a release never asked for does not.)
    const failed = results.some((d) => d !== undefined && incompleteReason(d.facts) !== undefined);
    if (failed && isCurrent()) scheduleRetry(uri, state, client.retryDelay());
  }

  function scheduleRetry(uri: string, state: DocumentState, delay: number): void {
    if (shutDown) return;
    const pending = retries.get(uri);
    if (pending?.state === state) return;
    // A re-check pending for an older text would find it gone and do nothing: this text needs its own.
    if (pending) clearTimeout(pending.timer);
    const attempt = state.retries ?? 0;
    state.retries = attempt + 1;
    const backoff = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** attempt);
    const timer = setTimeout(() => {
      retries.delete(uri);
      const doc = documents.get(uri);
      if (doc && states.get(uri) === state) void validate(uri, state).catch((e: unknown) => log(`retry failed for ${uri}: ${errorText(e)}`));
    }, Math.max(backoff, delay + 50));
    timer.unref();
    retries.set(uri, { state, timer });
  }

  /** LSP: after `shutdown`, every request but `exit` is an error. */
  function notShutDown(): void {
    if (shutDown) throw new ResponseError(ErrorCodes.InvalidRequest, 'the server is shutting down');
  }

  connection.onHover(async (params): Promise<Hover | null> => {
    notShutDown();
    await ready;
    const doc = documents.get(params.textDocument.uri);
    if (!doc) return null;
    const state = parse(doc);
    if (!state) return null;
    const dep = dependencyAt(state.parsed, params.position);
    if (!dep || dep.url !== undefined) return null;
    if (dep.nameFromEnvironment && !trusted) {
      return { contents: { kind: hoverFormat, value: 'This name comes from an environment variable: it is looked up only in a trusted workspace.' }, range: dep.nameRange };
    }
    try {
      const source = sourceFor(state.parsed);
      // A hover answers at once: if the index is slow or hanging, it says so instead of waiting.
      const pending: DependencyFacts = { project: { state: 'unknown', reason: 'the index has not answered yet; hover again in a moment' } };
      const deadline = Date.now() + HOVER_DEADLINE_MS;
      const facts = (await withDeadline(gatherFacts(dep, source), HOVER_DEADLINE_MS)) ?? pending;
      const alternatives = ((await withDeadline(alternativesIfFlagged(dep, facts, source), Math.max(0, deadline - Date.now()))) ?? []).map((alt) => ({
        name: alt.name,
        origin: ORIGIN_LABEL[alt.origin],
      }));
      // The page on the index that answered (an unusable index has none).
      const page = source.projectPage(dep.name);
      const ctx = page ? { projectPage: page, alternatives } : { alternatives };
      const value = hoverFormat === 'markdown' ? hoverMarkdown(dep, facts, ctx) : hoverPlainText(dep, facts, ctx);
      return { contents: { kind: hoverFormat, value }, range: dep.nameRange };
    } catch (e) {
      log(`hover failed: ${errorText(e)}`);
      return null;
    }
  });

  /** Alternatives matter only for a dependency flagged with a finding that another project fixes. */
  async function alternativesIfFlagged(dep: Dependency, facts: DependencyFacts, source: IndexSource) {
    const replaceable = findingsFor(dep, facts).some((f) => REPLACEABLE.has(f.code));
    return replaceable ? findAlternatives(dep.name, facts, settings, source) : [];
  }

  /** The index for a document: its own index options only in a trusted workspace. */
  function sourceFor(parsed: ParsedFile): IndexSource {
    return environment().pool.sourceFor(parsed, trusted);
  }

  connection.onCodeAction(async (params, token): Promise<CodeAction[]> => {
    notShutDown();
    await ready;
    const doc = documents.get(params.textDocument.uri);
    const state = doc && parse(doc);
    if (!doc || !state) return [];
    const dep = state.parsed.dependencies.find((d) => d.url === undefined && overlaps(d.nameRange, params.range));
    if (!dep) return [];
    try {
      const diagnostics = params.context.diagnostics.filter((d) => d.source === DIAGNOSTIC_SOURCE && overlaps(d.range, dep.nameRange));
      const source = sourceFor(state.parsed);
      // A lightbulb is asked for at every move of the cursor: it answers within a deadline (or at
      // a cancellation) with what is known, and the lookups go on to fill the cache.
      const cancelled = new Promise<undefined>((resolve) => token.onCancellationRequested(() => resolve(undefined)));
      const within = <T>(work: Promise<T>) => Promise.race([withDeadline(work, CODE_ACTION_DEADLINE_MS), cancelled]);
      const facts = lookedUp(dep, settings, trusted) ? await within(gatherFacts(dep, source)) : undefined;
      if (token.isCancellationRequested) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'cancelled');
      const alternatives = facts ? ((await within(alternativesIfFlagged(dep, facts, source))) ?? []) : [];
      const everywhere: DependencyInFile[] = [];
      for (const [uri, other] of states) {
        // A line the user silenced stays as it is.
        for (const d of other.parsed.dependencies) if (d.normalizedName === dep.normalizedName && d.url === undefined && !d.ignored) everywhere.push({ uri, dependency: d });
      }
      return codeActions({
        uri: doc.uri,
        dependency: dep,
        diagnostics,
        replaceable: alternatives.length > 0,
        alternatives,
        everywhere,
        clientCanIgnoreInSettings: clientCommands.has(ADD_TO_IGNORE_COMMAND),
      });
    } catch (e) {
      if (e instanceof ResponseError) throw e;
      log(`code actions failed: ${errorText(e)}`);
      return [];
    }
  });

  connection.onDocumentLinks((params): DocumentLink[] => {
    notShutDown();
    const doc = documents.get(params.textDocument.uri);
    const state = doc && parse(doc);
    // Includes are relative to a local file (`file://host/...` has none here).
    const file = doc && uriToPath(doc.uri);
    if (!doc || !state || !file) return [];
    return state.parsed.includes.map((inc) => {
      // An include pip downloads links to its URL; any other is a local file, as pip reads it.
      const target = includeTarget(inc.path, file);
      return {
        range: inc.range,
        target: typeof target === 'string' ? pathToUri(target) : inc.path,
        tooltip: inc.kind === 'constraint' ? 'Open constraints file' : 'Open requirements file',
      };
    });
  });

  connection.onExecuteCommand(async (params, token, workDone) => {
    notShutDown();
    await ready;
    if (params.command === SCAN_COMMAND) {
      // Progress goes to the client's token when it sent one, else to one the server creates.
      let reporter: WorkDoneProgressReporter | undefined;
      let serverProgress: WorkDoneProgressServerReporter | undefined;
      // (The library has already taken workDoneToken out of params and into `workDone`.)
      if (!WorkDoneProgressReporter.isNullInstance(workDone)) reporter = workDone;
      // A client may decline to create the progress: the scan then runs without one.
      else if (progressSupport) reporter = serverProgress = await connection.window.createWorkDoneProgress().catch(() => undefined);
      reporter?.begin('PyPI Status: scanning the workspace', 0, 'finding files', true);
      try {
        // Either the request's token or the progress bar's cancel button stops the scan.
        const cancel = new AbortController();
        const stop = () => cancel.abort();
        const listeners = [token.onCancellationRequested(stop), serverProgress?.token.onCancellationRequested(stop)];
        try {
          return await startScan(cancel.signal, reporter);
        } finally {
          for (const listener of listeners) listener?.dispose();
        }
      } finally {
        reporter?.done();
      }
    }
    if (params.command === CLEAR_CACHE_COMMAND) {
      await environment().cache.clear();
      log('cache cleared');
      recheckAll();
    }
    return null;
  });

  connection.onShutdown(async () => {
    shutDown = true;
    scanRunning?.stop.abort();
    for (const { timer } of retries.values()) clearTimeout(timer);
    await closeEnvironment(env);
  });

  documents.listen(connection);
  connection.listen();
}

function dependencyAt(parsed: ParsedFile, pos: Position): Dependency | undefined {
  return parsed.dependencies.find(
    (d) => comparePositions(d.nameRange.start, pos) <= 0 && comparePositions(pos, d.nameRange.end) <= 0,
  );
}

/** The promise's value, or undefined if it takes longer than `ms` (the work goes on and fills the cache). */
async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function overlaps(a: Range, b: Range): boolean {
  return comparePositions(a.start, b.end) <= 0 && comparePositions(b.start, a.end) <= 0;
}

function comparePositions(a: Position, b: Position): number {
  return a.line - b.line || a.character - b.character;
}

/** initializationOptions may be the settings themselves or `{ pypiStatus: settings }`. */
function unwrapInitOptions(options: unknown): unknown {
  if (typeof options === 'object' && options !== null && 'pypiStatus' in options) return (options as { pypiStatus: unknown }).pypiStatus;
  return options;
}

function errorText(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}

function main(): void {
  const args = process.argv.slice(2);
  if (args.includes('--version')) {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  if (!args.some((a) => a === '--stdio' || a === '--node-ipc' || a.startsWith('--socket') || a.startsWith('--pipe'))) {
    process.stderr.write(
      'pypi-status-language-server: a language server for requirements files and pyproject.toml.\n' +
        'Usage: pypi-status-language-server --stdio | --node-ipc\n',
    );
    process.exitCode = 2;
    return;
  }
  const connection = createConnection(ProposedFeatures.all);
  // The server must outlive any bug in a handler: log it and carry on.
  process.on('uncaughtException', (e) => connection.console.error(`uncaught exception: ${errorText(e)}`));
  process.on('unhandledRejection', (e) => connection.console.error(`unhandled rejection: ${errorText(e)}`));
  startServer(connection);
}

main();
