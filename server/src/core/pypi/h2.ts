/**
 * HTTP/2 for https origins that offer it (PyPI does), HTTP/1.1 for the rest.
 *
 * Why: HTTP/2 compresses headers (HPACK). A revalidation is one 304 per project, whose
 * status line and headers are all it receives: about 280 bytes each over HTTP/1.1, a
 * few dozen over HTTP/2 once the connection has seen them. One connection also carries
 * all requests in flight, so a cold start pays for one TLS handshake instead of sixteen.
 *
 * The protocol is chosen by TLS's ALPN on the first connection to an origin. An origin
 * that answers with HTTP/1.1 is remembered and handed to the HTTP/1.1 transport from
 * then on (its first connection is closed: one extra handshake per process).
 */
import type * as http2 from 'node:http2';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { createRequire } from 'node:module';
import type * as tls from 'node:tls';
import { abortable } from '../abortable.js';
import type { Exchange, Transport } from './exchange.js';

/** require(), not import(): the bundle runs as a script, which has no loader for import(). */
const load = createRequire(import.meta.url);

/** Same as the HTTP/1.1 transport: servers close idle connections, and a request racing the close fails. */
const IDLE_SESSION_MS = 4_000;
/**
 * Receive windows. HTTP/2's default (64 KiB for the whole connection) would let sixteen
 * bodies in flight share 64 KiB per round trip; a project page of a popular project is
 * a few hundred KiB compressed.
 */
const STREAM_WINDOW = 1 << 20;
const SESSION_WINDOW = 16 << 20;

export interface Http2Options {
  /** Extra trusted certificates (PEM), besides Node's and NODE_EXTRA_CA_CERTS. */
  ca?: string | Buffer;
  /** A connection not ready (TCP and TLS) within this long is given up, and the next request tries anew. */
  connectTimeoutMs: number;
}

type Origin = { kind: 'h2'; session: http2.ClientHttp2Session; used: boolean } | { kind: 'h1' };

export class Http2Transport implements Transport {
  private readonly origins = new Map<string, Origin | Promise<Origin>>();
  /** Streams open per session: a session is referenced (keeps the process alive) only while it has some. */
  private readonly active = new WeakMap<http2.ClientHttp2Session, number>();
  /** Sockets still in their TLS handshake, which close() must end too. */
  private readonly connecting = new Set<tls.TLSSocket>();
  private context?: tls.SecureContext;
  private closed = false;

  constructor(
    private readonly h1: Transport,
    private readonly options: Http2Options,
  ) {}

  async send(url: URL, headers: Record<string, string>, signal: AbortSignal): Promise<Exchange> {
    if (url.protocol !== 'https:') return this.h1.send(url, headers, signal);
    // Before anything is started: a connection nobody waits for would be opened for nothing.
    signal.throwIfAborted();
    const origin = await abortable(this.origin(url), signal);
    if (origin.kind === 'h1') return this.h1.send(url, headers, signal);
    const reused = origin.used;
    origin.used = true;
    try {
      return await this.request(origin.session, url, headers, signal);
    } catch (e) {
      // A session that the server closed (idle timeout, GOAWAY) while this request went out:
      // the request was not processed, and a GET is safe to send once more on a new session.
      if (!reused || signal.aborted || !isSessionLoss(e)) throw e;
      this.forget(url.origin, origin);
      // Streams still running on it finish; it takes no new ones.
      origin.session.close();
      const fresh = await abortable(this.origin(url), signal);
      if (fresh.kind === 'h1') return this.h1.send(url, headers, signal);
      fresh.used = true;
      return this.request(fresh.session, url, headers, signal);
    }
  }

  private origin(url: URL): Origin | Promise<Origin> {
    const known = this.origins.get(url.origin);
    if (known && (known instanceof Promise || known.kind === 'h1' || usable(known.session))) return known;
    const connecting = this.connect(url).then(
      (origin) => {
        if (this.origins.get(url.origin) === connecting) this.origins.set(url.origin, origin);
        return origin;
      },
      (e: unknown) => {
        // Nothing is remembered about an origin that could not be reached: the next request tries again.
        if (this.origins.get(url.origin) === connecting) this.origins.delete(url.origin);
        throw e;
      },
    );
    // Whoever waits for it hears of a failure; one that all its requests gave up on must not
    // become an unhandled rejection.
    connecting.catch(() => undefined);
    this.origins.set(url.origin, connecting);
    return connecting;
  }

  private connect(url: URL): Promise<Origin> {
    if (this.closed) return Promise.reject(new Error('transport closed'));
    const { connect: tlsConnect } = load('node:tls') as typeof tls;
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    return new Promise<Origin>((resolve, reject) => {
      const socket = tlsConnect({
        host,
        port: Number(url.port || 443),
        ...(isIP(host) ? {} : { servername: host }),
        ALPNProtocols: ['h2', 'http/1.1'],
        ...(this.options.ca ? { secureContext: this.secureContext() } : {}),
      });
      this.connecting.add(socket);
      socket.once('error', reject);
      // Settles the connection however the socket ends before its handshake (after it, no-op).
      socket.once('close', () => {
        this.connecting.delete(socket);
        reject(new Error('the connection closed during the TLS handshake'));
      });
      // Without it, a handshake that never ends would hold this origin's every later request.
      const giveUp = () => socket.destroy(Object.assign(new Error('TLS handshake timed out'), { code: 'ETIMEDOUT' }));
      socket.setTimeout(this.options.connectTimeoutMs, giveUp);
      socket.once('secureConnect', () => {
        this.connecting.delete(socket);
        socket.off('error', reject);
        socket.setTimeout(0);
        socket.off('timeout', giveUp);
        if (this.closed) {
          socket.destroy();
          reject(new Error('transport closed'));
          return;
        }
        if (socket.alpnProtocol !== 'h2') {
          socket.destroy();
          resolve({ kind: 'h1' });
          return;
        }
        resolve({ kind: 'h2', session: this.open(url, socket), used: false });
      });
    });
  }

  private secureContext(): tls.SecureContext {
    this.context ??= secureContextWith(this.options.ca!);
    return this.context;
  }

  private open(url: URL, socket: tls.TLSSocket): http2.ClientHttp2Session {
    const { connect } = load('node:http2') as typeof http2;
    const session = connect(url.origin, { createConnection: () => socket, settings: { initialWindowSize: STREAM_WINDOW } });
    session.on('connect', () => session.setLocalWindowSize(SESSION_WINDOW));
    // Session errors reach every open stream as stream errors; without this listener they would be thrown.
    session.on('error', () => undefined);
    const forget = () => this.forget(url.origin, undefined, session);
    session.on('goaway', forget);
    session.on('close', forget);
    session.setTimeout(IDLE_SESSION_MS, () => session.close());
    // An idle session must not keep a CLI run alive; one with requests in flight must.
    session.unref();
    return session;
  }

  private request(session: http2.ClientHttp2Session, url: URL, headers: Record<string, string>, signal: AbortSignal): Promise<Exchange> {
    return new Promise<Exchange>((resolve, reject) => {
      signal.throwIfAborted();
      const { constants } = load('node:http2') as typeof http2;
      // url.host: brackets around an IPv6 address, no port when it is the default one.
      const stream = session.request({ ':method': 'GET', ':authority': url.host, ':path': `${url.pathname}${url.search}`, ...headers }, { endStream: true });
      const active = (this.active.get(session) ?? 0) + 1;
      this.active.set(session, active);
      if (active === 1) session.ref();
      let answered = false;
      const abort = () => cancel(stream, constants, signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      signal.addEventListener('abort', abort, { once: true });
      stream.on('close', () => {
        signal.removeEventListener('abort', abort);
        if (!answered) reject(streamError(stream, constants));
        const left = (this.active.get(session) ?? 1) - 1;
        this.active.set(session, left);
        if (left === 0) session.unref();
      });
      // Persistent: errors after the answer surface through the body's iterator.
      stream.on('error', (e: Error) => {
        if (!answered) reject(stream.rstCode === constants.NGHTTP2_REFUSED_STREAM ? streamError(stream, constants) : e);
      });
      stream.on('response', (h) => {
        answered = true;
        resolve({
          status: Number(h[':status'] ?? 0),
          header: (name) => {
            const value = h[name];
            return Array.isArray(value) ? value[0] : value;
          },
          body: stream,
          // Cancelling one stream costs nothing on an HTTP/2 connection, unlike closing an HTTP/1.1 one.
          discard: () => {
            cancel(stream, constants);
            return Promise.resolve();
          },
          destroy: () => cancel(stream, constants),
        });
      });
    });
  }

  /** Drops an origin's session from the map (the given one only, so a newer session survives). */
  private forget(origin: string, entry?: Origin, session?: http2.ClientHttp2Session): void {
    const known = this.origins.get(origin);
    if (!known || known instanceof Promise || known.kind !== 'h2') return;
    if ((entry && known === entry) || (session && known.session === session)) this.origins.delete(origin);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const socket of this.connecting) socket.destroy(new Error('transport closed'));
    for (const known of this.origins.values()) {
      if (!(known instanceof Promise) && known.kind === 'h2') known.session.destroy();
    }
    this.origins.clear();
    await this.h1.close();
  }
}

function usable(session: http2.ClientHttp2Session): boolean {
  return !session.closed && !session.destroyed;
}

/**
 * Node's certificates, NODE_EXTRA_CA_CERTS's and `ca`. For both transports, made once each: a
 * `ca` option alone would replace the default store (NODE_EXTRA_CA_CERTS included), and a
 * context built from all of Node's certificates is costly to make, which a context per
 * connection would pay each time.
 */
export function secureContextWith(extraCa: string | Buffer): tls.SecureContext {
  const { createSecureContext, rootCertificates } = load('node:tls') as typeof tls;
  const ca: (string | Buffer)[] = [...rootCertificates];
  const file = process.env.NODE_EXTRA_CA_CERTS;
  if (file) {
    try {
      ca.push(readFileSync(file));
    } catch {
      // Node itself warns about a file it cannot read, and goes on without it.
    }
  }
  ca.push(extraCa);
  return createSecureContext({ ca });
}

/**
 * Tells the server to stop sending (RST_STREAM with CANCEL; a bare destroy() would send
 * NO_ERROR, which a server may take as a normal end and go on sending), then lets go of the
 * stream and any body left unread: a stream whose body had all arrived is closed already,
 * and without destroy() that unread body would keep it alive.
 */
function cancel(stream: http2.ClientHttp2Stream, constants: typeof http2.constants, reason?: Error): void {
  stream.close(constants.NGHTTP2_CANCEL);
  stream.destroy(reason);
}

function streamError(stream: http2.ClientHttp2Stream, constants: typeof http2.constants): Error {
  const code = stream.rstCode;
  const error = new Error(
    code === constants.NGHTTP2_REFUSED_STREAM ? 'stream refused' : `stream closed without an answer (code ${code ?? 'none'})`,
  ) as Error & { code: string };
  error.code = code === constants.NGHTTP2_REFUSED_STREAM ? 'ERR_HTTP2_REFUSED_STREAM' : 'ERR_HTTP2_STREAM_CLOSED';
  return error;
}

/** Errors that mean the session went away under a request, before the server processed it. */
function isSessionLoss(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return (
    code === 'ERR_HTTP2_REFUSED_STREAM' ||
    code === 'ERR_HTTP2_GOAWAY_SESSION' ||
    code === 'ERR_HTTP2_INVALID_SESSION' ||
    code === 'ERR_HTTP2_STREAM_CANCEL' ||
    code === 'ERR_HTTP2_SESSION_ERROR' ||
    code === 'ERR_HTTP2_STREAM_CLOSED' ||
    code === 'ECONNRESET' ||
    code === 'EPIPE'
  );
}
