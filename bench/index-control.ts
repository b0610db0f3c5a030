/** Parent side of index-process.ts: start the local index in a child process and talk to it over IPC. */
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface WireRequest {
  path: string;
  status: number;
  /** Body bytes as sent (gzip'd size when compressed). */
  bytesSent: number;
  /** Sent with If-None-Match. */
  conditional: boolean;
  gzipAsked: boolean;
  /** process.hrtime.bigint() at the index when the request arrived and when it was answered, as strings. */
  receivedNs?: string;
  answeredNs?: string;
}

export type IndexRequest =
  | { id: number; cmd: 'reset' }
  | { id: number; cmd: 'latency'; ms: number }
  | { id: number; cmd: 'define'; projects: { name: string; versions: string[] }[] }
  | { id: number; cmd: 'log' }
  | { id: number; cmd: 'stop' };

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

export interface IndexReply {
  id: number;
  ok: boolean;
  url?: string;
  upstream?: string;
  requests?: WireRequest[];
  /** Bytes from the index to its clients on the wire (status lines, headers, bodies). */
  wireDown?: number;
  wireUp?: number;
  connections?: number;
  defined?: number;
  /** process.hrtime.bigint() as a string; "0" when nothing happened. */
  firstRequestNs?: string;
  lastAnswerNs?: string;
  /** When the last answer of the simple API was sent (process.hrtime.bigint() as a string; "0" when none). */
  lastSimpleAnswerNs?: string;
}

export interface RequestLog {
  requests: WireRequest[];
  wireDown: number;
  wireUp: number;
  /** Monotonic clock (process.hrtime) of the first request byte and the last answer byte, in ns; 0n when none. */
  firstRequestNs: bigint;
  lastAnswerNs: bigint;
  lastSimpleAnswerNs: bigint;
}

const HERE = path.dirname(fileURLToPath(import.meta.url));

export class IndexControl {
  private nextId = 1;
  private readonly pending = new Map<number, (reply: IndexReply) => void>();

  private constructor(
    private readonly child: ChildProcess,
    /** Base URL of the counting proxy in front of the index. */
    readonly url: string,
  ) {
    child.on('message', (raw: unknown) => {
      const reply = raw as IndexReply;
      const waiter = this.pending.get(reply.id);
      if (waiter) {
        this.pending.delete(reply.id);
        waiter(reply);
      }
    });
  }

  get simpleUrl(): string {
    return `${this.url}/simple/`;
  }

  get jsonApiUrl(): string {
    return `${this.url}/pypi/`;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** tls: HTTPS offering HTTP/2 and HTTP/1.1, as pypi.org does (see test/support/tls.ts for the certificate). */
  static async start(latencyMs: number, options: { tls?: boolean } = {}): Promise<IndexControl> {
    const child = fork(path.join(HERE, 'index-process.ts'), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, BENCH_INDEX_LATENCY_MS: String(latencyMs), BENCH_INDEX_TLS: options.tls ? 'h2' : '' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const first = await new Promise<IndexReply>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the bench index did not start within 30 s')), 30_000);
      child.once('message', (m: unknown) => {
        clearTimeout(timer);
        resolve(m as IndexReply);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the bench index exited with ${code}`));
      });
    });
    return new IndexControl(child, first.url!);
  }

  private call(message: WithoutId<IndexRequest>, timeoutMs = 30_000): Promise<IndexReply> {
    const id = this.nextId++;
    return new Promise<IndexReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`bench index: no answer to ${message.cmd} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.child.send({ ...message, id });
    });
  }

  async reset(): Promise<void> {
    await this.call({ cmd: 'reset' });
  }

  async setLatency(ms: number): Promise<void> {
    await this.call({ cmd: 'latency', ms });
  }

  /** Serve these releases (the exact pins of the benchmark's files) for projects outside the catalog. */
  async define(projects: Map<string, Set<string>>): Promise<number> {
    const list = [...projects].map(([name, versions]) => ({ name, versions: [...versions] }));
    const r = await this.call({ cmd: 'define', projects: list }, 120_000);
    return r.defined ?? 0;
  }

  async log(): Promise<RequestLog> {
    const r = await this.call({ cmd: 'log' });
    return {
      requests: r.requests ?? [],
      wireDown: r.wireDown ?? 0,
      wireUp: r.wireUp ?? 0,
      firstRequestNs: BigInt(r.firstRequestNs ?? '0'),
      lastAnswerNs: BigInt(r.lastAnswerNs ?? '0'),
      lastSimpleAnswerNs: BigInt(r.lastSimpleAnswerNs ?? '0'),
    };
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    await this.call({ cmd: 'stop' }, 5_000).catch(() => undefined);
    this.kill();
  }

  /** Synchronous, for exit handlers. */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** What a request log says, by kind of request. */
export interface LogSummary {
  requests: number;
  simple: number;
  release: number;
  projectJson: number;
  other: number;
  conditional: number;
  unconditional: number;
  byStatus: Record<string, number>;
  bodyBytes: number;
  wireBytes: number;
  distinctSimple: number;
  gzipAsked: number;
}

export function summarizeLog(log: RequestLog): LogSummary {
  const byStatus: Record<string, number> = {};
  let simple = 0;
  let release = 0;
  let projectJson = 0;
  let other = 0;
  let conditional = 0;
  let bodyBytes = 0;
  let gzipAsked = 0;
  const simplePaths = new Set<string>();
  for (const r of log.requests) {
    byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    if (r.path.startsWith('/simple/')) {
      simple++;
      simplePaths.add(r.path);
    } else if (/^\/pypi\/[^/]+\/[^/]+\/json/.test(r.path)) release++;
    else if (/^\/pypi\/[^/]+\/json/.test(r.path)) projectJson++;
    else other++;
    if (r.conditional) conditional++;
    if (r.gzipAsked) gzipAsked++;
    bodyBytes += r.bytesSent;
  }
  return {
    requests: log.requests.length,
    simple,
    release,
    projectJson,
    other,
    conditional,
    unconditional: log.requests.length - conditional,
    byStatus,
    bodyBytes,
    wireBytes: log.wireDown,
    distinctSimple: simplePaths.size,
    gzipAsked,
  };
}
