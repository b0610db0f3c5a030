/**
 * How the index is asked (transport.ts carries the bytes). Redirects are followed by hand so that
 * credentials never travel to another host; bodies are bounded before and
 * after decompression; every failure comes back as a value, never a throw.
 */
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import type { Exchange, Transport } from './exchange.js';
import { createTransport, type TransportOptions } from './transport.js';

export type HttpResult =
  | { kind: 'ok'; status: number; body: string; etag?: string; contentType: string; url: string; bytes: number }
  | { kind: 'not-modified'; etag?: string; bytes: number }
  | { kind: 'not-found'; status: number; bytes: number }
  | { kind: 'failed'; reason: string; status?: number; retryAfterMs?: number; bytes: number };

export interface HttpOptions {
  userAgent: string;
  /** Connections kept per origin. */
  connections: number;
  /** Explicit proxy (e.g. VS Code's http.proxy); otherwise HTTPS_PROXY/HTTP_PROXY/NO_PROXY apply. */
  proxy?: string;
  proxyStrictSSL?: boolean;
  /** Extra trusted certificates (PEM), besides Node's and NODE_EXTRA_CA_CERTS. */
  ca?: string | Buffer;
  timeoutMs?: number;
  /** Largest body accepted, after decompression. */
  maxBodyBytes?: number;
}

export interface GetOptions {
  accept: string;
  etag?: string;
  signal?: AbortSignal;
}

const MAX_REDIRECTS = 5;
const DEFAULT_TIMEOUT_MS = 20_000;
/**
 * Far above any real project page (cryptography's, with 85 releases of wheels, is 2.4 MB),
 * low enough that 16 bodies in flight cannot exhaust memory.
 */
const DEFAULT_MAX_BODY = 16 * 1024 * 1024;

/** A counting semaphore, for the few places that must bound work in flight. */
class Semaphore {
  private readonly waiting: (() => void)[] = [];
  constructor(private free: number) {}
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

const inflating = new Semaphore(2);
/** Compressed bodies up to this size are inflated synchronously: cheaper than a trip to the thread pool. */
const SYNC_INFLATE_LIMIT = 256 * 1024;

function inflateSync(encoding: string, raw: Buffer, limit: { maxOutputLength: number }): Buffer | undefined {
  if (encoding === 'gzip' || encoding === 'x-gzip') return zlib.gunzipSync(raw, limit);
  if (encoding === 'deflate') return zlib.inflateSync(raw, limit);
  if (encoding === 'br') return zlib.brotliDecompressSync(raw, limit);
  if (encoding === '' || encoding === 'identity') return raw;
  return undefined;
}

function inflateError(e: unknown, encoding: string): string {
  const tooLarge = e instanceof RangeError || (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
  return tooLarge ? 'response too large after decompression' : `corrupt ${encoding} body`;
}

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const brotli = promisify(zlib.brotliDecompress);

export class HttpClient {
  private readonly transport: Transport;
  private readonly timeoutMs: number;
  private readonly maxBody: number;

  constructor(private readonly options: HttpOptions) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
    const transport: TransportOptions = { connections: options.connections, timeoutMs: this.timeoutMs };
    if (options.proxy) transport.proxy = options.proxy;
    if (options.proxyStrictSSL !== undefined) transport.proxyStrictSSL = options.proxyStrictSSL;
    if (options.ca) transport.ca = options.ca;
    this.transport = createTransport(transport);
  }

  async get(rawUrl: string, opts: GetOptions): Promise<HttpResult> {
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      return { kind: 'failed', reason: 'invalid URL', bytes: 0 };
    }
    const authorization = credentialsHeader(url);
    url.username = '';
    url.password = '';
    const origin = url.origin;
    const seen = new Set<string>();
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    let bytes = 0;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      seen.add(url.href);
      const headers: Record<string, string> = {
        accept: opts.accept,
        'accept-encoding': 'gzip, deflate, br',
        'user-agent': this.options.userAgent,
      };
      if (opts.etag) headers['if-none-match'] = opts.etag;
      // Credentials belong to the configured index; a redirect elsewhere does not get them.
      if (authorization && url.origin === origin) headers.authorization = authorization;
      let res: Exchange;
      try {
        res = await this.transport.send(url, headers, signal);
      } catch (e) {
        return { kind: 'failed', reason: describeError(e, timeout, opts.signal), bytes };
      }
      const status = res.status;
      if (status >= 300 && status < 400 && status !== 304) {
        await res.discard();
        const location = res.header('location');
        if (!location) return { kind: 'failed', reason: `HTTP ${status} without a Location`, status, bytes };
        let next: URL;
        try {
          next = new URL(location, url);
        } catch {
          return { kind: 'failed', reason: `HTTP ${status} to an invalid Location`, status, bytes };
        }
        if (next.protocol !== 'https:' && next.protocol !== 'http:') {
          return { kind: 'failed', reason: `redirect to unsupported scheme ${next.protocol}`, status, bytes };
        }
        if (seen.has(next.href)) return { kind: 'failed', reason: 'redirect loop', status, bytes };
        url = next;
        continue;
      }
      if (status === 304) {
        await res.discard();
        return withEtag({ kind: 'not-modified', bytes }, res.header('etag'));
      }
      if (status === 404 || status === 410) {
        await res.discard();
        return { kind: 'not-found', status, bytes };
      }
      if (status !== 200) {
        await res.discard();
        const failed: HttpResult = { kind: 'failed', reason: `HTTP ${status}`, status, bytes };
        const retryAfter = parseRetryAfter(res.header('retry-after'));
        if (retryAfter !== undefined) failed.retryAfterMs = retryAfter;
        return failed;
      }
      const body = await this.readBody(res, signal, timeout);
      bytes += body.received;
      if (body.error) return { kind: 'failed', reason: body.error, status, bytes };
      const ok: HttpResult = {
        kind: 'ok',
        status,
        body: body.text!,
        contentType: (res.header('content-type') ?? '').toLowerCase(),
        url: url.href,
        bytes,
      };
      return withEtag(ok, res.header('etag'));
    }
    return { kind: 'failed', reason: `more than ${MAX_REDIRECTS} redirects`, bytes };
  }

  private async readBody(res: Exchange, signal: AbortSignal, timeout: AbortSignal): Promise<{ text?: string; error?: string; received: number }> {
    const chunks: Buffer[] = [];
    let received = 0;
    const declared = Number(res.header('content-length'));
    if (Number.isFinite(declared) && declared > this.maxBody) {
      await res.discard();
      return { error: `response too large (${declared} bytes)`, received };
    }
    try {
      for await (const buf of res.body) {
        received += buf.length;
        if (received > this.maxBody) {
          res.destroy();
          return { error: 'response too large', received };
        }
        chunks.push(buf);
      }
    } catch (e) {
      return { error: describeError(e, timeout, signal), received };
    }
    if (signal.aborted) return { error: 'cancelled', received };
    // A body shorter than announced was cut off. HTTP/1.1 and undici fail such a body themselves;
    // an HTTP/2 stream reset with NO_ERROR before its end (RFC 9113 8.1 allows that only after a
    // complete response) ends it as if it were whole, and only the length can tell.
    if (Number.isFinite(declared) && received !== declared) return { error: `incomplete response (${received} of ${declared} bytes)`, received };
    const raw = Buffer.concat(chunks);
    const encoding = (res.header('content-encoding') ?? '').trim().toLowerCase();
    const limit = { maxOutputLength: this.maxBody };
    // Small bodies (nearly all) are inflated synchronously: cheaper than a thread-pool round
    // trip, one at a time by construction, and still stopped at the size limit.
    if (raw.length <= SYNC_INFLATE_LIMIT) {
      try {
        const decoded = inflateSync(encoding, raw, limit);
        if (!decoded) return { error: `unsupported content encoding ${encoding}`, received };
        return { text: decodeText(decoded, res.header('content-type')), received };
      } catch (e) {
        return { error: inflateError(e, encoding), received };
      }
    }
    // Two large bodies are inflated at a time: sixteen compression bombs inflating at once
    // would each reach the size limit before failing.
    await inflating.acquire();
    try {
      const decoded =
        encoding === 'gzip' || encoding === 'x-gzip'
          ? await gunzip(raw, limit)
          : encoding === 'deflate'
            ? await inflate(raw, limit)
            : encoding === 'br'
              ? await brotli(raw, limit)
              : encoding === '' || encoding === 'identity'
                ? raw
                : undefined;
      if (!decoded) return { error: `unsupported content encoding ${encoding}`, received };
      return { text: decodeText(decoded, res.header('content-type')), received };
    } catch (e) {
      return { error: inflateError(e, encoding), received };
    } finally {
      inflating.release();
    }
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}

function withEtag<T extends HttpResult>(result: T, etag: string | undefined): T {
  if (etag && (result.kind === 'ok' || result.kind === 'not-modified')) result.etag = etag;
  return result;
}

function credentialsHeader(url: URL): string | undefined {
  if (!url.username && !url.password) return undefined;
  const user = decodeLoosely(url.username);
  const pass = decodeLoosely(url.password);
  return 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');
}

/**
 * The body as text in the charset its Content-Type names (pip reads HTML pages so), UTF-8 when it
 * names none or one this runtime does not know.
 */
function decodeText(body: Buffer, contentType: string | undefined): string {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '')?.[1]?.toLowerCase();
  if (charset && charset !== 'utf-8' && charset !== 'utf8') {
    try {
      return new TextDecoder(charset).decode(body);
    } catch {
      // An unknown label: read as UTF-8, as with no label at all.
    }
  }
  return body.toString('utf8');
}

/** Percent-decoding as pip does it (urllib's unquote): a `%` that starts no escape stays as it is. */
export function decodeLoosely(value: string): string {
  return value.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/** Retry-After is seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function describeError(e: unknown, timeout: AbortSignal, signal: AbortSignal | undefined): string {
  if (timeout.aborted) return 'timed out';
  const err = e as { name?: string; code?: string; message?: string };
  // undici also aborts a request whose proxy refuses the tunnel (407, 502): only our own signal means cancelled.
  if (err.name === 'AbortError' && signal?.aborted) return 'cancelled';
  if (err.code === 'UND_ERR_HEADERS_TIMEOUT' || err.code === 'UND_ERR_BODY_TIMEOUT') return 'timed out';
  if (err.code) return `${err.code}${err.message ? `: ${err.message}` : ''}`;
  return err.message ?? String(e);
}
