/**
 * Local PyPI-compatible index for tests and benchmarks (PyPI itself is unreachable here).
 *
 * Speaks PyPI's protocols on 127.0.0.1 with payloads from REAL recorded responses
 * (see index-catalog.ts for what backs each project):
 *   GET /simple/<name>/            PEP 503 HTML / PEP 691 JSON, negotiated from Accept (q-values)
 *   GET /simple/                   project list (HTML / JSON)
 *   GET /pypi/<name>/json          JSON API project document (404 when quarantined)
 *   GET /pypi/<name>/<version>/json JSON API release document (canonical-version match)
 *   GET /integrity/<name>/<version>/<file>/provenance  PEP 740 provenance object of a file whose
 *                                  page entry names it (a recorded page's https://pypi.org/integrity/
 *                                  URLs are served pointing here, as PyPI's point at PyPI)
 * Behaviour modelled on Warehouse (warehouse/api/simple.py, warehouse/legacy/api/json.py):
 * non-normalized names → 301 to the normalized URL, missing trailing slash → 301,
 * X-PyPI-Last-Serial, Vary: Accept, Cache-Control; plus strong ETags / If-None-Match → 304
 * and gzip. Faults (status, hang, reset, drip, truncation, malformed bodies, bombs,
 * redirects) can be injected per path prefix. Every request is logged.
 *
 * CLI: node --import tsx test/support/index-server.ts [--port N] [--latency MS] [--generate] [--tls h2|http/1.1]
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import zlib from 'node:zlib';
import {
  catalogNames,
  generatedProject,
  isReservedMissingName,
  isValidProjectName,
  jsonApiProjectDocument,
  jsonApiReleaseDocument,
  loadProject,
  normalizeName,
  provenanceDocument,
  pyJson,
  renderSimpleHtml,
  renderSimpleJson,
  resolveReleaseVersion,
  type ProjectDefinition,
} from './index-catalog.js';
import { TEST_CERT, TEST_KEY } from './tls.js';

export type { ProjectDefinition } from './index-catalog.js';

export interface IndexServerOptions {
  /** Added before every response (default 0). */
  latencyMs?: number;
  /**
   * 'not-found' (default): names outside the catalog are 404. 'generate': any valid PEP 508
   * name outside the catalog gets an active project synthesized in the shape of a real
   * capture (six), with a plausible version list (names starting with `nonexistent-`,
   * `does-not-exist-`, `not-found-` or `no-such-` stay 404).
   */
  unknownProjects?: 'not-found' | 'generate';
  /** Honour Accept-Encoding: gzip (default true). */
  gzip?: boolean;
  /**
   * Answer to a /simple/ request whose Accept header matches no representation:
   * 'not-acceptable' (default) → 406, as PEP 691 allows; 'text/html' → the HTML page,
   * which is what pypi.org itself does (Warehouse falls back to text/html).
   */
  unacceptable?: 'not-acceptable' | 'text/html';
  /** Project pages only in HTML (PEP 503), as an index that does not implement PEP 691 serves them. */
  htmlOnly?: boolean;
  /** Port to listen on (default 0 = any free port). */
  port?: number;
  /**
   * Plain HTTP (default); 'h2': HTTPS offering HTTP/2 and HTTP/1.1 by ALPN, as pypi.org does;
   * 'http/1.1': HTTPS offering HTTP/1.1 only. The certificate is test/support/tls (TEST_CA_FILE).
   * Faults that act on the connection (reset, truncated, hang) close the whole connection,
   * which over HTTP/2 ends every stream on it.
   */
  tls?: 'h2' | 'http/1.1';
  /** Answer 401 (with a Basic challenge) to every request without these credentials, as a private index does. */
  basicAuth?: { username: string; password: string };
}

export type Fault =
  | { kind: 'status'; status: number; retryAfter?: number; body?: string }
  | { kind: 'hang' } // accept, never answer (until close)
  | { kind: 'reset' } // destroy the socket
  | { kind: 'drip'; bytesPerSecond: number } // slow drip of the real body
  | { kind: 'truncated' } // real body cut in half, Content-Length of the full body then socket closed
  | { kind: 'malformed' } // 200 with invalid JSON / garbage HTML
  | { kind: 'html-for-json' } // 200 text/html page although JSON was asked
  | { kind: 'wrong-content-type' } // real JSON body but Content-Type: text/plain
  | { kind: 'oversized'; bytes: number; chunked?: boolean } // 200 with a valid-looking but huge body
  | { kind: 'gzip-bomb'; bytes: number } // Content-Encoding: gzip body that inflates to `bytes`
  | { kind: 'redirect-loop' }
  | { kind: 'redirect'; location: string; status?: 301 | 302 | 303 | 307 | 308 }; // e.g. to another host

export interface LoggedRequest {
  method: string;
  /** Request target as sent (path and query). */
  path: string;
  /** Status sent; 0 while unanswered and for hang/reset. */
  status: number;
  /** accept, accept-encoding, if-none-match, user-agent, authorization. */
  headers: Record<string, string | undefined>;
  /** Body bytes written (compressed size when gzip'd). */
  bytesSent: number;
  /** The fault applied, if any. */
  fault?: Fault['kind'];
  /** '1.1' or '2.0'. */
  httpVersion: string;
  /** process.hrtime.bigint() when the request arrived (for benchmarks). */
  receivedNs?: bigint;
  /** process.hrtime.bigint() when the answer was handed to the socket (for benchmarks). */
  answeredNs?: bigint;
}

export interface IndexServer {
  readonly url: string; // http://127.0.0.1:PORT
  readonly simpleUrl: string; // `${url}/simple/`
  readonly jsonApiUrl: string; // `${url}/pypi/`
  readonly requests: LoggedRequest[];
  /** TCP connections accepted so far. */
  readonly connections: number;
  /** TCP connections open now. */
  readonly openConnections: number;
  /** Closes every open connection now, as a server closing idle keep-alive connections does. */
  dropConnections(): void;
  resetLog(): void;
  /** Resolves once every logged request is answered (but those a 'hang' fault holds) and none has arrived for `quietMs`. */
  settled(quietMs?: number): Promise<void>;
  setLatency(ms: number): void;
  /** Fault for every request whose path starts with pathPrefix (e.g. '/simple/six/' or '/' for all); count = how many requests it applies to (default: all until cleared). */
  setFault(pathPrefix: string, fault: Fault, count?: number): void;
  clearFaults(): void;
  /** Change or add a project at run time (e.g. flip a status between two lookups); bumps its ETag. */
  setProject(name: string, project: ProjectDefinition): void;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------
// Content negotiation (WebOb acceptable_offers semantics, as Warehouse uses it)
// ---------------------------------------------------------------------------

export const MIME_TEXT_HTML = 'text/html';
export const MIME_SIMPLE_V1_HTML = 'application/vnd.pypi.simple.v1+html';
export const MIME_SIMPLE_V1_JSON = 'application/vnd.pypi.simple.v1+json';
const MIME_SIMPLE_LATEST_HTML = 'application/vnd.pypi.simple.latest+html';
const MIME_SIMPLE_LATEST_JSON = 'application/vnd.pypi.simple.latest+json';
/** Warehouse's offer order (text/html first, so `*∕*` and no Accept give HTML), plus PEP 691's `latest` aliases. */
const SIMPLE_OFFERS = [MIME_TEXT_HTML, MIME_SIMPLE_V1_HTML, MIME_SIMPLE_V1_JSON, MIME_SIMPLE_LATEST_HTML, MIME_SIMPLE_LATEST_JSON];
/** Content-Type headers as PyPI sends them. */
const CONTENT_TYPE: Record<string, string> = {
  [MIME_TEXT_HTML]: 'text/html; charset=UTF-8',
  [MIME_SIMPLE_V1_HTML]: MIME_SIMPLE_V1_HTML,
  [MIME_SIMPLE_V1_JSON]: MIME_SIMPLE_V1_JSON,
  [MIME_SIMPLE_LATEST_HTML]: MIME_SIMPLE_V1_HTML,
  [MIME_SIMPLE_LATEST_JSON]: MIME_SIMPLE_V1_JSON,
};
/** As documented in docs/warehouse__docs__user__api__json.md (note the quoted charset). */
const PYPI_INTEGRITY = 'https://pypi.org/integrity/';
export const JSON_API_CONTENT_TYPE = 'application/json; charset="UTF-8"';

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

function parseAccept(header: string | undefined): MediaRange[] | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const ranges: MediaRange[] = [];
  for (const part of header.split(',')) {
    const [mediaRaw, ...params] = part.split(';');
    const media = mediaRaw!.trim().toLowerCase();
    if (media === '') continue;
    const m = /^([a-z0-9!#$&^_.+-]+|\*)\/([a-z0-9!#$&^_.+-]+|\*)$/.exec(media);
    if (!m) return undefined; // invalid header: WebOb treats it like no header
    let q = 1;
    for (const p of params) {
      const [k, v] = p.split('=').map((s) => s.trim());
      if (k?.toLowerCase() === 'q' && v !== undefined) {
        q = Number(v);
        if (!Number.isFinite(q) || q < 0 || q > 1) return undefined;
      }
    }
    ranges.push({ type: m[1]!, subtype: m[2]!, q });
  }
  return ranges;
}

/** Offers acceptable for an Accept header, best first (q desc, then offer order). */
export function acceptableOffers(header: string | undefined, offers: readonly string[]): string[] {
  const ranges = parseAccept(header);
  if (!ranges) return [...offers];
  const scored: { offer: string; q: number; index: number }[] = [];
  offers.forEach((offer, index) => {
    const [type, subtype] = offer.split('/') as [string, string];
    let best: { spec: number; q: number } | undefined;
    for (const r of ranges) {
      let spec = 0;
      if (r.type === type && r.subtype === subtype) spec = 3;
      else if (r.type === type && r.subtype === '*') spec = 2;
      else if (r.type === '*' && r.subtype === '*') spec = 1;
      if (spec > 0 && (!best || spec > best.spec)) best = { spec, q: r.q };
    }
    if (best && best.q > 0) scored.push({ offer, q: best.q, index });
  });
  return scored.sort((a, b) => b.q - a.q || a.index - b.index).map((s) => s.offer);
}

function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  let gzipQ: number | undefined;
  let starQ: number | undefined;
  for (const part of header.split(',')) {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    let q = 1;
    for (const p of params) {
      const [k, v] = p.split('=').map((s) => s.trim());
      if (k === 'q' && v !== undefined) q = Number(v);
    }
    if (coding === 'gzip' || coding === 'x-gzip') gzipQ = q;
    else if (coding === '*') starQ = q;
  }
  return (gzipQ ?? starQ ?? 0) > 0;
}

// ---------------------------------------------------------------------------
// Representations
// ---------------------------------------------------------------------------

interface Rendered {
  body: Buffer;
  /** Strong ETag of the identity body, quoted. */
  etag: string;
  gzipped?: Buffer;
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Cacheable representation (ETag / gzip apply). */
  rendered?: Rendered;
  /** Negotiated body type, for faults that fake a body. */
  kind: 'json' | 'html' | 'text';
  project?: string;
}

interface ProjectState {
  def: ProjectDefinition;
  generation: number;
  cache: Map<string, Rendered>;
}

/** md5 in base64 without padding, the 22-character form of PyPI's ETags ("q4SqZutq1tfRDqhh3zQ4gQ"). */
function etagFor(body: Buffer, generation: number): string {
  const h = createHash('md5').update(body);
  if (generation > 0) h.update(`\0generation ${generation}`);
  return `"${h.digest('base64').replace(/=+$/, '')}"`;
}

function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const base = etag.slice(1, -1);
  return ifNoneMatch.split(',').some((raw) => {
    const t = raw.trim();
    if (t === '*') return true;
    const m = /^(?:W\/)?"([^"]*)"$/.exec(t);
    if (!m) return false;
    return m[1] === base || m[1] === `${base}-gzip`;
  });
}

const NOT_FOUND_HTML = Buffer.from(
  '<!DOCTYPE html>\n<html lang="en">\n  <head>\n    <title>404 Not Found</title>\n  </head>\n  <body>\n    <h1>404 Not Found</h1>\n    The resource could not be found.\n  </body>\n</html>\n',
);

const CAPTIVE_PORTAL_HTML = Buffer.from(
  '<!DOCTYPE html>\n<html>\n<head><meta charset="utf-8"><title>Sign in to the network</title></head>\n<body>\n<h1>Welcome to Guest Wi-Fi</h1>\n<p>Please accept the terms of use to continue.</p>\n<form method="post" action="/login"><button type="submit">Accept and connect</button></form>\n</body>\n</html>\n',
);

function plain(status: number, text: string, extra: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { 'Content-Type': 'text/plain; charset=UTF-8', ...extra },
    body: Buffer.from(text),
    kind: 'text',
  };
}

function notFound(kind: Reply['kind'] = 'html'): Reply {
  return {
    status: 404,
    headers: { 'Content-Type': 'text/html; charset=UTF-8', 'Access-Control-Allow-Origin': '*' },
    body: NOT_FOUND_HTML,
    kind,
  };
}

function redirect(status: number, location: string, kind: Reply['kind']): Reply {
  return {
    status,
    headers: { Location: location, 'Content-Type': 'text/html; charset=UTF-8', 'Access-Control-Allow-Origin': '*' },
    body: Buffer.from(`<html><head><title>${status} Moved</title></head><body>The resource has been moved to ${location}.</body></html>\n`),
    kind,
  };
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

// ---------------------------------------------------------------------------
// Fault bodies
// ---------------------------------------------------------------------------

function malformedBody(kind: Reply['kind'], project: string): Buffer {
  if (kind === 'json') {
    // Looks like PEP 691 but is not JSON: single quotes, NaN, trailing comma, unterminated.
    return Buffer.from(`{"meta":{"api-version":"1.4"},"name":"${project}","files":[{'filename': NaN, "yanked": True,},`);
  }
  return Buffer.concat([
    Buffer.from(`<!DOCTYPE html>\n<html><head><meta name="pypi:repository-version" content=><title>Links for ${project}</ti`),
    Buffer.from([0x00, 0xff, 0xfe, 0x1b, 0x5b, 0x32, 0x4a]),
    Buffer.from('<a href="<a href=\'>></a data-yanked="\n</h1><<<'),
  ]);
}

/** Pieces of a valid-looking document of exactly `bytes` bytes: prefix + unit* + padding + suffix. */
function oversizedPlan(kind: Reply['kind'], path: string, project: string): { prefix: string; unit: string; pad: string; suffix: string } {
  if (kind === 'html') {
    return {
      prefix: `<!DOCTYPE html>\n<html lang="en">\n  <head>\n    <meta name="pypi:repository-version" content="1.4">\n<meta name="pypi:project-status" content="active">    <title>Links for ${project}</title>\n  </head>\n  <body>\n    <h1>Links for ${project}</h1>\n`,
      unit: `<a href="https://files.pythonhosted.org/packages/00/00/${'0'.repeat(60)}/${project}-0.0.1.tar.gz#sha256=${'0'.repeat(64)}" data-requires-python="&gt;=3.8" >${project}-0.0.1.tar.gz</a><br />\n`,
      pad: '\n',
      suffix: '</body>\n</html>\n<!--SERIAL 1-->',
    };
  }
  if (path.startsWith('/pypi/')) {
    return {
      prefix: `{"info":{"description":"`,
      unit: 'A huge description. ',
      pad: ' ',
      suffix: `","name":"${project}","summary":"","version":"0.0.1","yanked":false,"yanked_reason":null},"last_serial":1,"releases":{"0.0.1":[]},"urls":[],"vulnerabilities":[]}`,
    };
  }
  return {
    prefix: '{"alternate-locations":[],"files":[',
    unit: `{"core-metadata":false,"data-dist-info-metadata":false,"filename":"${project}-0.0.1.tar.gz","hashes":{"sha256":"${'0'.repeat(64)}"},"provenance":null,"requires-python":null,"size":1,"upload-time":"2020-01-01T00:00:00.000000Z","url":"https://files.pythonhosted.org/packages/00/00/${'0'.repeat(60)}/${project}-0.0.1.tar.gz","yanked":false},`,
    pad: ' ',
    suffix: `{"filename":"${project}-0.0.1.tar.gz","hashes":{},"url":"x","yanked":false}],"meta":{"_last-serial":1,"api-version":"1.4"},"name":"${project}","project-status":{"status":"active"},"versions":["0.0.1"]}`,
  };
}

const bombCache = new Map<number, Promise<Buffer>>();

/** gzip of a JSON-looking prefix followed by spaces, inflating to exactly `bytes` bytes. */
function gzipBomb(bytes: number): Promise<Buffer> {
  let p = bombCache.get(bytes);
  if (!p) {
    p = new Promise<Buffer>((resolve, reject) => {
      const gz = zlib.createGzip({ level: 9 });
      const chunks: Buffer[] = [];
      gz.on('data', (c: Buffer) => chunks.push(c));
      gz.on('end', () => resolve(Buffer.concat(chunks)));
      gz.on('error', reject);
      const prefix = Buffer.from('{"meta":{"api-version":"1.4"},"files":[');
      const head = prefix.subarray(0, Math.min(prefix.length, bytes));
      const block = Buffer.alloc(1 << 20, 0x20);
      let remaining = bytes - head.length;
      gz.write(head);
      const pump = (): void => {
        while (remaining > 0) {
          const n = Math.min(remaining, block.length);
          remaining -= n;
          if (!gz.write(block.subarray(0, n))) {
            gz.once('drain', pump);
            return;
          }
        }
        gz.end();
      };
      pump();
    });
    bombCache.set(bytes, p);
  }
  return p;
}

// ---------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------

interface FaultRule {
  prefix: string;
  fault: Fault;
  remaining: number; // Infinity = until cleared
  order: number;
}

const LOGGED_HEADERS = ['accept', 'accept-encoding', 'if-none-match', 'user-agent', 'authorization'] as const;

export async function startIndexServer(options: IndexServerOptions = {}): Promise<IndexServer> {
  let latencyMs = options.latencyMs ?? 0;
  const generate = options.unknownProjects === 'generate';
  const gzipEnabled = options.gzip !== false;
  const unacceptable = options.unacceptable ?? 'not-acceptable';
  const detailOffers = options.htmlOnly ? SIMPLE_OFFERS.filter((o) => !CONTENT_TYPE[o]!.includes('json')) : SIMPLE_OFFERS;
  const requests: LoggedRequest[] = [];
  let faults: FaultRule[] = [];
  let faultOrder = 0;
  const projects = new Map<string, ProjectState>();
  const generations = new Map<string, number>();
  const sockets = new Set<Socket>();
  const pendingTimers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  let closing = false;
  let baseUrl = '';

  function project(name: string): ProjectState | undefined {
    const key = normalizeName(name);
    const existing = projects.get(key);
    if (existing) return existing;
    let def = loadProject(key);
    if (!def && generate && isValidProjectName(name) && !isReservedMissingName(key)) def = generatedProject(key);
    if (!def) return undefined;
    const state: ProjectState = { def, generation: generations.get(key) ?? 0, cache: new Map() };
    projects.set(key, state);
    return state;
  }

  function rendered(state: ProjectState, view: string, make: () => Buffer | string | undefined): Rendered | undefined {
    const hit = state.cache.get(view);
    if (hit) return hit;
    const made = make();
    if (made === undefined) return undefined;
    const body = typeof made === 'string' ? Buffer.from(made, 'utf8') : made;
    const r: Rendered = { body, etag: etagFor(body, state.generation) };
    state.cache.set(view, r);
    return r;
  }

  function sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          pendingTimers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      pendingTimers.add(entry);
    });
  }

  function takeFault(pathname: string): Fault | undefined {
    let best: FaultRule | undefined;
    for (const rule of faults) {
      if (!pathname.startsWith(rule.prefix)) continue;
      if (!best || rule.prefix.length > best.prefix.length || (rule.prefix.length === best.prefix.length && rule.order > best.order)) best = rule;
    }
    if (!best) return undefined;
    best.remaining -= 1;
    if (best.remaining <= 0) faults = faults.filter((r) => r !== best);
    return best.fault;
  }

  // --- routing -----------------------------------------------------------

  function simpleIndex(accept: string | undefined): Reply {
    const offers = acceptableOffers(accept, SIMPLE_OFFERS);
    const chosen = offers[0] ?? (unacceptable === 'text/html' ? MIME_TEXT_HTML : undefined);
    if (!chosen) return plain(406, 'Not Acceptable');
    const list = catalogNames()
      .map((n) => project(n)!)
      .filter((s) => s.def.status?.status !== 'quarantined')
      .sort((a, b) => (normalizeName(a.def.name) < normalizeName(b.def.name) ? -1 : 1));
    const serial = Math.max(0, ...list.map((s) => s.def.lastSerial ?? 0));
    const isJson = CONTENT_TYPE[chosen] === MIME_SIMPLE_V1_JSON;
    const body = isJson
      ? pyJson({
          meta: { '_last-serial': serial, 'api-version': '1.4' },
          projects: list.map((s) => ({ '_last-serial': s.def.lastSerial ?? 0, name: s.def.name })),
        })
      : '<!DOCTYPE html>\n<html>\n  <head>\n    <meta name="pypi:repository-version" content="1.4">\n    <title>Simple index</title>\n  </head>\n  <body>\n' +
        list.map((s) => `    <a href="/simple/${normalizeName(s.def.name)}/">${s.def.name}</a>\n`).join('') +
        '  </body>\n</html>';
    const buf = Buffer.from(body);
    return {
      status: 200,
      headers: {
        'Content-Type': CONTENT_TYPE[chosen]!,
        'X-PyPI-Last-Serial': String(serial),
        Vary: 'Accept, Accept-Encoding',
        'Cache-Control': 'max-age=600, public',
        'Access-Control-Allow-Origin': '*',
      },
      body: buf,
      rendered: { body: buf, etag: etagFor(buf, 0) },
      kind: isJson ? 'json' : 'html',
    };
  }

  function simpleDetail(name: string, search: string, accept: string | undefined): Reply {
    const normalized = normalizeName(name);
    if (name !== normalized) return redirect(301, `/simple/${encodeURIComponent(normalized)}/${search}`, 'html');
    const state = project(name);
    const offers = acceptableOffers(accept, detailOffers);
    const chosen = offers[0] ?? (unacceptable === 'text/html' ? MIME_TEXT_HTML : undefined);
    const isJson = chosen !== undefined && CONTENT_TYPE[chosen] === MIME_SIMPLE_V1_JSON;
    if (!state) return notFound(isJson ? 'json' : 'html');
    if (!chosen) return { ...plain(406, 'Not Acceptable'), kind: 'json', project: normalized };
    const def = state.def;
    const r = isJson
      ? rendered(state, 'simple-json', () => localIntegrity(def.raw?.simpleJson ?? renderSimpleJson(def)))!
      : rendered(state, 'simple-html', () => localIntegrity(def.raw?.simpleHtml ?? renderSimpleHtml(def)))!;
    return {
      status: 200,
      headers: {
        'Content-Type': CONTENT_TYPE[chosen]!,
        'X-PyPI-Last-Serial': String(def.lastSerial ?? 0),
        Vary: 'Accept, Accept-Encoding',
        'Cache-Control': 'max-age=600, public',
        'Access-Control-Allow-Origin': '*',
      },
      body: r.body,
      rendered: r,
      kind: isJson ? 'json' : 'html',
      project: normalized,
    };
  }

  /** A page's provenance URLs on pypi.org, pointed at this server (the bytes are otherwise unchanged). */
  function localIntegrity(body: Buffer | string): Buffer | string {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    return text.includes(PYPI_INTEGRITY) ? text.replaceAll(PYPI_INTEGRITY, `${baseUrl}/integrity/`) : body;
  }

  function integrity(name: string, pathname: string): Reply {
    const state = project(name);
    const body = state && normalizeName(name) === name ? rendered(state, `provenance:${pathname}`, () => provenanceDocument(state.def, pathname)) : undefined;
    if (!state || !body) return { ...notFound('json'), ...(state ? { project: normalizeName(name) } : {}) };
    return {
      status: 200,
      headers: { 'Content-Type': 'application/json', 'Cache-Control': 'max-age=86400, public', 'Access-Control-Allow-Origin': '*' },
      body: body.body,
      rendered: body,
      kind: 'json',
      project: normalizeName(name),
    };
  }

  function jsonApi(name: string, version: string | undefined, slash: boolean, search: string): Reply {
    const normalized = normalizeName(name);
    if (name !== normalized) {
      const tail = version === undefined ? 'json' : `${encodeURIComponent(version)}/json`;
      return redirect(301, `/pypi/${encodeURIComponent(normalized)}/${tail}${slash ? '/' : ''}${search}`, 'json');
    }
    const state = project(name);
    if (!state) return notFound('json');
    const def = state.def;
    let r: Rendered | undefined;
    if (version === undefined) {
      r = rendered(state, 'json-project', () => {
        const doc = jsonApiProjectDocument(def);
        if (!doc) return undefined;
        return def.raw?.projectJson ?? pyJson(doc);
      });
    } else {
      const exact = resolveReleaseVersion(def, version);
      r =
        exact === undefined
          ? undefined
          : rendered(state, `json-release:${exact}`, () => {
              const doc = jsonApiReleaseDocument(def, exact);
              if (!doc) return undefined;
              return def.raw?.releaseJson?.[exact] ?? pyJson(doc);
            });
    }
    if (!r) return { ...notFound('json'), project: normalized };
    return {
      status: 200,
      headers: {
        'Content-Type': JSON_API_CONTENT_TYPE,
        'X-PyPI-Last-Serial': String(def.lastSerial ?? 0),
        Vary: 'Accept-Encoding',
        'Cache-Control': 'max-age=900, public',
        'Access-Control-Allow-Origin': '*',
      },
      body: r.body,
      rendered: r,
      kind: 'json',
      project: normalized,
    };
  }

  function route(req: http.IncomingMessage): Reply {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') return plain(405, 'Method Not Allowed', { Allow: 'GET, HEAD' });
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const pathname = url.pathname;
    const search = url.search;
    const accept = req.headers.accept;
    if (pathname === '/simple') return redirect(301, `${baseUrl}/simple/${search}`, 'html');
    if (pathname === '/simple/') return simpleIndex(accept);
    let m = /^\/simple\/([^/]+)(\/?)$/.exec(pathname);
    if (m) {
      const name = decodeSegment(m[1]!);
      // PEP 503: URLs without the trailing slash redirect to the slash form.
      if (m[2] === '') return redirect(301, `${baseUrl}/simple/${m[1]}/${search}`, 'html');
      return simpleDetail(name, search, accept);
    }
    m = /^\/pypi\/([^/]+)\/json(\/?)$/.exec(pathname);
    if (m) return jsonApi(decodeSegment(m[1]!), undefined, m[2] === '/', search);
    m = /^\/pypi\/([^/]+)\/([^/]+)\/json(\/?)$/.exec(pathname);
    if (m) return jsonApi(decodeSegment(m[1]!), decodeSegment(m[2]!), m[3] === '/', search);
    m = /^\/integrity\/([^/]+)\/[^/]+\/[^/]+\/provenance$/.exec(pathname);
    if (m) return integrity(decodeSegment(m[1]!), pathname);
    return notFound();
  }

  // --- writing -------------------------------------------------------------

  function send(
    res: http.ServerResponse,
    entry: LoggedRequest,
    status: number,
    headers: Record<string, string>,
    body: Buffer | undefined,
    head: boolean,
  ): void {
    entry.status = status;
    entry.answeredNs = process.hrtime.bigint();
    if (body !== undefined && !('Content-Length' in headers)) headers['Content-Length'] = String(body.length);
    res.writeHead(status, headers);
    if (body !== undefined && !head && status !== 304) {
      entry.bytesSent += body.length;
      res.end(body);
    } else {
      res.end();
    }
  }

  function finishNormal(req: http.IncomingMessage, res: http.ServerResponse, entry: LoggedRequest, reply: Reply): void {
    const head = req.method === 'HEAD';
    const headers = { ...reply.headers };
    const r = reply.rendered;
    if (!r || reply.status !== 200) {
      send(res, entry, reply.status, headers, reply.body, head);
      return;
    }
    const useGzip = gzipEnabled && acceptsGzip(req.headers['accept-encoding']);
    headers.ETag = useGzip ? `"${r.etag.slice(1, -1)}-gzip"` : r.etag;
    if (etagMatches(req.headers['if-none-match'], r.etag)) {
      delete headers['Content-Type'];
      send(res, entry, 304, headers, undefined, head);
      return;
    }
    if (useGzip) {
      r.gzipped ??= zlib.gzipSync(r.body);
      headers['Content-Encoding'] = 'gzip';
      send(res, entry, 200, headers, r.gzipped, head);
      return;
    }
    send(res, entry, 200, headers, r.body, head);
  }

  /** Over HTTP/2 only the request's stream is reset (RST_STREAM, as a CDN does); its connection lives on. */
  function dropExchange(req: http.IncomingMessage): void {
    const stream = (req as unknown as { stream?: http2.ServerHttp2Stream }).stream;
    if (stream) stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    else destroySocket(req.socket);
  }

  function destroySocket(socket: Socket | null): void {
    if (!socket) return;
    const withReset = socket as Socket & { resetAndDestroy?: () => Socket };
    if (typeof withReset.resetAndDestroy === 'function') withReset.resetAndDestroy();
    else socket.destroy();
  }

  async function writeSlowly(res: http.ServerResponse, entry: LoggedRequest, body: Buffer, bytesPerSecond: number): Promise<void> {
    const tickMs = 50;
    const perTick = Math.max(1, Math.floor((bytesPerSecond * tickMs) / 1000));
    const interval = Math.max(1, Math.round((perTick / bytesPerSecond) * 1000));
    for (let offset = 0; offset < body.length; offset += perTick) {
      if (closing || res.destroyed || res.socket?.destroyed) return;
      const chunk = body.subarray(offset, offset + perTick);
      entry.bytesSent += chunk.length;
      res.write(chunk);
      if (offset + perTick < body.length) await sleep(interval);
    }
    if (!res.destroyed) res.end();
  }

  async function writeOversized(
    res: http.ServerResponse,
    entry: LoggedRequest,
    reply: Reply,
    path: string,
    fault: { bytes: number; chunked?: boolean },
  ): Promise<void> {
    const plan = oversizedPlan(reply.kind === 'html' ? 'html' : 'json', path, reply.project ?? 'project');
    const fixed = Buffer.byteLength(plan.prefix) + Buffer.byteLength(plan.suffix);
    const unitLen = Buffer.byteLength(plan.unit);
    const units = Math.max(0, Math.floor((fault.bytes - fixed) / unitLen));
    const padLen = Math.max(0, fault.bytes - fixed - units * unitLen);
    const total = fixed + units * unitLen + padLen;
    const headers: Record<string, string> = {
      'Content-Type': reply.headers['Content-Type'] ?? (reply.kind === 'html' ? 'text/html; charset=UTF-8' : MIME_SIMPLE_V1_JSON),
      'Access-Control-Allow-Origin': '*',
    };
    if (!fault.chunked) headers['Content-Length'] = String(total);
    entry.status = 200;
    res.writeHead(200, headers);
    if (res.req.method === 'HEAD') {
      res.end();
      return;
    }
    const write = async (buf: Buffer): Promise<boolean> => {
      if (closing || res.destroyed) return false;
      entry.bytesSent += buf.length;
      if (!res.write(buf)) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        });
      }
      return !res.destroyed;
    };
    if (!(await write(Buffer.from(plan.prefix)))) return;
    const perChunk = Math.max(1, Math.floor((256 * 1024) / unitLen));
    const chunk = Buffer.from(plan.unit.repeat(perChunk));
    let left = units;
    while (left > 0) {
      const n = Math.min(left, perChunk);
      if (!(await write(n === perChunk ? chunk : chunk.subarray(0, n * unitLen)))) return;
      left -= n;
    }
    if (padLen > 0 && !(await write(Buffer.from(plan.pad.repeat(padLen))))) return;
    if (!(await write(Buffer.from(plan.suffix)))) return;
    res.end();
  }

  async function applyFault(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    entry: LoggedRequest,
    fault: Fault,
    pathname: string,
    search: string,
  ): Promise<void> {
    const head = req.method === 'HEAD';
    switch (fault.kind) {
      case 'status': {
        const headers: Record<string, string> = { 'Content-Type': 'text/plain; charset=UTF-8' };
        if (fault.retryAfter !== undefined) headers['Retry-After'] = String(fault.retryAfter);
        const text = fault.body ?? `${fault.status} ${http.STATUS_CODES[fault.status] ?? 'Error'}\n`;
        send(res, entry, fault.status, headers, Buffer.from(text), head);
        return;
      }
      case 'hang':
        // Never answered; the socket is destroyed by close().
        return;
      case 'reset':
        dropExchange(req);
        return;
      case 'redirect-loop': {
        const n = Number(new URLSearchParams(search).get('redirect-loop') ?? '0') + 1;
        const reply = redirect(302, `${pathname}?redirect-loop=${n}`, 'html');
        send(res, entry, reply.status, reply.headers, reply.body, head);
        return;
      }
      case 'redirect': {
        const reply = redirect(fault.status ?? 302, fault.location, 'html');
        send(res, entry, reply.status, reply.headers, reply.body, head);
        return;
      }
      default:
        break;
    }
    const real = route(req);
    switch (fault.kind) {
      case 'drip': {
        const headers: Record<string, string> = { ...real.headers, 'Content-Length': String(real.body.length) };
        if (real.rendered && real.status === 200) headers.ETag = real.rendered.etag;
        entry.status = real.status;
        res.writeHead(real.status, headers);
        if (head) {
          res.end();
          return;
        }
        await writeSlowly(res, entry, real.body, Math.max(1, fault.bytesPerSecond));
        return;
      }
      case 'truncated': {
        const headers = { ...real.headers, 'Content-Length': String(real.body.length) };
        entry.status = real.status;
        res.writeHead(real.status, headers);
        const half = real.body.subarray(0, Math.floor(real.body.length / 2));
        entry.bytesSent += half.length;
        res.write(half, () => dropExchange(req));
        return;
      }
      case 'malformed': {
        const body = malformedBody(real.kind === 'html' ? 'html' : 'json', real.project ?? 'project');
        const type = real.status === 200 ? real.headers['Content-Type']! : real.kind === 'html' ? 'text/html; charset=UTF-8' : MIME_SIMPLE_V1_JSON;
        send(res, entry, 200, { 'Content-Type': type, 'Access-Control-Allow-Origin': '*' }, body, head);
        return;
      }
      case 'html-for-json':
        send(res, entry, 200, { 'Content-Type': 'text/html; charset=UTF-8' }, CAPTIVE_PORTAL_HTML, head);
        return;
      case 'wrong-content-type': {
        const headers: Record<string, string> = { ...real.headers, 'Content-Type': 'text/plain; charset=UTF-8' };
        if (real.rendered && real.status === 200) headers.ETag = real.rendered.etag;
        send(res, entry, real.status, headers, real.body, head);
        return;
      }
      case 'oversized':
        await writeOversized(res, entry, real, pathname, fault);
        return;
      case 'gzip-bomb': {
        const body = await gzipBomb(Math.max(0, fault.bytes));
        if (closing) return;
        const type = real.status === 200 ? real.headers['Content-Type']! : real.kind === 'html' ? 'text/html; charset=UTF-8' : MIME_SIMPLE_V1_JSON;
        send(res, entry, 200, { 'Content-Type': type, 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding' }, body, head);
        return;
      }
    }
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const headers: Record<string, string | undefined> = {};
    for (const h of LOGGED_HEADERS) {
      const v = req.headers[h];
      headers[h] = Array.isArray(v) ? v.join(', ') : v;
    }
    const entry: LoggedRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      status: 0,
      headers,
      bytesSent: 0,
      httpVersion: req.httpVersion,
      receivedNs: process.hrtime.bigint(),
    };
    requests.push(entry);
    if (latencyMs > 0) await sleep(latencyMs);
    if (closing) {
      dropExchange(req);
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (
      options.basicAuth &&
      headers.authorization !== `Basic ${Buffer.from(`${options.basicAuth.username}:${options.basicAuth.password}`).toString('base64')}`
    ) {
      finishNormal(req, res, entry, plain(401, 'Unauthorized', { 'WWW-Authenticate': 'Basic realm="index"' }));
      return;
    }
    const fault = takeFault(url.pathname);
    if (fault) {
      entry.fault = fault.kind;
      await applyFault(req, res, entry, fault, url.pathname, url.search);
      return;
    }
    finishNormal(req, res, entry, route(req));
  }

  let connections = 0;
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=UTF-8' });
        res.end(`500 Internal Server Error\n${err instanceof Error ? err.stack : String(err)}\n`);
      } else {
        res.destroy();
      }
    });
  };
  // HTTP/2's compatibility API offers the members of IncomingMessage and ServerResponse that handle() uses.
  const server: net.Server =
    options.tls === 'h2'
      ? http2.createSecureServer(
          { key: TEST_KEY, cert: TEST_CERT, allowHTTP1: true },
          handler as unknown as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void,
        )
      : options.tls === 'http/1.1'
        ? https.createServer({ key: TEST_KEY, cert: TEST_CERT, ALPNProtocols: ['http/1.1'] }, handler)
        : http.createServer(handler);
  if (server instanceof http.Server) server.keepAliveTimeout = 30_000;
  server.on('connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_err: Error, socket: Socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;

  return {
    url: baseUrl,
    simpleUrl: `${baseUrl}/simple/`,
    jsonApiUrl: `${baseUrl}/pypi/`,
    requests,
    get connections() {
      return connections;
    },
    get openConnections() {
      return sockets.size;
    },
    dropConnections() {
      for (const s of sockets) s.destroy();
    },
    resetLog() {
      requests.length = 0;
    },
    async settled(quietMs = 300) {
      let seen = -1;
      // A request held by a 'hang' fault is never answered: it does not count.
      while (seen !== requests.length || requests.some((r) => r.status === 0 && r.fault !== 'hang')) {
        seen = requests.length;
        await new Promise((resolve) => setTimeout(resolve, quietMs));
      }
    },
    setLatency(ms: number) {
      latencyMs = Math.max(0, ms);
    },
    setFault(pathPrefix: string, fault: Fault, count?: number) {
      faults.push({ prefix: pathPrefix, fault, remaining: count ?? Infinity, order: faultOrder++ });
    },
    clearFaults() {
      faults = [];
    },
    setProject(name: string, def: ProjectDefinition) {
      const key = normalizeName(name);
      const previous = projects.get(key)?.generation ?? generations.get(key) ?? 0;
      const generation = previous + 1;
      generations.set(key, generation);
      projects.set(key, { def, generation, cache: new Map() });
    },
    async close() {
      if (closing) return;
      closing = true;
      for (const t of pendingTimers) {
        clearTimeout(t.timer);
        t.resolve();
      }
      pendingTimers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      if (server instanceof http.Server) server.closeAllConnections();
      await closed;
    },
  };
}

// ---------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------

function parseCli(argv: string[]): IndexServerOptions {
  const options: IndexServerOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? (arg.split(/=(.*)/s, 2) as [string, string]) : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--port':
        options.port = Number(value());
        break;
      case '--latency':
        options.latencyMs = Number(value());
        break;
      case '--generate':
        options.unknownProjects = 'generate';
        break;
      case '--no-gzip':
        options.gzip = false;
        break;
      case '--tls': {
        const v = value();
        if (v !== 'h2' && v !== 'http/1.1') throw new Error('--tls takes h2 or http/1.1');
        options.tls = v;
        break;
      }
      case '--help':
        process.stdout.write('usage: node --import tsx test/support/index-server.ts [--port N] [--latency MS] [--generate] [--no-gzip] [--tls h2|http/1.1]\n');
        process.exit(0);
        break;
      default:
        throw new Error(`unknown argument ${arg}`);
    }
  }
  return options;
}

async function main(): Promise<void> {
  const server = await startIndexServer(parseCli(process.argv.slice(2)));
  process.stdout.write(`${server.url}\n`);
  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
