/** The index client against the local index: caching, coalescing, limits, and every kind of failure. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as nodeHttp from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { IndexCache, NODE_DISK, SCHEMA_DIR } from '../../server/src/core/pypi/cache.js';
import { IndexClient, Limiter, RELEASE_MIN_TTL_MS, type Lookup } from '../../server/src/core/pypi/client.js';
import { gatherFacts, peekFacts } from '../../server/src/core/findings.js';
import { parseRequirements } from '../../server/src/core/requirements.js';
import { HttpClient, type GetOptions, type HttpResult } from '../../server/src/core/pypi/http.js';
import { redactUrl } from '../../server/src/core/redact.js';
import type { ProjectInfo } from '../../server/src/core/pypi/model.js';
import { pypiResponse } from '../support/data.js';
import { startIndexServer, type Fault, type IndexServer } from '../support/index-server.js';
import { startProxy } from '../support/proxy.js';

class CountingHttp extends HttpClient {
  inFlight = 0;
  maxInFlight = 0;
  override async get(url: string, opts: GetOptions): Promise<HttpResult> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      return await super.get(url, opts);
    } finally {
      this.inFlight--;
    }
  }
}

describe('index client', () => {
  let index: IndexServer;
  const dirs: string[] = [];
  let http: CountingHttp;

  before(async () => {
    index = await startIndexServer({ unknownProjects: 'generate' });
  });
  after(async () => {
    await index.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  beforeEach(() => {
    index.clearFaults();
    index.resetLog();
    index.setLatency(0);
  });

  function tempDir(): string {
    const d = mkdtempSync(path.join(tmpdir(), 'pypi-status-cache-'));
    dirs.push(d);
    return d;
  }

  function client(
    options: {
      ttlMs?: number;
      concurrency?: number;
      directory?: string | null;
      timeoutMs?: number;
      now?: () => number;
      indexUrl?: string;
      proxy?: string;
    } = {},
  ) {
    http = new CountingHttp({
      userAgent: 'pypi-status/test',
      connections: 8,
      timeoutMs: options.timeoutMs ?? 2000,
      maxBodyBytes: 4 * 1024 * 1024,
      ...(options.proxy ? { proxy: options.proxy } : {}),
    });
    const cache = new IndexCache({ directory: options.directory === undefined ? tempDir() : options.directory });
    const c = new IndexClient({
      indexUrl: options.indexUrl ?? index.simpleUrl,
      jsonApiUrl: index.jsonApiUrl,
      http,
      cache,
      ttlMs: options.ttlMs ?? 60_000,
      concurrency: options.concurrency ?? 16,
      ...(options.now ? { now: options.now } : {}),
    });
    return { client: c, cache };
  }

  function status(lookup: Lookup<ProjectInfo>): string {
    return lookup.state === 'found' ? `found:${lookup.data.status}${lookup.stale ? ':stale' : ''}` : lookup.state;
  }

  it('tells found, not found and unknown apart', async () => {
    const { client: c } = client();
    const notFoundIndex = await startIndexServer();
    try {
      const { client: strict } = client({ indexUrl: notFoundIndex.simpleUrl });
      assert.equal(status(await c.project('pepy')), 'found:archived');
      assert.equal(status(await c.project('aiocpa')), 'found:quarantined');
      assert.equal(status(await strict.project('surely-not-on-this-index')), 'not-found');
      index.setFault('/simple/six/', { kind: 'status', status: 500 });
      assert.equal(status(await c.project('six')), 'unknown');
    } finally {
      await notFoundIndex.close();
    }
  });

  it('asks for compressed JSON and sends a User-Agent', async () => {
    const { client: c } = client();
    const lookup = await c.project('cryptography');
    assert.equal(lookup.state, 'found');
    const req = index.requests.find((r) => r.path === '/simple/cryptography/')!;
    assert.match(req.headers.accept!, /application\/vnd\.pypi\.simple\.v1\+json/);
    assert.match(req.headers['accept-encoding']!, /gzip/);
    assert.equal(req.headers['user-agent'], 'pypi-status/test');
    const raw = statSync(pypiResponse('simple-json/cryptography.pypi.simple.v1.json')).size;
    assert.ok(c.stats.bytes < raw / 4, `cryptography's page (${raw} bytes) should arrive compressed, got ${c.stats.bytes} bytes`);
  });

  it('coalesces identical concurrent lookups into one request', async () => {
    const { client: c } = client();
    index.setLatency(50);
    const results = await Promise.all(Array.from({ length: 20 }, () => c.project('django')));
    assert.ok(results.every((r) => r.state === 'found'));
    assert.equal(index.requests.filter((r) => r.path === '/simple/django/').length, 1);
  });

  it('bounds the requests in flight', async () => {
    const { client: c } = client({ concurrency: 3 });
    index.setLatency(30);
    await Promise.all(Array.from({ length: 12 }, (_, i) => c.project(`generated-project-${i}`)));
    assert.equal(http.maxInFlight, 3);
    const limiter = new Limiter(2);
    let active = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 10 }, () =>
        limiter.run(async () => {
          active++;
          peak = Math.max(peak, active);
          await new Promise((r) => setTimeout(r, 5));
          active--;
        }),
      ),
    );
    assert.equal(peak, 2);
  });

  it('serves fresh entries without requests, revalidates stale ones with If-None-Match, and persists to disk', async () => {
    let now = 1_000_000;
    const directory = tempDir();
    const first = client({ directory, ttlMs: 1000, now: () => now });
    await first.client.project('tablib');
    await first.client.project('tablib');
    assert.equal(index.requests.length, 1);
    await first.cache.flush(); // the disk write follows the answer
    // A second client on the same directory (another process) reads the disk entry.
    const second = client({ directory, ttlMs: 1000, now: () => now });
    assert.equal(status(await second.client.project('tablib')), 'found:active');
    assert.equal(index.requests.length, 1);
    now += 5000;
    assert.equal(status(await second.client.project('tablib')), 'found:active');
    const revalidation = index.requests[1]!;
    assert.ok(revalidation.headers['if-none-match']);
    assert.equal(revalidation.status, 304);
    assert.equal(second.client.stats.notModified, 1);
  });

  it('revalidates an entry written with a clock that was ahead, whatever the TTL', async () => {
    const directory = tempDir();
    const ahead = client({ directory, ttlMs: 3_600_000, now: () => 1_000_000 + 30 * 86_400_000 });
    await ahead.client.project('tablib');
    await ahead.cache.flush();
    index.resetLog();
    const later = client({ directory, ttlMs: 3_600_000, now: () => 1_000_000 });
    assert.equal(later.client.peekProject('tablib'), undefined, 'an entry from the future is not fresh');
    assert.equal(status(await later.client.project('tablib')), 'found:active');
    assert.equal(index.requests.length, 1);
    assert.ok(index.requests[0]!.headers['if-none-match'], 'a conditional request');
  });

  it('peeks at fresh memory answers without a request, and keeps release documents for a day', async () => {
    let now = 1_000_000;
    const { client: c } = client({ ttlMs: 1000, now: () => now });
    const dep = parseRequirements('snowchange==2.8.1\n').dependencies[0]!;
    assert.equal(peekFacts(dep, c), undefined, 'nothing in memory yet');
    const facts = await gatherFacts(dep, c);
    assert.equal(facts.pinned?.state, 'found');
    assert.equal(facts.latest?.state, 'found');
    const requests = index.requests.length;
    assert.deepEqual(peekFacts(dep, c), facts, 'the same facts, synchronously');
    assert.equal(index.requests.length, requests);
    now += 5000; // past the TTL: the simple page is stale, the release documents are not
    assert.equal(c.peekProject('snowchange'), undefined);
    assert.equal(peekFacts(dep, c), undefined);
    assert.equal(c.peekRelease('snowchange', '2.8.1')?.state, 'found');
    index.resetLog();
    await gatherFacts(dep, c);
    assert.deepEqual(
      index.requests.map((r) => `${r.path} ${r.status}`),
      ['/simple/snowchange/ 304'],
      'only the simple page is revalidated',
    );
    now += RELEASE_MIN_TTL_MS;
    index.resetLog();
    await gatherFacts(dep, c);
    const releases = new Set(['2.8.1', facts.latest?.state === 'found' ? facts.latest.data.version : '']);
    assert.equal(index.requests.length, 1 + releases.size, 'after a day the release documents are revalidated too');
    assert.ok(index.requests.every((r) => r.status === 304 && r.headers['if-none-match']));
  });

  it('peeks at fresh answers on disk too: a new process serves a document without a promise or a request', async () => {
    const directory = tempDir();
    const dep = parseRequirements('snowchange==2.8.1\n').dependencies[0]!;
    const first = client({ directory });
    const facts = await gatherFacts(dep, first.client);
    await first.cache.flush();
    index.resetLog();
    const second = client({ directory });
    assert.deepEqual(peekFacts(dep, second.client), facts, 'read from disk, synchronously');
    assert.equal(index.requests.length, 0);
    // A missing entry is looked for on disk once per turn, not by the peek and again by the lookup.
    const reads: string[] = [];
    const cache = new IndexCache({ directory, disk: { ...NODE_DISK, readFile: (file) => (reads.push(file), NODE_DISK.readFile(file)) } });
    const third = new IndexClient({ indexUrl: index.simpleUrl, jsonApiUrl: null, http, cache, ttlMs: 60_000, concurrency: 4 });
    assert.equal(third.peekProject('tablib'), undefined);
    const lookup = third.project('tablib');
    assert.equal(reads.length, 1);
    assert.equal(status(await lookup), 'found:active');
  });

  it("says where credentials go when an index refuses them: its installer's places, else what works for any index", async () => {
    const guarded = await startIndexServer({ basicAuth: { username: 'u', password: 'p' } });
    try {
      const reason = async (hint?: string) => {
        const options = { indexUrl: guarded.simpleUrl, jsonApiUrl: null, http, cache: new IndexCache({ directory: null }), ttlMs: 60_000, concurrency: 4 };
        const lookup = await new IndexClient(hint === undefined ? options : { ...options, credentialHint: hint }).project('six');
        return lookup.state === 'unknown' ? lookup.reason : lookup.state;
      };
      assert.match(await reason(), /refused the request \(HTTP 401\): set credentials in a ~\/\.netrc entry for 127\.0\.0\.1, or the index URL$/);
      assert.match(await reason('UV_INDEX_INTERNAL_USERNAME'), /\(HTTP 401\): set credentials in UV_INDEX_INTERNAL_USERNAME$/);
      assert.match(await reason(''), /\(HTTP 401\)$/, 'an index whose credentials nobody sets (implicit PyPI) gets no hint');
    } finally {
      await guarded.close();
    }
  });

  it('keeps the last good answer, marked stale, when the index fails after the TTL', async () => {
    let now = 1_000_000;
    const { client: c } = client({ ttlMs: 1000, now: () => now });
    await c.project('pepy');
    now += 5000;
    index.setFault('/', { kind: 'reset' });
    const lookup = await c.project('pepy');
    assert.equal(status(lookup), 'found:archived:stale');
  });

  const faults: [string, Fault][] = [
    ['HTTP 503', { kind: 'status', status: 503 }],
    ['HTTP 502', { kind: 'status', status: 502 }],
    ['connection reset', { kind: 'reset' }],
    ['truncated body', { kind: 'truncated' }],
    ['malformed JSON', { kind: 'malformed' }],
    ['oversized body', { kind: 'oversized', bytes: 8 * 1024 * 1024 }],
    ['oversized chunked body', { kind: 'oversized', bytes: 8 * 1024 * 1024, chunked: true }],
    ['gzip bomb', { kind: 'gzip-bomb', bytes: 64 * 1024 * 1024 }],
    ['redirect loop', { kind: 'redirect-loop' }],
    ['a hanging index', { kind: 'hang' }],
    ['a body that arrives too slowly', { kind: 'drip', bytesPerSecond: 50 }],
  ];
  for (const [label, fault] of faults) {
    it(`reports ${label} as unknown, never as not found`, async () => {
      const { client: c } = client({ timeoutMs: 500 });
      index.setFault('/simple/six/', fault);
      const lookup = await c.project('six');
      assert.equal(lookup.state, 'unknown', JSON.stringify(lookup));
    });
  }

  // Through a proxy the requests take the other transport (undici's), which must fail the same way.
  it('reports every fault as unknown through a proxy too', async () => {
    const proxy = await startProxy();
    try {
      for (const [label, fault] of faults) {
        const { client: c } = client({ timeoutMs: 500, proxy: proxy.url });
        index.clearFaults();
        index.setFault('/simple/six/', fault);
        const before = proxy.log.length;
        const lookup = await c.project('six');
        assert.equal(lookup.state, 'unknown', `${label}: ${JSON.stringify(lookup)}`);
        assert.ok(proxy.log.length > before, `${label}: the request went through the proxy`);
        await http.close();
      }
    } finally {
      await proxy.close();
    }
  });

  it('says why a proxy refused the tunnel, instead of "cancelled"', async () => {
    const proxy = net.createServer((socket) => socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="corp"\r\n\r\n'));
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const httpClient = new HttpClient({ userAgent: 'test', connections: 2, proxy: `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}` });
    try {
      const result = await httpClient.get('https://pypi.org/simple/six/', { accept: 'application/json' });
      assert.equal(result.kind, 'failed');
      assert.match((result as { reason: string }).reason, /407/);
    } finally {
      await httpClient.close();
      proxy.close();
    }
  });

  it('sends a request again, once, when a kept-alive connection was closed under it', async () => {
    // A server that answers the first request of each connection and drops the connection at
    // the second: what a keep-alive connection closed by the server as a request goes out looks like.
    const connections: number[] = [];
    const body = JSON.stringify({ meta: { 'api-version': '1.1' }, name: 'six', files: [], versions: [] });
    const server = net.createServer((socket) => {
      const id = connections.push(0) - 1;
      let buffered = '';
      socket.on('data', (data) => {
        buffered += data.toString('latin1');
        while (buffered.includes('\r\n\r\n')) {
          buffered = buffered.slice(buffered.indexOf('\r\n\r\n') + 4);
          if (++connections[id]! > 1) {
            socket.destroy();
            return;
          }
          socket.write(
            `HTTP/1.1 200 OK\r\nContent-Type: application/vnd.pypi.simple.v1+json\r\nContent-Length: ${body.length}\r\nConnection: keep-alive\r\n\r\n${body}`,
          );
        }
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/simple/`;
      const h = new HttpClient({ userAgent: 't', connections: 1 });
      const first = await h.get(`${base}six/`, { accept: 'application/vnd.pypi.simple.v1+json' });
      const second = await h.get(`${base}six/`, { accept: 'application/vnd.pypi.simple.v1+json' });
      assert.equal(first.kind, 'ok');
      assert.equal(second.kind, 'ok', JSON.stringify(second));
      assert.deepEqual(connections, [2, 1], 'the second request was retried on a new connection');
      // A new connection that fails is a failure, not a retry loop.
      const dropped = net.createServer((socket) => socket.on('data', () => socket.destroy()));
      await new Promise<void>((resolve) => dropped.listen(0, '127.0.0.1', resolve));
      let accepted = 0;
      dropped.on('connection', () => accepted++);
      const third = await h.get(`http://127.0.0.1:${(dropped.address() as net.AddressInfo).port}/simple/six/`, { accept: 'application/json' });
      assert.equal(third.kind, 'failed');
      assert.equal(accepted, 1);
      await h.close();
      await new Promise<void>((resolve) => dropped.close(() => resolve()));
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('reads JSON sent with a wrong content type, and refuses an HTML page that is not a project page', async () => {
    const { client: c } = client();
    index.setFault('/simple/pepy/', { kind: 'html-for-json' });
    const portal = await c.project('pepy');
    assert.equal(portal.state, 'unknown');
    assert.match((portal as { reason: string }).reason, /not a project page/);
    // A fresh client: the first one now backs off from an index that sent a portal page.
    const { client: d } = client();
    index.setFault('/simple/pil/', { kind: 'wrong-content-type' });
    assert.equal(status(await d.project('pil')), 'found:archived');
  });

  it('backs off after 429 with Retry-After and recovers by itself', async () => {
    let now = 1_000_000;
    const { client: c } = client({ now: () => now });
    index.setFault('/simple/', { kind: 'status', status: 429, retryAfter: 30 }, 1);
    assert.equal((await c.project('six')).state, 'unknown');
    const sent = index.requests.length;
    const during = await c.project('tablib');
    assert.equal(during.state, 'unknown');
    assert.match((during as { reason: string }).reason, /backed off/);
    assert.equal(index.requests.length, sent, 'no request while backed off');
    now += 31_000;
    assert.equal(status(await c.project('tablib')), 'found:active');
  });

  it('does not carry credentials across a redirect to another host', async () => {
    const other = await startIndexServer();
    try {
      const withCreds = index.simpleUrl.replace('http://', 'http://user:s3cret@');
      const { client: c } = client({ indexUrl: withCreds });
      index.setFault('/simple/six/', { kind: 'redirect', location: `${other.simpleUrl}six/`, status: 302 });
      const lookup = await c.project('six');
      assert.equal(lookup.state, 'found');
      assert.equal(index.requests[0]!.headers.authorization, `Basic ${Buffer.from('user:s3cret').toString('base64')}`);
      assert.equal(other.requests[0]!.headers.authorization, undefined);
      assert.equal(redactUrl(withCreds), withCreds.replace('user:s3cret@', '***@'));
    } finally {
      await other.close();
    }
  });

  it('reads a page in the charset its Content-Type names', async () => {
    const page =
      '<html><head><meta name="pypi:repository-version" content="1.4"><meta name="pypi:project-status" content="deprecated">' +
      '<meta name="pypi:project-status-reason" content="Ersetzt durch straße-client"><title>Links for alt</title></head><body></body></html>';
    const server = nodeHttp.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=ISO-8859-1' });
      res.end(Buffer.from(page, 'latin1'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { client: c } = client({ indexUrl: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/simple/` });
      const lookup = await c.project('alt');
      assert.equal(lookup.state === 'found' && lookup.data.statusReason, 'Ersetzt durch straße-client');
    } finally {
      server.close();
    }
  });

  it('sends credentials with a literal % as pip does, decoding only real escapes', async () => {
    const { client: c } = client({ indexUrl: index.simpleUrl.replace('http://', 'http://deploy%40corp:50%off%21@') });
    index.resetLog();
    assert.equal((await c.project('six')).state, 'found');
    assert.equal(index.requests[0]!.headers.authorization, `Basic ${Buffer.from('deploy@corp:50%off!').toString('base64')}`);
  });

  it('goes through HTTP_PROXY, an explicit proxy, and around it for NO_PROXY hosts', async () => {
    const proxy = await startProxy();
    const saved = { HTTP_PROXY: process.env.HTTP_PROXY, NO_PROXY: process.env.NO_PROXY };
    const lookupVia = async (options: Partial<ConstructorParameters<typeof HttpClient>[0]> = {}) => {
      const h = new HttpClient({ userAgent: 't', connections: 2, ...options });
      const c = new IndexClient({
        indexUrl: index.simpleUrl,
        jsonApiUrl: null,
        http: h,
        cache: new IndexCache({ directory: null }),
        ttlMs: 60_000,
        concurrency: 2,
      });
      const result = await c.project('six');
      await h.close();
      return result.state;
    };
    try {
      process.env.HTTP_PROXY = proxy.url;
      delete process.env.NO_PROXY;
      assert.equal(await lookupVia(), 'found');
      assert.equal(proxy.log.length, 1, proxy.log.join(' '));
      assert.match(proxy.log[0]!, /127\.0\.0\.1/);
      process.env.NO_PROXY = '127.0.0.1';
      assert.equal(await lookupVia(), 'found');
      assert.equal(proxy.log.length, 1, 'NO_PROXY hosts are reached directly');
      delete process.env.HTTP_PROXY;
      delete process.env.NO_PROXY;
      assert.equal(await lookupVia({ proxy: proxy.url }), 'found');
      assert.equal(proxy.log.length, 2, 'an explicit proxy (VS Code http.proxy) is used');
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await proxy.close();
    }
  });

  it('validates names before building any URL', async () => {
    const { client: c } = client();
    for (const name of ['../etc/passwd', 'a/b', 'x?y=1', 'name#frag', '%2e%2e', '']) {
      assert.equal((await c.project(name)).state, 'unknown', name);
    }
    assert.equal((await c.release('six', '1.0/../../x')).state, 'unknown');
    assert.equal(index.requests.length, 0);
  });

  it('keeps the disk cache bounded: old entries, the oldest beyond the limit, and leftover temporary files go', async () => {
    const directory = tempDir();
    const cache = new IndexCache({ directory });
    const day = 24 * 3600_000;
    const now = Date.now();
    for (let i = 0; i < 6; i++) cache.set({ key: `simple x project-${i}`, fetchedAt: now, state: 'not-found' });
    await cache.flush();
    const files = readdirSync(path.join(directory, SCHEMA_DIR), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => path.join(e.parentPath, e.name));
    assert.equal(files.length, 6);
    // Two entries untouched for 40 days, one for 3 days; a temp file from a killed writer.
    const age = (file: string, ms: number) => utimesSync(file, (now - ms) / 1000, (now - ms) / 1000);
    age(files[0]!, 40 * day);
    age(files[1]!, 40 * day);
    age(files[2]!, 3 * day);
    const tmp = `${files[3]!}.123.abcd.1.tmp`;
    writeFileSync(tmp, '{');
    age(tmp, 2 * 3600_000);
    assert.deepEqual(await cache.prune({ maxFiles: 3, now }), { removed: 4, kept: 3 });
    assert.ok(!existsSync(files[0]!) && !existsSync(files[1]!) && !existsSync(tmp));
    assert.ok(!existsSync(files[2]!), 'beyond the limit, the oldest goes first');
    assert.equal(await cache.prune({ maxFiles: 3, now }), undefined, 'at most once a day');
    assert.deepEqual(await cache.prune({ maxFiles: 3, now: now + 2 * day }), { removed: 0, kept: 3 });
  });

  it('removes entries of other schemas once unused for as long as its own, and their empty directories', async () => {
    const directory = tempDir();
    const cache = new IndexCache({ directory });
    const now = Date.now();
    const day = 24 * 3600_000;
    const old = path.join(directory, 'v1', 'ab');
    mkdirSync(old, { recursive: true });
    writeFileSync(path.join(old, 'stale.json'), '{}');
    utimesSync(path.join(old, 'stale.json'), (now - 40 * day) / 1000, (now - 40 * day) / 1000);
    const inUse = path.join(directory, 'v1', 'cd');
    mkdirSync(inUse, { recursive: true });
    writeFileSync(path.join(inUse, 'recent.json'), '{}'); // another window may still run the older version
    const unrelated = path.join(directory, 'code');
    mkdirSync(unrelated);
    writeFileSync(path.join(unrelated, 'x.bin'), '');
    utimesSync(path.join(unrelated, 'x.bin'), (now - 40 * day) / 1000, (now - 40 * day) / 1000);
    cache.set({ key: 'simple x six', fetchedAt: now, state: 'not-found' });
    await cache.flush();
    assert.deepEqual(await cache.prune({ now }), { removed: 1, kept: 1 });
    assert.ok(!existsSync(old), 'the emptied shard directory stays');
    assert.ok(existsSync(path.join(inUse, 'recent.json')));
    assert.ok(existsSync(path.join(unrelated, 'x.bin')), "only v<n> directories are the cache's");
  });

  it('keeps the disk cache bounded in bytes: the oldest entries go until the rest fit', async () => {
    const directory = tempDir();
    const cache = new IndexCache({ directory });
    const now = Date.now();
    const big = 'x'.repeat(10_000);
    for (let i = 0; i < 5; i++) cache.set({ key: `simple x project-${i}`, fetchedAt: now, state: 'found', data: { big } });
    await cache.flush();
    const files = readdirSync(path.join(directory, SCHEMA_DIR), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => path.join(e.parentPath, e.name));
    assert.equal(files.length, 5);
    const size = statSync(files[0]!).size;
    files.forEach((file, i) => utimesSync(file, (now - (10 - i) * 60_000) / 1000, (now - (10 - i) * 60_000) / 1000));
    // Room for two and a half entries: the three oldest go.
    assert.deepEqual(await cache.prune({ maxBytes: Math.floor(size * 2.5), now }), { removed: 3, kept: 2 });
    assert.deepEqual(
      files.map((f) => existsSync(f)),
      [false, false, false, true, true],
    );
  });

  it('ignores corrupt cache files and keeps working when the disk fails', async () => {
    const directory = tempDir();
    const a = client({ directory });
    await a.client.project('six');
    await a.cache.flush();
    const versionDir = path.join(directory, SCHEMA_DIR);
    for (const sub of readdirSync(versionDir)) {
      for (const f of readdirSync(path.join(versionDir, sub))) writeFileSync(path.join(versionDir, sub, f), '{"key": "simple');
    }
    const b = client({ directory });
    assert.equal(status(await b.client.project('six')), 'found:active');
    assert.equal(index.requests.length, 2, 'a corrupt entry is a miss, fetched again');

    const blocked = path.join(tempDir(), 'not-a-directory');
    writeFileSync(blocked, 'a file where the cache directory should be');
    const errors: string[] = [];
    const cache = new IndexCache({ directory: blocked, onError: (m) => errors.push(m) });
    const c = new IndexClient({
      indexUrl: index.simpleUrl,
      jsonApiUrl: null,
      http: new HttpClient({ userAgent: 't', connections: 2 }),
      cache,
      ttlMs: 60_000,
      concurrency: 2,
    });
    assert.equal(status(await c.project('pepy')), 'found:archived');
    await cache.flush();
    assert.equal(status(await c.project('pepy')), 'found:archived');
    await cache.flush();
    assert.equal(errors.length, 1, 'one message for a run of disk failures');
  });
});
