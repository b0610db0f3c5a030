/**
 * The benchmarks' LSP client: spawns the built server over stdio (optionally
 * with extra node flags such as --cpu-prof), timestamps every
 * publishDiagnostics on arrival with performance.now(), and reads the
 * server's memory from /proc.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { Diagnostic, PublishDiagnosticsParams, Range } from 'vscode-languageserver-protocol';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The server as the VS Code extension runs it: the bundle `npm run build` writes. */
export const SERVER_JS = path.join(REPO_ROOT, 'dist', 'server.cjs');
/** The npm package's bin (the same server, bundled with the CLI). */
export const PACKAGE_SERVER_JS = path.join(REPO_ROOT, 'server', 'dist', 'server.cjs');

export interface Publication {
  /** performance.now() when the notification reached the harness. */
  t: number;
  version: number | undefined;
  diagnostics: Diagnostic[];
}

export interface BenchServerOptions {
  settings: Record<string, unknown>;
  workspaceFolders?: string[];
  /** Extra node flags for the server process (e.g. --cpu-prof). */
  execArgv?: string[];
  /** Another build of the server (default dist/server.cjs). */
  serverJs?: string;
  /** Extra environment variables for the server process. */
  env?: Record<string, string>;
  /**
   * Start the inspector (no session is attached until heapAfterGc(), so the
   * run itself is not slowed down).
   */
  inspect?: boolean;
}

/** Every live server, so that an interrupted run can kill them all. */
const live = new Set<ChildProcessWithoutNullStreams>();

export function killAllServers(): void {
  for (const proc of live) if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  live.clear();
}

export class BenchServer {
  readonly publications = new Map<string, Publication[]>();
  readonly logs: string[] = [];
  private waiters: (() => void)[] = [];

  private constructor(
    readonly proc: ChildProcessWithoutNullStreams,
    readonly connection: MessageConnection,
    /** performance.now() just before the process was spawned. */
    readonly spawnedAt: number,
  ) {}

  get pid(): number {
    return this.proc.pid!;
  }

  /** Spawns the server and completes initialize/initialized (does not wait for settings: see ready()). */
  static async start(options: BenchServerOptions): Promise<BenchServer> {
    const env = { ...process.env, ...options.env };
    // The server must talk to the local index directly.
    for (const k of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy']) delete env[k];
    const spawnedAt = performance.now();
    const inspect = options.inspect ? ['--inspect=127.0.0.1:0'] : [];
    const proc = spawn(process.execPath, [...inspect, ...(options.execArgv ?? []), options.serverJs ?? SERVER_JS, '--stdio'], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    live.add(proc);
    proc.on('exit', () => live.delete(proc));
    const connection = createMessageConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
    const server = new BenchServer(proc, connection, spawnedAt);
    proc.stderr.on('data', (d: Buffer) => server.logs.push(d.toString()));
    connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      const t = performance.now();
      const list = server.publications.get(p.uri) ?? [];
      list.push({ t, version: p.version, diagnostics: p.diagnostics });
      server.publications.set(p.uri, list);
      server.wake();
    });
    connection.onNotification('window/logMessage', (p: { message: string }) => {
      server.logs.push(p.message);
      server.wake();
    });
    connection.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) =>
      p.items.map((item) => (item.section === 'pypiStatus' ? options.settings : item.section === 'http' || item.section === 'files' ? {} : null)),
    );
    connection.onRequest('client/registerCapability', () => null);
    connection.onRequest('window/workDoneProgress/create', () => null);
    connection.onNotification('$/progress', () => undefined);
    connection.listen();
    await withTimeout(
      connection.sendRequest('initialize', {
        processId: process.pid,
        rootUri: null,
        capabilities: {
          workspace: { configuration: true, workspaceFolders: true },
          window: { workDoneProgress: false },
          textDocument: { hover: { contentFormat: ['markdown'] }, synchronization: { didSave: false } },
        },
        workspaceFolders: (options.workspaceFolders ?? []).map((f) => ({ uri: pathToFileURL(f).href, name: path.basename(f) })),
        initializationOptions: {},
      }),
      30_000,
      'initialize',
    );
    await connection.sendNotification('initialized', {});
    return server;
  }

  /**
   * Resolves once the server has loaded its settings. A hover on a document
   * the server does not hold waits for the settings and then answers null.
   */
  async ready(): Promise<void> {
    await withTimeout(
      this.connection.sendRequest('textDocument/hover', { textDocument: { uri: 'file:///bench-not-open.txt' }, position: { line: 0, character: 0 } }),
      30_000,
      'ready',
    );
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private async nextEvent(untilMs: number): Promise<void> {
    const left = untilMs - performance.now();
    if (left <= 0) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, left);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  open(uri: string, text: string, version: number, languageId = 'pip-requirements'): Promise<void> {
    return this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version, text } });
  }

  /** An incremental change, as an editor sends for a keystroke. */
  edit(uri: string, version: number, range: Range, text: string): Promise<void> {
    return this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range, text }] });
  }

  close(uri: string): Promise<void> {
    return this.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  executeCommand<T>(command: string, args: unknown[] = [], timeoutMs = 600_000): Promise<T> {
    return withTimeout(this.connection.sendRequest<T>('workspace/executeCommand', { command, arguments: args }), timeoutMs, command);
  }

  count(uri: string): number {
    return this.publications.get(uri)?.length ?? 0;
  }

  /** The first publication (index >= since) that satisfies the predicate. */
  async waitFor(uri: string, predicate: (p: Publication) => boolean, { since = 0, timeoutMs = 60_000 } = {}): Promise<Publication> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const list = this.publications.get(uri) ?? [];
      for (let i = since; i < list.length; i++) if (predicate(list[i]!)) return list[i]!;
      if (performance.now() >= deadline) throw new Error(`no matching diagnostics for ${uri} within ${timeoutMs} ms (${list.length} publications)`);
      await this.nextEvent(deadline);
    }
  }

  /**
   * The last publication (index >= since) once none has followed it for
   * `quietMs`. While a cold analysis runs the server republishes partial
   * results every 500 ms, so a silence well beyond that marks the final one.
   */
  async waitQuiet(uri: string, quietMs: number, { since = 0, timeoutMs = 120_000 } = {}): Promise<Publication> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const list = this.publications.get(uri) ?? [];
      const last = list.length > since ? list[list.length - 1] : undefined;
      const now = performance.now();
      if (last && now - last.t >= quietMs) return last;
      if (now >= deadline) throw new Error(`diagnostics for ${uri} did not settle within ${timeoutMs} ms (${list.length} publications)`);
      await this.nextEvent(Math.min(deadline, last ? last.t + quietMs : deadline));
    }
  }

  /** CPU time the server process has used (user + system, all threads), from /proc/<pid>/stat, in clock ticks. */
  cpuTicks(): number {
    const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
    // Fields after the parenthesized command name; utime and stime are the 14th and 15th fields.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  }

  /**
   * Waits until the server has used no CPU for `quietMs` (its work after the last answer,
   * such as cache writes and garbage collection, is done), for at most `timeoutMs`.
   * Returns how long that took.
   */
  async idle(quietMs = 300, timeoutMs = 10_000): Promise<number> {
    const start = performance.now();
    let ticks = this.cpuTicks();
    let since = start;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const now = performance.now();
      const t = this.cpuTicks();
      if (t !== ticks) {
        ticks = t;
        since = now;
      }
      if (now - since >= quietMs || now - start >= timeoutMs) return now - start;
    }
  }

  /** Resident set size and its peak, from /proc/<pid>/status, in bytes. */
  memory(): { rss: number; hwm: number } {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  }

  /**
   * Live JavaScript heap after a full garbage collection, through the
   * inspector (the server must have been started with `inspect`).
   */
  async heapAfterGc(): Promise<{ usedHeap: number; totalHeap: number; rss: number }> {
    const url = /Debugger listening on (ws:\/\/\S+)/.exec(this.logs.join(''))?.[1];
    if (!url) throw new Error('the server was not started with the inspector');
    const { WebSocket } = await import('undici');
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener('open', () => resolve());
      ws.addEventListener('error', () => reject(new Error('cannot connect to the inspector')));
    });
    let id = 0;
    const call = (method: string): Promise<Record<string, unknown>> =>
      new Promise((resolve, reject) => {
        const me = ++id;
        const timer = setTimeout(() => reject(new Error(`inspector: ${method} timed out`)), 30_000);
        const onMessage = (event: { data: unknown }) => {
          const msg = JSON.parse(String(event.data)) as { id?: number; result?: Record<string, unknown> };
          if (msg.id !== me) return;
          clearTimeout(timer);
          ws.removeEventListener('message', onMessage);
          resolve(msg.result ?? {});
        };
        ws.addEventListener('message', onMessage);
        ws.send(JSON.stringify({ id: me, method }));
      });
    try {
      await call('HeapProfiler.collectGarbage');
      await call('HeapProfiler.collectGarbage');
      const usage = await call('Runtime.getHeapUsage');
      return { usedHeap: Number(usage.usedSize), totalHeap: Number(usage.totalSize), rss: this.memory().rss };
    } finally {
      ws.close();
    }
  }

  /** shutdown + exit (so that --cpu-prof writes its profile), then SIGKILL if it lingers. */
  async stop(): Promise<void> {
    try {
      await withTimeout(this.connection.sendRequest('shutdown'), 5_000, 'shutdown');
      await this.connection.sendNotification('exit');
    } catch {
      // gone or stuck: killed below
    }
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.proc.kill('SIGKILL');
          resolve();
        }, 10_000);
        this.proc.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    this.connection.dispose();
    live.delete(this.proc);
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
