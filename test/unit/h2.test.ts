/** HTTPS to the index: HTTP/2 where it is offered (as pypi.org does), HTTP/1.1 where not, and every fault on the way. */
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { IndexCache } from '../../server/src/core/pypi/cache.js';
import { IndexClient, type Lookup } from '../../server/src/core/pypi/client.js';
import { Http2Transport } from '../../server/src/core/pypi/h2.js';
import { HttpClient } from '../../server/src/core/pypi/http.js';
import { NodeTransport } from '../../server/src/core/pypi/transport.js';
import type { ProjectInfo } from '../../server/src/core/pypi/model.js';
import { startIndexServer, type Fault, type IndexServer } from '../support/index-server.js';
import { TEST_CA_FILE, TEST_CERT, TEST_KEY } from '../support/tls.js';
import tls, { rootCertificates } from 'node:tls';

const JSON_ACCEPT = 'application/vnd.pypi.simple.v1+json';

function lookupsFor(index: IndexServer, options: { timeoutMs?: number; ca?: string | null } = {}) {
  const http = new HttpClient({
    userAgent: 'pypi-status/test',
    connections: 16,
    timeoutMs: options.timeoutMs ?? 2000,
    maxBodyBytes: 4 * 1024 * 1024,
    ...(options.ca === null ? {} : { ca: options.ca ?? TEST_CERT }),
  });
  const client = new IndexClient({
    indexUrl: index.simpleUrl,
    jsonApiUrl: index.jsonApiUrl,
    http,
    cache: new IndexCache({ directory: null }),
    ttlMs: 60_000,
    concurrency: 16,
  });
  return { http, client };
}

function state(lookup: Lookup<ProjectInfo>): string {
  return lookup.state === 'found' ? `found:${lookup.data.status}` : lookup.state;
}

describe('HTTPS index with HTTP/2', () => {
  let index: IndexServer;
  before(async () => {
    index = await startIndexServer({ unknownProjects: 'generate', tls: 'h2' });
  });
  after(() => index.close());
  beforeEach(() => {
    index.clearFaults();
    index.resetLog();
  });

  it('carries sixteen lookups at once on one connection, with compressed bodies and 304s', async () => {
    const { http, client } = lookupsFor(index);
    const before = index.connections;
    const names = ['pepy', 'pil', 'six', 'django', 'tablib', ...Array.from({ length: 15 }, (_, i) => `h2-project-${i}`)];
    const found = await Promise.all(names.map((n) => client.project(n)));
    assert.deepEqual(found.map(state).slice(0, 5), ['found:archived', 'found:archived', 'found:active', 'found:active', 'found:active']);
    assert.ok(found.every((l) => l.state === 'found'));
    assert.equal(index.connections - before, 1, 'one TLS connection for every request');
    assert.ok(
      index.requests.every((r) => r.httpVersion === '2.0'),
      index.requests.map((r) => r.httpVersion).join(),
    );
    assert.ok(index.requests.every((r) => /gzip/.test(r.headers['accept-encoding'] ?? '')));
    const first = await http.get(`${index.simpleUrl}six/`, { accept: JSON_ACCEPT });
    assert.equal(first.kind, 'ok');
    const again = await http.get(`${index.simpleUrl}six/`, { accept: JSON_ACCEPT, etag: (first as { etag?: string }).etag! });
    assert.equal(again.kind, 'not-modified');
    // PyPI's 301 for a non-normalized name, followed on the same connection.
    const moved = await http.get(`${index.simpleUrl}Django/`, { accept: JSON_ACCEPT });
    assert.equal(moved.kind, 'ok');
    assert.match((moved as { url: string }).url, /\/simple\/django\/$/);
    assert.equal(index.connections - before, 1);
    await http.close();
  });

  it('connects again when the index closes the connection between requests', async () => {
    const { http } = lookupsFor(index);
    const before = index.connections;
    assert.equal((await http.get(`${index.simpleUrl}six/`, { accept: JSON_ACCEPT })).kind, 'ok');
    index.dropConnections();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal((await http.get(`${index.simpleUrl}six/`, { accept: JSON_ACCEPT })).kind, 'ok');
    assert.equal(index.connections - before, 2);
    await http.close();
  });

  it('lets go of a stream whose answer it drops (a 404, a redirect), its body read or not', async () => {
    const transport = new Http2Transport(new NodeTransport({ connections: 4 }), { ca: TEST_CERT, connectTimeoutMs: 2000 });
    try {
      for (const [path, status] of [
        ['/simple/nonexistent-h2/', 404],
        ['/simple/Six/', 301],
      ] as const) {
        const exchange = await transport.send(new URL(`${index.url}${path}`), { accept: JSON_ACCEPT }, new AbortController().signal);
        assert.equal(exchange.status, status);
        // The whole body has arrived (and the stream is closed) before it is dropped.
        await new Promise((resolve) => setTimeout(resolve, 50));
        await exchange.discard();
        await new Promise((resolve) => setImmediate(resolve));
        assert.equal((exchange.body as http2.ClientHttp2Stream).destroyed, true, `${path}: the stream and its unread body are released`);
      }
    } finally {
      await transport.close();
    }
  });

  it('keeps no connection that was still being made when the client closed', async () => {
    const { http } = lookupsFor(index);
    const pending = http.get(`${index.simpleUrl}six/`, { accept: JSON_ACCEPT });
    await http.close();
    await pending;
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(index.openConnections, 0);
  });

  it('trusts NODE_EXTRA_CA_CERTS besides extra certificates it is given', async () => {
    const saved = process.env.NODE_EXTRA_CA_CERTS;
    process.env.NODE_EXTRA_CA_CERTS = TEST_CA_FILE;
    try {
      // An unrelated extra certificate: the test index is trusted through the variable only.
      const { http } = lookupsFor(index, { ca: rootCertificates[0]! });
      assert.equal((await http.get(`${index.simpleUrl}six/`, { accept: JSON_ACCEPT })).kind, 'ok');
      await http.close();
    } finally {
      if (saved === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
      else process.env.NODE_EXTRA_CA_CERTS = saved;
    }
  });

  it('reads a whole body that arrived, and whose stream closed, before it was read', async () => {
    const server = http2.createSecureServer({ key: TEST_KEY, cert: TEST_CERT });
    server.on('stream', (stream) => {
      stream.respond({ ':status': 200 });
      stream.end('x'.repeat(500));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const transport = new Http2Transport(new NodeTransport({ connections: 4 }), { ca: TEST_CERT, connectTimeoutMs: 2000 });
    try {
      for (let i = 0; i < 3; i++) {
        const exchange = await transport.send(new URL(`https://127.0.0.1:${(server.address() as AddressInfo).port}/x`), {}, new AbortController().signal);
        // A busy main thread reads answers late: by then the stream has ended and closed.
        await new Promise((resolve) => setTimeout(resolve, 50));
        let length = 0;
        for await (const chunk of exchange.body) length += chunk.length;
        assert.equal(length, 500);
      }
    } finally {
      await transport.close();
      server.close();
    }
  });

  it('takes a body cut short by a NO_ERROR reset as a failure, never as the whole page', async () => {
    // Node's own server ends a stream before resetting it, so this one writes the frames itself:
    // HEADERS (:status 200, the whole page's content-length), half the page in DATA without
    // END_STREAM, then RST_STREAM(NO_ERROR). Node ends the body as if it were whole; the length tells.
    const page =
      '<!DOCTYPE html><html><head><title>Links for demo</title></head><body>\n<a href="demo-2.0-py3-none-any.whl" data-yanked="broken">demo-2.0-py3-none-any.whl</a>\n';
    const frame = (type: number, flags: number, id: number, payload: Buffer) => {
      const header = Buffer.alloc(9);
      header.writeUIntBE(payload.length, 0, 3);
      header[3] = type;
      header[4] = flags;
      header.writeUInt32BE(id, 5);
      return Buffer.concat([header, payload]);
    };
    const server = tls.createServer({ cert: TEST_CERT, key: TEST_KEY, ALPNProtocols: ['h2'] }, (socket) => {
      let buffered = Buffer.alloc(0);
      let preface = false;
      socket.on('error', () => undefined);
      socket.write(frame(4, 0, 0, Buffer.alloc(0)));
      socket.on('data', (data) => {
        buffered = Buffer.concat([buffered, data]);
        if (!preface) {
          if (buffered.length < 24) return;
          buffered = buffered.subarray(24);
          preface = true;
        }
        while (buffered.length >= 9) {
          const length = buffered.readUIntBE(0, 3);
          const [type, flags] = [buffered[3]!, buffered[4]!];
          const id = buffered.readUInt32BE(5) & 0x7fffffff;
          if (buffered.length < 9 + length) return;
          buffered = buffered.subarray(9 + length);
          if (type === 4 && !(flags & 1)) socket.write(frame(4, 1, 0, Buffer.alloc(0)));
          if (type !== 1) continue;
          // :status 200 (static index 8), then content-length (static name 28, literal value).
          const declared = String(page.length * 2);
          socket.write(frame(1, 0x4, id, Buffer.concat([Buffer.from([0x88, 0x0f, 0x0d, declared.length]), Buffer.from(declared)])));
          socket.write(frame(0, 0, id, Buffer.from(page)));
          socket.write(frame(3, 0, id, Buffer.from([0, 0, 0, 0])));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const http = new HttpClient({ userAgent: 't', connections: 1, ca: TEST_CERT, timeoutMs: 5000 });
    try {
      const got = await http.get(`https://127.0.0.1:${(server.address() as AddressInfo).port}/simple/demo/`, { accept: 'text/html' });
      assert.equal(got.kind, 'failed', JSON.stringify(got));
    } finally {
      await http.close();
      server.close();
    }
  });

  it('refuses an index whose certificate it cannot verify, as unknown, never as not found', async () => {
    const { http, client } = lookupsFor(index, { ca: null });
    const lookup = await client.project('six');
    assert.equal(lookup.state, 'unknown');
    assert.match((lookup as { reason: string }).reason, /certificate/i);
    await http.close();
  });

  const faults: [string, Fault][] = [
    ['HTTP 503', { kind: 'status', status: 503 }],
    ['a reset stream', { kind: 'reset' }],
    ['a body cut short', { kind: 'truncated' }],
    ['malformed JSON', { kind: 'malformed' }],
    ['an oversized body', { kind: 'oversized', bytes: 8 * 1024 * 1024 }],
    ['a gzip bomb', { kind: 'gzip-bomb', bytes: 64 * 1024 * 1024 }],
    ['a redirect loop', { kind: 'redirect-loop' }],
    ['a hanging index', { kind: 'hang' }],
    ['a body that arrives too slowly', { kind: 'drip', bytesPerSecond: 50 }],
  ];
  it('reports every fault as unknown, and the other streams on the connection are unharmed', async () => {
    for (const [label, fault] of faults) {
      const { http, client } = lookupsFor(index, { timeoutMs: 500 });
      index.clearFaults();
      index.setFault('/simple/six/', fault);
      const [faulty, healthy] = await Promise.all([client.project('six'), client.project('tablib')]);
      assert.equal(faulty.state, 'unknown', `${label}: ${JSON.stringify(faulty)}`);
      assert.equal(state(healthy), 'found:active', `${label}: the stream next to it`);
      await http.close();
    }
  });
});

describe('HTTPS index with HTTP/1.1 only', () => {
  it('falls back to HTTP/1.1 when the index does not offer HTTP/2', async () => {
    const index = await startIndexServer({ unknownProjects: 'generate', tls: 'http/1.1' });
    try {
      const { http, client } = lookupsFor(index);
      const found = await Promise.all(['pepy', 'six', 'tablib', 'django'].map((n) => client.project(n)));
      assert.deepEqual(found.map(state), ['found:archived', 'found:active', 'found:active', 'found:active']);
      assert.ok(index.requests.every((r) => r.httpVersion === '1.1'));
      // The first connection only learnt the protocol; the origin is remembered from then on.
      const connections = index.connections;
      assert.equal((await client.project('pil')).state, 'found');
      assert.ok(index.connections <= connections + 1);
      await http.close();
    } finally {
      await index.close();
    }
  });
});

describe('HTTP/2 sessions that end under a request', () => {
  for (const [label, end] of [
    // GOAWAY naming the stream before this one as the last processed.
    [
      'GOAWAY',
      (session: http2.ServerHttp2Session, stream: http2.ServerHttp2Stream) => (
        session.goaway(http2.constants.NGHTTP2_NO_ERROR, Math.max(0, stream.id! - 2)),
        session.close()
      ),
    ],
    ['a refused stream', (_session: http2.ServerHttp2Session, stream: http2.ServerHttp2Stream) => stream.close(http2.constants.NGHTTP2_REFUSED_STREAM)],
    ['a closed connection', (session: http2.ServerHttp2Session) => session.destroy()],
  ] as const) {
    it(`sends the request once more on a new connection after ${label}, and only once`, async () => {
      // Answers the first request of each connection and ends the connection (or the stream) at the second.
      let sessions = 0;
      let refuseAll = false;
      const server = http2.createSecureServer({ key: TEST_KEY, cert: TEST_CERT });
      server.on('session', (session) => {
        sessions++;
        let streams = 0;
        session.on('error', () => undefined);
        session.on('stream', (stream) => {
          stream.on('error', () => undefined);
          if (refuseAll) {
            stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
            return;
          }
          if (++streams > 1) {
            end(session, stream);
            return;
          }
          stream.respond({ ':status': 200, 'content-type': JSON_ACCEPT });
          stream.end(JSON.stringify({ meta: { 'api-version': '1.1' }, name: 'six', files: [], versions: [] }));
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/simple/six/`;
      const http = new HttpClient({ userAgent: 't', connections: 1, ca: TEST_CERT, timeoutMs: 5000 });
      try {
        assert.equal((await http.get(url, { accept: JSON_ACCEPT })).kind, 'ok');
        const second = await http.get(url, { accept: JSON_ACCEPT });
        assert.equal(second.kind, 'ok', JSON.stringify(second));
        assert.equal(sessions, 2);
        // A request refused on a new connection too is a failure, not a retry loop.
        refuseAll = true;
        const third = await http.get(url, { accept: JSON_ACCEPT });
        const fourth = await http.get(url, { accept: JSON_ACCEPT });
        assert.deepEqual([third.kind, fourth.kind], ['failed', 'failed']);
        // Each was sent on the connection in use, then once on a new one.
        assert.equal(sessions, 4);
      } finally {
        await http.close();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });
  }
});

describe('HTTPS connections that never become ready', () => {
  it('gives up a TLS handshake that never ends, and tries a new connection for the next request', async () => {
    // Accepts TCP connections and never says a word.
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/simple/six/`;
    const http = new HttpClient({ userAgent: 't', connections: 4, ca: TEST_CERT, timeoutMs: 300 });
    try {
      const first = await http.get(url, { accept: JSON_ACCEPT });
      assert.equal(first.kind, 'failed');
      assert.match((first as { reason: string }).reason, /timed out/);
      // The hung handshake is dropped, not kept as this origin's connection in the making.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const second = await http.get(url, { accept: JSON_ACCEPT });
      assert.equal(second.kind, 'failed');
      assert.equal(sockets.length, 2, 'a new connection for the second request');
    } finally {
      await http.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('HTTP/2 requests that are given up', () => {
  it('starts nothing for a request cancelled before it is sent, and leaves no rejection unhandled', async () => {
    const unhandled: unknown[] = [];
    const record = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', record);
    try {
      const http = new HttpClient({ userAgent: 't', connections: 1, ca: TEST_CERT });
      const cancelled = new AbortController();
      cancelled.abort();
      // Port 1: nothing listens there, so a connection, if one were made, would fail.
      const result = await http.get('https://127.0.0.1:1/simple/six/', { accept: JSON_ACCEPT, signal: cancelled.signal });
      assert.equal(result.kind, 'failed');
      assert.equal((result as { reason: string }).reason, 'cancelled');
      await http.close();
      const afterClose = await http.get('https://127.0.0.1:1/simple/six/', { accept: JSON_ACCEPT });
      assert.equal(afterClose.kind, 'failed');
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', record);
    }
  });

  it('ends a handshake still under way when the client closes', async () => {
    const sockets: net.Socket[] = [];
    let closedAt = 0;
    const server = net.createServer((socket) => {
      sockets.push(socket);
      // Read (and drop) the client's hello: an unread socket never hears that the client closed it.
      socket.resume();
      socket.on('close', () => (closedAt = performance.now()));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const http = new HttpClient({ userAgent: 't', connections: 1, ca: TEST_CERT, timeoutMs: 10_000 });
    try {
      const pending = http.get(`https://127.0.0.1:${(server.address() as AddressInfo).port}/simple/six/`, { accept: JSON_ACCEPT });
      while (sockets.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      const closing = performance.now();
      await http.close();
      const result = await pending;
      assert.ok(performance.now() - closing < 5_000, 'the request ended with the transport, not at its 10 s timeout');
      assert.equal(result.kind, 'failed');
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.ok(closedAt >= closing, 'the connection was closed by the client');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('cancels a dropped stream (RST_STREAM CANCEL), so that the server stops sending its body', async () => {
    const codes: number[] = [];
    const server = http2.createSecureServer({ key: TEST_KEY, cert: TEST_CERT });
    server.on('stream', (stream) => {
      stream.on('error', () => undefined);
      stream.on('close', () => codes.push(stream.rstCode ?? -1));
      stream.respond({ ':status': 404 });
      // Far more than the windows let through before the client reads: the server is still sending when it is dropped.
      stream.end(Buffer.alloc(8 * 1024 * 1024, 'x'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const http = new HttpClient({ userAgent: 't', connections: 1, ca: TEST_CERT });
    try {
      const result = await http.get(`https://127.0.0.1:${(server.address() as AddressInfo).port}/simple/gone/`, { accept: JSON_ACCEPT });
      assert.equal(result.kind, 'not-found');
      for (let i = 0; i < 50 && codes.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(codes, [http2.constants.NGHTTP2_CANCEL]);
    } finally {
      await http.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
