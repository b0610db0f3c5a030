/**
 * What carries one GET: Node's own HTTP client for direct connections (HTTP/2 where an
 * https origin offers it, see h2.ts), undici for proxies. Node's client is ready at once, whereas undici (a large
 * library with a WebAssembly HTTP parser) takes a noticeable time to load, all of it
 * before a cold open's first request. undici is kept for what Node 20's
 * client cannot do: HTTP(S)_PROXY / NO_PROXY and CONNECT tunnels through a proxy.
 */
import type * as http from 'node:http';
import { createRequire } from 'node:module';
import type { Dispatcher } from 'undici';
import type { Exchange, Transport } from './exchange.js';
import { Http2Transport, secureContextWith } from './h2.js';

export interface TransportOptions {
  /** Connections kept per origin. */
  connections: number;
  /** Explicit proxy (e.g. VS Code's http.proxy); otherwise HTTPS_PROXY/HTTP_PROXY/NO_PROXY apply. */
  proxy?: string;
  proxyStrictSSL?: boolean;
  timeoutMs: number;
  /** Extra trusted certificates (PEM) for direct connections, besides Node's and NODE_EXTRA_CA_CERTS. */
  ca?: string | Buffer;
}

/** A body longer than this is not read to keep its connection: closing it is cheaper. */
const DISCARD_LIMIT = 64 * 1024;
/**
 * An idle connection is closed after this long. Servers close idle connections too (Node's
 * default is 5 s), and a request sent on a connection just as the server closes it fails;
 * undici's default is the same 4 s.
 */
const IDLE_CONNECTION_MS = 4_000;

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'];

export function createTransport(options: TransportOptions): Transport {
  const envProxy = PROXY_VARIABLES.some((k) => process.env[k]);
  if (options.proxy || envProxy) return new UndiciTransport(options);
  return new Http2Transport(new NodeTransport(options), { connectTimeoutMs: options.timeoutMs, ...(options.ca ? { ca: options.ca } : {}) });
}

function header(headers: http.IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

type Client = { request: typeof http.request; agent: http.Agent };
/** require(), not import(): the bundle runs as a script, which has no loader for import(). */
const load = createRequire(import.meta.url);

export class NodeTransport implements Transport {
  /**
   * Per scheme, made on the first request: TLS and HTTP take time to load, and a
   * restart within the TTL sends no request at all.
   */
  private readonly clients = new Map<string, Client>();

  constructor(private readonly options: { connections: number; ca?: string | Buffer }) {}

  private client(protocol: string): Client | undefined {
    if (protocol !== 'http:' && protocol !== 'https:') return undefined;
    let client = this.clients.get(protocol);
    if (!client) {
      // https has the same request() and Agent, over TLS.
      const loaded = load(protocol === 'https:' ? 'node:https' : 'node:http') as typeof http;
      const trust = protocol === 'https:' && this.options.ca ? { secureContext: secureContextWith(this.options.ca) } : {};
      client = {
        request: loaded.request,
        agent: new loaded.Agent({ keepAlive: true, maxSockets: this.options.connections, timeout: IDLE_CONNECTION_MS, ...trust }),
      };
      this.clients.set(protocol, client);
    }
    return client;
  }

  async send(url: URL, headers: Record<string, string>, signal: AbortSignal): Promise<Exchange> {
    const client = this.client(url.protocol);
    if (!client) throw new Error(`unsupported scheme ${url.protocol}`);
    try {
      return await this.sendOnce(client, url, headers, signal);
    } catch (e) {
      // A kept-alive connection that the server closed as the request went out fails without
      // an answer; the request never reached the application, so it is sent once more on a new
      // connection (Node's documented pattern for `reusedSocket`).
      if ((e as { reusedSocket?: boolean }).reusedSocket && isConnectionLoss(e) && !signal.aborted) return this.sendOnce(client, url, headers, signal);
      throw e;
    }
  }

  private sendOnce({ request: send, agent }: Client, url: URL, headers: Record<string, string>, signal: AbortSignal): Promise<Exchange> {
    return new Promise<Exchange>((resolve, reject) => {
      signal.throwIfAborted();
      const request = send(url, { method: 'GET', headers, agent });
      // The signal is followed by hand: it must also stop a body that is still arriving.
      const abort = () => request.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      signal.addEventListener('abort', abort, { once: true });
      const done = () => signal.removeEventListener('abort', abort);
      request.on('close', done);
      // Persistent: a second error (after a timeout, say) must never reach an unhandled 'error'.
      request.on('error', (e: Error & { reusedSocket?: boolean }) => {
        e.reusedSocket = request.reusedSocket;
        reject(e);
      });
      request.on('response', (res) => {
        // Errors surface through the body's iterator; without a listener they would be thrown.
        res.on('error', () => undefined);
        res.on('close', done);
        resolve({
          status: res.statusCode ?? 0,
          header: (name) => header(res.headers, name),
          body: res,
          discard: () => discardNode(res),
          destroy: () => res.destroy(),
        });
      });
      request.end();
    });
  }

  close(): Promise<void> {
    for (const client of this.clients.values()) client.agent.destroy();
    return Promise.resolve();
  }
}

function isConnectionLoss(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}

async function discardNode(res: http.IncomingMessage): Promise<void> {
  let length = 0;
  try {
    for await (const chunk of res) {
      length += (chunk as Buffer).length;
      if (length > DISCARD_LIMIT) break; // leaving the loop destroys the response and its connection
    }
  } catch {
    // The connection is gone; nothing to drain.
  }
}

type Undici = { dispatcher: Dispatcher; request: typeof import('undici').request };

export class UndiciTransport implements Transport {
  /** Loaded on the first request: a restart within the TTL sends none. */
  private undici?: Promise<Undici>;

  constructor(private readonly options: TransportOptions) {}

  private load(): Promise<Undici> {
    this.undici ??= import('undici').then((loaded) => {
      // undici is CommonJS. Node offers its exports both by name and as `default`; the VS Code
      // bundle, which puts it in a chunk of its own, offers them as `default` only.
      const { EnvHttpProxyAgent, request } = loaded.default;
      const options = this.options;
      const common = {
        connections: options.connections,
        keepAliveTimeout: 30_000,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      };
      // Without an explicit proxy, the environment's variables (NO_PROXY included) decide per host.
      const dispatcher = options.proxy
        ? new EnvHttpProxyAgent({
            ...common,
            httpProxy: options.proxy,
            httpsProxy: options.proxy,
            ...(options.proxyStrictSSL === false ? { requestTls: { rejectUnauthorized: false }, proxyTls: { rejectUnauthorized: false } } : {}),
          })
        : new EnvHttpProxyAgent(common);
      return { dispatcher, request };
    });
    return this.undici;
  }

  async send(url: URL, headers: Record<string, string>, signal: AbortSignal): Promise<Exchange> {
    const { dispatcher, request } = await this.load();
    const res = await request(url, { method: 'GET', headers, dispatcher, signal });
    return {
      status: res.statusCode,
      header: (name) => header(res.headers, name),
      body: res.body as AsyncIterable<Buffer>,
      discard: async () => {
        try {
          await res.body.dump({ limit: DISCARD_LIMIT });
        } catch {
          // The connection is gone; nothing to drain.
        }
      },
      destroy: () => res.body.destroy(),
    };
  }

  async close(): Promise<void> {
    // Setting up may have failed (an invalid proxy URL): then there is nothing to close.
    const loaded = await this.undici?.catch(() => undefined);
    await loaded?.dispatcher.close().catch(() => undefined);
  }
}
