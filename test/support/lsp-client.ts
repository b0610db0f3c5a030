/**
 * A minimal LSP client for tests: spawns the built server over stdio, speaks
 * JSON-RPC with vscode-jsonrpc, and records every publishDiagnostics.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type CancellationToken, createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { CodeAction, Diagnostic, Hover, Position, PublishDiagnosticsParams, Range } from 'vscode-languageserver-protocol';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The server as the npm package's bin runs it (the bundle `npm run build` writes). */
export const SERVER_JS = path.join(REPO_ROOT, 'server', 'dist', 'server.cjs');

let codeCache: string | undefined;
/** The servers' compiled-code cache: this test process's own, so no test touches the user's. */
function codeCacheDir(): string {
  if (!codeCache) {
    const dir = mkdtempSync(path.join(tmpdir(), 'pypi-status-test-code-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    codeCache = dir;
  }
  return codeCache;
}

export interface StartOptions {
  /** Settings for section `pypiStatus`. */
  settings?: Record<string, unknown>;
  /** Answer workspace/configuration (true) or pass settings only as initializationOptions (false). */
  configurationPull?: boolean;
  env?: Record<string, string | undefined>;
  /** Extra initializationOptions (e.g. clientCommands). */
  initializationOptions?: Record<string, unknown>;
  /** Workspace folders (absolute paths). */
  workspaceFolders?: string[];
  /** Settings of section `files`, e.g. an `exclude` map of glob to boolean. */
  filesSettings?: Record<string, unknown>;
  /** Let the server register file watchers (with relative patterns), as VS Code does. */
  fileWatcherRegistration?: boolean;
  /** Announce no workspace folder support: the first folder goes as rootUri alone, as older clients send it. */
  rootUriOnly?: boolean;
  /** The hover formats announced (default: Markdown). */
  hoverFormats?: string[];
  /** Announce window/showDocument support (the requests are recorded in `shownDocuments`). */
  showDocument?: boolean;
}

export class LspClient {
  readonly diagnostics = new Map<string, PublishDiagnosticsParams[]>();
  readonly logs: string[] = [];
  /** The raw JSON-RPC stream, both ways, as it was written. */
  readonly wire: string[] = [];
  /** Methods the server registered for dynamically. */
  readonly registrations: string[] = [];
  /** The registrations in force, by id, with their options. */
  readonly registered = new Map<string, { method: string; registerOptions?: unknown }>();
  /** $/progress notifications, by token. */
  readonly progress = new Map<string | number, unknown[]>();
  /** window/showDocument requests received. */
  readonly shownDocuments: { uri: string; selection?: Range; takeFocus?: boolean }[] = [];
  private waiters: (() => void)[] = [];
  settings: Record<string, unknown>;

  private constructor(
    readonly proc: ChildProcessWithoutNullStreams,
    readonly connection: MessageConnection,
    settings: Record<string, unknown>,
  ) {
    this.settings = settings;
  }

  static async start(options: StartOptions = {}): Promise<LspClient> {
    const proc = spawn(process.execPath, [SERVER_JS, '--stdio'], {
      env: { ...process.env, PYPI_STATUS_CODE_CACHE: codeCacheDir(), ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    // Everything written to the server passes through here, so that a test can read the raw stream, as a protocol trace shows it.
    const toServer = new PassThrough();
    toServer.pipe(proc.stdin);
    const connection = createMessageConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(toServer));
    const client = new LspClient(proc, connection, options.settings ?? {});
    toServer.on('data', (d: Buffer) => client.wire.push(d.toString()));
    proc.stdout.on('data', (d: Buffer) => client.wire.push(d.toString()));
    proc.stderr.on('data', (d: Buffer) => client.logs.push(d.toString()));
    connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      const list = client.diagnostics.get(p.uri) ?? [];
      list.push(p);
      client.diagnostics.set(p.uri, list);
      client.notify();
    });
    connection.onNotification('window/logMessage', (p: { message: string }) => {
      client.logs.push(p.message);
    });
    connection.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) =>
      p.items.map((item) =>
        item.section === 'pypiStatus' ? client.settings : item.section === 'http' ? {} : item.section === 'files' ? (options.filesSettings ?? {}) : null,
      ),
    );
    connection.onNotification('$/progress', (p: { token: string | number; value: unknown }) => {
      const list = client.progress.get(p.token) ?? [];
      list.push(p.value);
      client.progress.set(p.token, list);
    });
    connection.onRequest('client/registerCapability', (p: { registrations: { id: string; method: string; registerOptions?: unknown }[] }) => {
      for (const r of p.registrations) {
        client.registrations.push(r.method);
        client.registered.set(r.id, { method: r.method, registerOptions: r.registerOptions });
        // As VS Code's client does: a registration for configuration sections is followed at once by a change notification.
        const options = r.registerOptions as { section?: unknown } | undefined;
        if (r.method === 'workspace/didChangeConfiguration' && options?.section !== undefined) {
          setImmediate(() => void connection.sendNotification('workspace/didChangeConfiguration', { settings: null }));
        }
      }
      return null;
    });
    connection.onRequest('client/unregisterCapability', (p: { unregisterations: { id: string }[] }) => {
      for (const r of p.unregisterations) client.registered.delete(r.id);
      return null;
    });
    connection.onRequest('window/workDoneProgress/create', () => null);
    connection.onRequest('window/showDocument', (p: { uri: string; selection?: Range; takeFocus?: boolean }) => {
      client.shownDocuments.push(p);
      return { success: true };
    });
    connection.listen();
    const pull = options.configurationPull ?? true;
    await connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: options.rootUriOnly && options.workspaceFolders?.[0] ? fileUri(options.workspaceFolders[0]) : null,
      capabilities: {
        workspace: {
          configuration: pull,
          workspaceFolders: !options.rootUriOnly,
          didChangeConfiguration: { dynamicRegistration: true },
          didChangeWatchedFiles: options.fileWatcherRegistration ? { dynamicRegistration: true, relativePatternSupport: true } : { dynamicRegistration: false },
        },
        window: { workDoneProgress: true, ...(options.showDocument ? { showDocument: { support: true } } : {}) },
        textDocument: { hover: { contentFormat: options.hoverFormats ?? ['markdown'] } },
      },
      workspaceFolders: options.rootUriOnly ? null : (options.workspaceFolders ?? []).map((f) => ({ uri: fileUri(f), name: path.basename(f) })),
      initializationOptions: { ...(pull ? {} : { pypiStatus: client.settings }), ...options.initializationOptions },
    });
    await connection.sendNotification('initialized', {});
    return client;
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  open(uri: string, text: string, languageId = 'pip-requirements', version = 1): Promise<void> {
    return this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version, text } });
  }

  change(uri: string, version: number, text: string): Promise<void> {
    return this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
  }

  close(uri: string): Promise<void> {
    return this.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  executeCommand<T>(command: string, args: unknown[] = [], workDoneToken?: string, token?: CancellationToken): Promise<T> {
    const params = { command, arguments: args, ...(workDoneToken !== undefined ? { workDoneToken } : {}) };
    return token ? this.connection.sendRequest('workspace/executeCommand', params, token) : this.connection.sendRequest('workspace/executeCommand', params);
  }

  didChangeWatchedFiles(changes: { uri: string; type: 1 | 2 | 3 }[]): Promise<void> {
    return this.connection.sendNotification('workspace/didChangeWatchedFiles', { changes });
  }

  codeActions(uri: string, range: Range, diagnostics: Diagnostic[] = []): Promise<CodeAction[]> {
    return this.connection.sendRequest('textDocument/codeAction', { textDocument: { uri }, range, context: { diagnostics } });
  }

  hover(uri: string, position: Position): Promise<Hover | null> {
    return this.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position });
  }

  /** Resolves with the first publication (after `since` publications) that satisfies the predicate. */
  async waitForDiagnostics(
    uri: string,
    predicate: (d: Diagnostic[], p: PublishDiagnosticsParams) => boolean = () => true,
    { since = 0, timeoutMs = 10_000 }: { since?: number; timeoutMs?: number } = {},
  ): Promise<Diagnostic[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const list = this.diagnostics.get(uri) ?? [];
      for (let i = since; i < list.length; i++) if (predicate(list[i]!.diagnostics, list[i]!)) return list[i]!.diagnostics;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `no matching diagnostics for ${uri} within ${timeoutMs} ms; got ${JSON.stringify(list.map((p) => p.diagnostics.map((d) => d.code)))}\n${this.logs.join('')}`,
        );
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  publications(uri: string): number {
    return this.diagnostics.get(uri)?.length ?? 0;
  }

  async stop(): Promise<void> {
    try {
      await Promise.race([this.connection.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 2000))]);
      await this.connection.sendNotification('exit');
    } catch {
      // already gone
    }
    this.connection.dispose();
    if (this.proc.exitCode === null) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.proc.kill('SIGKILL');
          resolve();
        }, 2000);
        this.proc.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}

export function fileUri(p: string): string {
  return pathToFileURL(p).href;
}
