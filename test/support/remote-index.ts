/**
 * The local index (index-server.ts) in a worker thread, driven by messages.
 * Tests that time the language server (hover round trips, RSS, soak runs) use
 * it so that the index's own work — writing a 70 MB body, compressing a bomb —
 * does not run on the event loop that measures the server.
 */
import { pathToFileURL } from 'node:url';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Fault, IndexServerOptions, LoggedRequest, ProjectDefinition } from './index-server.js';
import { REPO_ROOT } from './lsp-client.js';

export interface RemoteIndex {
  readonly url: string;
  readonly simpleUrl: string;
  readonly jsonApiUrl: string;
  setFault(pathPrefix: string, fault: Fault, count?: number): Promise<void>;
  clearFaults(): Promise<void>;
  setProject(name: string, project: ProjectDefinition): Promise<void>;
  requests(): Promise<LoggedRequest[]>;
  resetLog(): Promise<void>;
  close(): Promise<void>;
}

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { register } = await import(workerData.tsx);
  register();
  const { startIndexServer } = await import(workerData.module);
  const servers = new Map();
  let next = 1;
  parentPort.on('message', async ({ id, server, op, args }) => {
    try {
      let result;
      if (op === 'start') {
        const index = await startIndexServer(args[0]);
        const handle = next++;
        servers.set(handle, index);
        result = { handle, url: index.url, simpleUrl: index.simpleUrl, jsonApiUrl: index.jsonApiUrl };
      } else {
        const index = servers.get(server);
        if (op === 'requests') result = index.requests;
        else if (op === 'close') {
          servers.delete(server);
          result = await index.close();
        } else result = await index[op](...args);
      }
      parentPort.postMessage({ id, result });
    } catch (e) {
      parentPort.postMessage({ id, error: String(e && e.stack || e) });
    }
  });
  parentPort.postMessage({ id: 0, result: 'ready' });
})().catch((e) => parentPort.postMessage({ id: 0, error: String(e && e.stack || e) }));
`;

type Call = <T>(server: number, op: string, ...args: unknown[]) => Promise<T>;

let host: Promise<Call> | undefined;

/** One worker hosts every index of the test process; it does not keep the process alive. */
function startHost(): Promise<Call> {
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: {
      tsx: import.meta.resolve('tsx/esm/api'),
      module: pathToFileURL(path.join(REPO_ROOT, 'test', 'support', 'index-server.ts')).href,
    },
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  worker.on('message', ({ id, result, error }: { id: number; result?: unknown; error?: string }) => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    // Kept alive only while an answer is awaited: an idle host never holds the process open.
    if (pending.size === 0) worker.unref();
    if (error !== undefined) p.reject(new Error(error));
    else p.resolve(result);
  });
  worker.on('error', (e) => {
    for (const p of pending.values()) p.reject(e);
    pending.clear();
    host = undefined;
  });
  const call: Call = <T>(server: number, op: string, ...args: unknown[]) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.ref();
      worker.postMessage({ id, server, op, args });
    });
  return new Promise<Call>((resolve, reject) => pending.set(0, { resolve: () => resolve(call), reject }));
}

export async function startRemoteIndex(options: IndexServerOptions = {}): Promise<RemoteIndex> {
  host ??= startHost();
  const call = await host;
  const { handle, ...urls } = await call<{ handle: number; url: string; simpleUrl: string; jsonApiUrl: string }>(0, 'start', options);
  let closed = false;
  return {
    ...urls,
    setFault: (pathPrefix, fault, count) => call(handle, 'setFault', pathPrefix, fault, count),
    clearFaults: () => call(handle, 'clearFaults'),
    setProject: (name, project) => call(handle, 'setProject', name, project),
    requests: () => call<LoggedRequest[]>(handle, 'requests'),
    resetLog: () => call(handle, 'resetLog'),
    async close() {
      if (closed) return;
      closed = true;
      await call(handle, 'close').catch(() => undefined);
    },
  };
}
