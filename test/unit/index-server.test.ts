/**
 * Tests of the local PyPI-compatible index (test/support/index-server.ts) and its
 * catalog (test/support/index-catalog.ts): protocol behaviour, faults, and that the
 * served payloads are the real corpus captures (byte-identical where unmodified) and
 * mutually consistent across the four views of every project.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import zlib from 'node:zlib';
import {
  catalogNames,
  compareVersions,
  canonicalizeVersion,
  loadProject,
  normalizeName,
  readCorpus,
  renderSimpleHtml,
  renderSimpleJson,
  withStatus,
  withYanked,
  type JsonApiDocument,
  type SimpleFile,
} from '../support/index-catalog.js';
import { startIndexServer, type IndexServer } from '../support/index-server.js';

const JSON_ACCEPT = 'application/vnd.pypi.simple.v1+json';
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

interface Got {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The response ended before Content-Length bytes (socket closed). */
  aborted: boolean;
}

function get(url: string, headers: Record<string, string> = {}, opts: { timeoutMs?: number; method?: string; noAgent?: boolean } = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers, agent: opts.noAgent ? false : agent }, (res) => {
      const chunks: Buffer[] = [];
      let aborted = false;
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('aborted', () => {
        aborted = true;
      });
      res.on('error', () => {
        aborted = true;
      });
      res.on('close', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), aborted: aborted || !res.complete }));
    });
    if (opts.timeoutMs !== undefined) req.setTimeout(opts.timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function getJson<T>(url: string, headers: Record<string, string> = {}): Promise<T> {
  const r = await get(url, headers);
  assert.equal(r.status, 200, `${url} → ${r.status}`);
  return JSON.parse(r.body.toString('utf8')) as T;
}

interface SimpleDoc {
  name: string;
  meta: { 'api-version': string; '_last-serial'?: number };
  files: SimpleFile[];
  versions?: string[];
  'project-status'?: { status: string; reason?: string };
}

/** Anchors of a PEP 503 page: filename, data-yanked (undefined / '' / reason), href. */
function parseAnchors(html: string): { filename: string; yanked: string | undefined; href: string }[] {
  const unescape = (s: string): string => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#34;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  const out: { filename: string; yanked: string | undefined; href: string }[] = [];
  for (const m of html.matchAll(/<a ([^>]*)>([^<]*)<\/a>/g)) {
    const attrs = m[1]!;
    const y = /data-yanked="([^"]*)"/.exec(attrs);
    out.push({ filename: unescape(m[2]!), yanked: y ? unescape(y[1]!) : undefined, href: unescape(/href="([^"]*)"/.exec(attrs)![1]!) });
  }
  return out;
}

let server: IndexServer;

before(async () => {
  server = await startIndexServer();
});

after(async () => {
  agent.destroy();
  await server.close();
});

describe('content negotiation (PEP 691)', () => {
  test('v1+json → JSON, byte-identical to the real capture', async () => {
    const r = await get(`${server.simpleUrl}six/`, { accept: JSON_ACCEPT });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/vnd.pypi.simple.v1+json');
    assert.equal(r.headers['x-pypi-last-serial'], '26356948');
    assert.match(String(r.headers.vary), /Accept/);
    assert.deepEqual(r.body, readCorpus('simple-json/six.pypi.simple.v1.json'));
  });

  test('v1+html and text/html → HTML with their own Content-Type, byte-identical', async () => {
    const html = readCorpus('simple-html/six.pypi.simple.html');
    const a = await get(`${server.simpleUrl}six/`, { accept: 'application/vnd.pypi.simple.v1+html' });
    assert.equal(a.headers['content-type'], 'application/vnd.pypi.simple.v1+html');
    assert.deepEqual(a.body, html);
    const b = await get(`${server.simpleUrl}six/`, { accept: 'text/html' });
    assert.equal(b.headers['content-type'], 'text/html; charset=UTF-8');
    assert.deepEqual(b.body, html);
  });

  test('q-values decide; */* and no Accept give text/html like Warehouse', async () => {
    const html = await get(`${server.simpleUrl}six/`, { accept: `${JSON_ACCEPT};q=0.2, text/html;q=0.5` });
    assert.equal(html.headers['content-type'], 'text/html; charset=UTF-8');
    const json = await get(`${server.simpleUrl}six/`, { accept: `${JSON_ACCEPT}, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01` });
    assert.equal(json.headers['content-type'], JSON_ACCEPT);
    const star = await get(`${server.simpleUrl}six/`, { accept: '*/*' });
    assert.equal(star.headers['content-type'], 'text/html; charset=UTF-8');
    const none = await get(`${server.simpleUrl}six/`);
    assert.equal(none.headers['content-type'], 'text/html; charset=UTF-8');
    const zero = await get(`${server.simpleUrl}six/`, { accept: `text/html;q=0, ${JSON_ACCEPT};q=0.1` });
    assert.equal(zero.headers['content-type'], JSON_ACCEPT);
  });

  test('latest+json is served as v1+json', async () => {
    const r = await get(`${server.simpleUrl}pil/`, { accept: 'application/vnd.pypi.simple.latest+json' });
    assert.equal(r.headers['content-type'], JSON_ACCEPT);
    assert.deepEqual(r.body, readCorpus('project-status/warehouse-issue-19017__pil.simple.v1.json'));
  });

  test('no acceptable type → 406 (or text/html when configured like pypi.org)', async () => {
    const r = await get(`${server.simpleUrl}six/`, { accept: 'application/json' });
    assert.equal(r.status, 406);
    const lenient = await startIndexServer({ unacceptable: 'text/html' });
    try {
      const h = await get(`${lenient.simpleUrl}six/`, { accept: 'application/json' });
      assert.equal(h.status, 200);
      assert.equal(h.headers['content-type'], 'text/html; charset=UTF-8');
    } finally {
      await lenient.close();
    }
  });
});

describe('URLs', () => {
  test('non-normalized name → 301 to the normalized URL (query kept)', async () => {
    const r = await get(`${server.simpleUrl}Six/?x=1`, { accept: JSON_ACCEPT });
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, '/simple/six/?x=1');
    const j = await get(`${server.jsonApiUrl}Django/json`);
    assert.equal(j.status, 301);
    assert.equal(j.headers.location, '/pypi/django/json');
    const v = await get(`${server.jsonApiUrl}Py.YAML/3.13/json`);
    assert.equal(v.headers.location, '/pypi/py-yaml/3.13/json');
  });

  test('missing trailing slash → 301 to the slash form', async () => {
    const r = await get(`${server.url}/simple/six`);
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, `${server.url}/simple/six/`);
    const idx = await get(`${server.url}/simple`);
    assert.equal(idx.headers.location, `${server.url}/simple/`);
  });

  test('unknown project and unknown paths → 404', async () => {
    assert.equal((await get(`${server.simpleUrl}no-such-project-xyz/`, { accept: JSON_ACCEPT })).status, 404);
    assert.equal((await get(`${server.jsonApiUrl}no-such-project-xyz/json`)).status, 404);
    assert.equal((await get(`${server.url}/elsewhere`)).status, 404);
    assert.equal((await get(`${server.simpleUrl}six/`, {}, { method: 'POST' })).status, 405);
  });

  test('HEAD gives the headers without a body', async () => {
    const r = await get(`${server.simpleUrl}six/`, { accept: JSON_ACCEPT }, { method: 'HEAD' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-length'], '24065');
    assert.equal(r.body.length, 0);
  });

  test('/simple/ lists the catalog, without quarantined projects', async () => {
    const doc = await getJson<{ projects: { name: string }[] }>(server.simpleUrl, { accept: JSON_ACCEPT });
    const names = doc.projects.map((p) => p.name);
    assert.ok(names.includes('Django') && names.includes('pepy'));
    assert.ok(!names.includes('aiocpa'));
  });

  test("unknownProjects: 'generate' synthesizes active projects for valid names only", async () => {
    const gen = await startIndexServer({ unknownProjects: 'generate' });
    try {
      const doc = await getJson<SimpleDoc>(`${gen.simpleUrl}some-real-looking-name/`, { accept: JSON_ACCEPT });
      assert.equal(doc.name, 'some-real-looking-name');
      assert.deepEqual(doc['project-status'], { status: 'active' });
      assert.ok(doc.versions!.length >= 3);
      assert.deepEqual([...doc.versions!].sort(compareVersions), doc.versions);
      const again = await getJson<SimpleDoc>(`${gen.simpleUrl}some-real-looking-name/`, { accept: JSON_ACCEPT });
      assert.deepEqual(again, doc);
      const project = await getJson<JsonApiDocument>(`${gen.jsonApiUrl}some-real-looking-name/json`);
      assert.equal(project.info.version, doc.versions!.at(-1));
      assert.equal((await get(`${gen.simpleUrl}nonexistent-thing/`)).status, 404);
      assert.equal((await get(`${gen.simpleUrl}-bad-/`)).status, 404);
      // Catalog projects are still the real ones.
      assert.deepEqual((await get(`${gen.simpleUrl}six/`, { accept: JSON_ACCEPT })).body, readCorpus('simple-json/six.pypi.simple.v1.json'));
    } finally {
      await gen.close();
    }
  });
});

describe('caching and compression', () => {
  test('strong ETag, If-None-Match → 304 without body (logged)', async () => {
    const first = await get(`${server.simpleUrl}tablib/`, { accept: JSON_ACCEPT });
    const etag = String(first.headers.etag);
    assert.match(etag, /^"[A-Za-z0-9+/]{22}"$/);
    server.resetLog();
    const second = await get(`${server.simpleUrl}tablib/`, { accept: JSON_ACCEPT, 'if-none-match': etag });
    assert.equal(second.status, 304);
    assert.equal(second.body.length, 0);
    assert.equal(second.headers.etag, etag);
    const weak = await get(`${server.simpleUrl}tablib/`, { accept: JSON_ACCEPT, 'if-none-match': `"nope", W/${etag}` });
    assert.equal(weak.status, 304);
    const other = await get(`${server.simpleUrl}tablib/`, { accept: JSON_ACCEPT, 'if-none-match': '"nope"' });
    assert.equal(other.status, 200);
    assert.deepEqual(
      server.requests.map((r) => [r.status, r.headers['if-none-match'], r.bytesSent]),
      [
        [304, etag, 0],
        [304, `"nope", W/${etag}`, 0],
        [200, '"nope"', other.body.length],
      ],
    );
  });

  test('ETags differ between representations', async () => {
    const j = await get(`${server.simpleUrl}six/`, { accept: JSON_ACCEPT });
    const h = await get(`${server.simpleUrl}six/`, { accept: 'text/html' });
    assert.notEqual(j.headers.etag, h.headers.etag);
  });

  test('gzip when accepted, with Vary: Accept-Encoding; its ETag revalidates too', async () => {
    const r = await get(`${server.simpleUrl}django/`, { accept: JSON_ACCEPT, 'accept-encoding': 'gzip, deflate, br' });
    assert.equal(r.headers['content-encoding'], 'gzip');
    assert.match(String(r.headers.vary), /Accept-Encoding/);
    assert.deepEqual(zlib.gunzipSync(r.body), readCorpus('simple-json/django.pypi.simple.v1.json'));
    assert.ok(r.body.length < 100_000);
    const again = await get(`${server.simpleUrl}django/`, { accept: JSON_ACCEPT, 'accept-encoding': 'gzip', 'if-none-match': String(r.headers.etag) });
    assert.equal(again.status, 304);
    const identity = await get(`${server.simpleUrl}django/`, { accept: JSON_ACCEPT, 'accept-encoding': 'gzip;q=0, identity' });
    assert.equal(identity.headers['content-encoding'], undefined);
    const off = await startIndexServer({ gzip: false });
    try {
      const p = await get(`${off.simpleUrl}six/`, { accept: JSON_ACCEPT, 'accept-encoding': 'gzip' });
      assert.equal(p.headers['content-encoding'], undefined);
    } finally {
      await off.close();
    }
  });

  test('keep-alive: sequential requests reuse one connection', async () => {
    const ka = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const reused: boolean[] = [];
      for (let i = 0; i < 3; i++) {
        await new Promise<void>((resolve, reject) => {
          const req = http.get(`${server.simpleUrl}pil/`, { agent: ka, headers: { accept: JSON_ACCEPT } }, (res) => {
            reused.push(req.reusedSocket);
            assert.equal(res.headers.connection, 'keep-alive');
            res.resume();
            res.on('end', resolve);
          });
          req.on('error', reject);
        });
      }
      assert.deepEqual(reused, [false, true, true]);
    } finally {
      ka.destroy();
    }
  });

  test('requests are logged with the interesting headers', async () => {
    server.resetLog();
    await get(`${server.jsonApiUrl}six/json`, { 'user-agent': 'pypi-status-test/1', authorization: 'Basic eDp5', accept: 'application/json' });
    assert.deepEqual(server.requests, [
      {
        method: 'GET',
        path: '/pypi/six/json',
        status: 200,
        headers: {
          accept: 'application/json',
          'accept-encoding': undefined,
          'if-none-match': undefined,
          'user-agent': 'pypi-status-test/1',
          authorization: 'Basic eDp5',
        },
        bytesSent: server.requests[0]!.bytesSent,
        httpVersion: '1.1',
        receivedNs: server.requests[0]!.receivedNs,
        answeredNs: server.requests[0]!.answeredNs,
      },
    ]);
    assert.ok(server.requests[0]!.bytesSent > 1000);
    assert.ok(server.requests[0]!.receivedNs! <= server.requests[0]!.answeredNs!, 'received before answered');
  });
});

describe('JSON API', () => {
  test('quarantined projects are 404 (project and release); their simple page has no files', async () => {
    assert.equal((await get(`${server.jsonApiUrl}aiocpa/json`)).status, 404);
    assert.equal((await get(`${server.jsonApiUrl}aiocpa/0.1.13/json`)).status, 404);
    const doc = await getJson<SimpleDoc>(`${server.simpleUrl}aiocpa/`, { accept: JSON_ACCEPT });
    assert.equal(doc['project-status']?.status, 'quarantined');
    assert.ok(doc['project-status']?.reason);
    assert.deepEqual(doc.files, []);
    assert.deepEqual(doc.versions, []);
  });

  test('a project without releases (pil) is 404 like Warehouse', async () => {
    assert.equal((await get(`${server.jsonApiUrl}pil/json`)).status, 404);
  });

  test('captured release documents are served byte-identically (yanked black 21.11b0, isodate 0.7.0)', async () => {
    const r = await get(`${server.jsonApiUrl}black/21.11b0/json`);
    assert.equal(r.headers['content-type'], 'application/json; charset="UTF-8"');
    assert.deepEqual(r.body, readCorpus('json-api/poetry__release__black-21.11b0.json'));
    const doc = JSON.parse(r.body.toString()) as JsonApiDocument;
    assert.equal(doc.info.yanked, true);
    assert.equal(doc.info.yanked_reason, 'Broken regex dependency. Use 21.11b1 instead.');
    assert.deepEqual((await get(`${server.jsonApiUrl}isodate/0.7.0/json`)).body, readCorpus('json-api/poetry__release__isodate-0.7.0.json'));
  });

  test('project document picks the latest non-yanked final release', async () => {
    const black = await getJson<JsonApiDocument>(`${server.jsonApiUrl}black/json`);
    assert.equal(black.info.version, '19.10b0');
    assert.deepEqual(Object.keys(black.releases!).sort(), ['19.10b0', '21.11b0']);
    assert.ok(black.releases!['21.11b0']!.every((f) => f.yanked === true && f.yanked_reason === 'Broken regex dependency. Use 21.11b1 instead.'));
    const isodate = await getJson<JsonApiDocument>(`${server.jsonApiUrl}isodate/json`);
    assert.equal(isodate.info.version, '0.7.0');
    assert.equal(isodate.info.yanked, true);
    const django = await getJson<JsonApiDocument>(`${server.jsonApiUrl}django/json`);
    assert.equal(django.info.name, 'Django');
    assert.ok(!/[abc]|rc|dev/.test(django.info.version));
  });

  test('vulnerable pycrypto and inactive snowchange', async () => {
    const rel = await get(`${server.jsonApiUrl}pycrypto/2.6.1/json`);
    assert.deepEqual(rel.body, readCorpus('json-api/pycrypto-2.6.1.release.json'));
    const project = await getJson<JsonApiDocument>(`${server.jsonApiUrl}pycrypto/json`);
    assert.deepEqual(
      project.vulnerabilities!.map((v) => v.id),
      ['PYSEC-2017-94', 'PYSEC-2018-97', 'GHSA-6528-wvf6-f6qg', 'GHSA-cq27-v7xp-c356'],
    );
    const simple = await getJson<SimpleDoc>(`${server.simpleUrl}pycrypto/`, { accept: JSON_ACCEPT });
    assert.deepEqual(simple.versions, ['2.6.1']);
    assert.deepEqual(
      simple.files.map((f) => f.filename),
      project.urls.map((u) => u.filename),
    );
    const snow = await getJson<JsonApiDocument>(`${server.jsonApiUrl}snowchange/json`);
    assert.deepEqual(snow.info.classifiers, ['Development Status :: 7 - Inactive']);
  });

  test('captured project documents are served as-is; versions resolve canonically; unknown version → 404', async () => {
    assert.deepEqual((await get(`${server.jsonApiUrl}luigi/json`)).body, readCorpus('json-api/dependabot__pypi_response_luigi.json'));
    const six = await getJson<JsonApiDocument>(`${server.jsonApiUrl}six/1.16/json`);
    assert.equal(six.info.version, '1.16.0');
    assert.equal(six.releases, undefined);
    assert.equal((await get(`${server.jsonApiUrl}six/9.9.9/json`)).status, 404);
    assert.equal((await get(`${server.jsonApiUrl}six/json/`)).status, 200);
    assert.equal(canonicalizeVersion('1.0.0'), '1');
    assert.equal(canonicalizeVersion('2.0.0.RC1'), '2rc1');
  });
});

describe('faults', () => {
  test('status with Retry-After and body; count limits it; longest prefix wins', async () => {
    server.setFault('/', { kind: 'status', status: 503 });
    server.setFault('/simple/six/', { kind: 'status', status: 429, retryAfter: 7, body: 'slow down' }, 1);
    const a = await get(`${server.simpleUrl}six/`, { accept: JSON_ACCEPT });
    assert.equal(a.status, 429);
    assert.equal(a.headers['retry-after'], '7');
    assert.equal(a.body.toString(), 'slow down');
    const b = await get(`${server.simpleUrl}six/`, { accept: JSON_ACCEPT });
    assert.equal(b.status, 503);
    server.clearFaults();
    assert.equal((await get(`${server.simpleUrl}six/`, { accept: JSON_ACCEPT })).status, 200);
  });

  test('hang: accepted, never answered (logged with status 0)', async () => {
    server.resetLog();
    server.setFault('/simple/six/', { kind: 'hang' }, 1);
    await assert.rejects(get(`${server.simpleUrl}six/`, { accept: JSON_ACCEPT }, { timeoutMs: 150, noAgent: true }), /timeout/);
    assert.equal(server.requests[0]!.status, 0);
    assert.equal(server.requests[0]!.fault, 'hang');
  });

  test('close() ends hung requests promptly', async () => {
    const other = await startIndexServer();
    other.setFault('/', { kind: 'hang' });
    const pending = get(`${other.simpleUrl}six/`, {}, { noAgent: true }).then(
      () => 'answered',
      () => 'failed',
    );
    while (other.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    const t0 = Date.now();
    await other.close();
    assert.ok(Date.now() - t0 < 1000);
    assert.equal(await pending, 'failed');
  });

  test('reset: the socket is destroyed', async () => {
    server.setFault('/simple/six/', { kind: 'reset' }, 1);
    await assert.rejects(get(`${server.simpleUrl}six/`, { accept: JSON_ACCEPT }, { noAgent: true }), /ECONNRESET|socket hang up/);
  });

  test('drip: the real body, slowly', async () => {
    server.setFault('/simple/pil/', { kind: 'drip', bytesPerSecond: 600 }, 1);
    const t0 = Date.now();
    const r = await get(`${server.simpleUrl}pil/`, { accept: JSON_ACCEPT }, { noAgent: true });
    assert.ok(Date.now() - t0 >= 180, `took ${Date.now() - t0} ms`);
    assert.deepEqual(r.body, readCorpus('project-status/warehouse-issue-19017__pil.simple.v1.json'));
  });

  test('truncated: half the body, full Content-Length, then closed', async () => {
    server.setFault('/simple/six/', { kind: 'truncated' }, 1);
    const full = readCorpus('simple-json/six.pypi.simple.v1.json');
    const r = await get(`${server.simpleUrl}six/`, { accept: JSON_ACCEPT }, { noAgent: true }).catch((e: Error) => e);
    if (r instanceof Error) {
      assert.match(r.message, /aborted|ECONNRESET|socket hang up/);
    } else {
      assert.equal(r.headers['content-length'], String(full.length));
      assert.ok(r.aborted);
      assert.ok(r.body.length < full.length);
    }
  });

  test('malformed: 200 with invalid JSON / garbage HTML', async () => {
    server.setFault('/simple/six/', { kind: 'malformed' }, 2);
    const j = await get(`${server.simpleUrl}six/`, { accept: JSON_ACCEPT });
    assert.equal(j.status, 200);
    assert.equal(j.headers['content-type'], JSON_ACCEPT);
    assert.throws(() => JSON.parse(j.body.toString()));
    const h = await get(`${server.simpleUrl}six/`, { accept: 'text/html' });
    assert.equal(h.headers['content-type'], 'text/html; charset=UTF-8');
    assert.ok(!h.body.toString('latin1').includes('</html>'));
  });

  test('html-for-json and wrong-content-type', async () => {
    server.setFault('/simple/six/', { kind: 'html-for-json' }, 1);
    const a = await get(`${server.simpleUrl}six/`, { accept: JSON_ACCEPT });
    assert.equal(a.status, 200);
    assert.match(String(a.headers['content-type']), /^text\/html/);
    assert.ok(!a.body.toString().includes('pypi:repository-version'));
    server.setFault('/pypi/six/', { kind: 'wrong-content-type' }, 1);
    const b = await get(`${server.jsonApiUrl}six/json`);
    assert.equal(b.headers['content-type'], 'text/plain; charset=UTF-8');
    assert.equal((JSON.parse(b.body.toString()) as JsonApiDocument).info.name, 'six');
  });

  test('oversized: valid-looking body of exactly the size asked (JSON, HTML, JSON API, chunked)', async () => {
    server.setFault('/simple/six/', { kind: 'oversized', bytes: 1_500_000 }, 2);
    const j = await get(`${server.simpleUrl}six/`, { accept: JSON_ACCEPT });
    assert.equal(j.body.length, 1_500_000);
    assert.equal(j.headers['content-length'], '1500000');
    assert.ok((JSON.parse(j.body.toString()) as SimpleDoc).files.length > 500);
    const h = await get(`${server.simpleUrl}six/`, { accept: 'text/html' });
    assert.equal(h.body.length, 1_500_000);
    assert.ok(h.body.toString().endsWith('<!--SERIAL 1-->'));
    server.setFault('/pypi/six/json', { kind: 'oversized', bytes: 500_000, chunked: true }, 1);
    const p = await get(`${server.jsonApiUrl}six/json`);
    assert.equal(p.headers['content-length'], undefined);
    assert.equal(p.body.length, 500_000);
    assert.equal((JSON.parse(p.body.toString()) as JsonApiDocument).info.name, 'six');
  });

  test('gzip-bomb: small gzip body inflating to the size asked', async () => {
    server.setFault('/simple/six/', { kind: 'gzip-bomb', bytes: 8_000_000 }, 1);
    const r = await get(`${server.simpleUrl}six/`, { accept: JSON_ACCEPT });
    assert.equal(r.headers['content-encoding'], 'gzip');
    assert.ok(r.body.length < 100_000, `${r.body.length}`);
    assert.equal(zlib.gunzipSync(r.body).length, 8_000_000);
  });

  test('redirect-loop and redirect', async () => {
    server.setFault('/simple/six/', { kind: 'redirect-loop' }, 3);
    let location = `${server.simpleUrl}six/`;
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await get(new URL(location, server.url).href);
      assert.equal(r.status, 302);
      location = String(r.headers.location);
      seen.push(location);
    }
    assert.deepEqual(seen, ['/simple/six/?redirect-loop=1', '/simple/six/?redirect-loop=2', '/simple/six/?redirect-loop=3']);
    assert.equal((await get(new URL(location, server.url).href, { accept: JSON_ACCEPT })).status, 200);
    server.setFault('/pypi/', { kind: 'redirect', location: 'http://evil.example/pypi/six/json' }, 1);
    const r = await get(`${server.jsonApiUrl}six/json`);
    assert.equal(r.status, 302);
    assert.equal(r.headers.location, 'http://evil.example/pypi/six/json');
  });
});

describe('latency and run-time changes', () => {
  test('latency is added before every response', async () => {
    server.setLatency(80);
    try {
      const t0 = Date.now();
      await get(`${server.simpleUrl}six/`, { accept: JSON_ACCEPT });
      assert.ok(Date.now() - t0 >= 75);
    } finally {
      server.setLatency(0);
    }
    const slow = await startIndexServer({ latencyMs: 50 });
    try {
      const t0 = Date.now();
      await get(`${slow.simpleUrl}pil/`);
      assert.ok(Date.now() - t0 >= 45);
    } finally {
      await slow.close();
    }
  });

  test('setProject flips a status and bumps the ETag', async () => {
    const before = await get(`${server.simpleUrl}pepy/`, { accept: JSON_ACCEPT });
    const etag = String(before.headers.etag);
    server.setProject('pepy', withStatus(loadProject('pepy')!, 'quarantined', 'malware'));
    const after = await get(`${server.simpleUrl}pepy/`, { accept: JSON_ACCEPT, 'if-none-match': etag });
    assert.equal(after.status, 200);
    assert.notEqual(after.headers.etag, etag);
    const doc = JSON.parse(after.body.toString()) as SimpleDoc;
    assert.deepEqual(doc['project-status'], { status: 'quarantined', reason: 'malware' });
    assert.deepEqual(doc.files, []);
    assert.equal((await get(`${server.jsonApiUrl}pepy/json`)).status, 404);
    const html = (await get(`${server.simpleUrl}pepy/`)).body.toString();
    assert.match(html, /<meta name="pypi:project-status" content="quarantined"><meta name="pypi:project-status-reason" content="malware">/);
    // Same definition again: the ETag still changes.
    const e2 = String(after.headers.etag);
    server.setProject('pepy', loadProject('pepy')!);
    const back = await get(`${server.simpleUrl}pepy/`, { accept: JSON_ACCEPT, 'if-none-match': e2 });
    assert.equal(back.status, 200);
    assert.deepEqual(back.body, readCorpus('project-status/uv__pepy.minimized.simple.v1.json'));
    const again = await get(`${server.simpleUrl}pepy/`, { accept: JSON_ACCEPT });
    assert.notEqual(again.headers.etag, etag);
  });

  test('withYanked yanks a release in every view', async () => {
    server.setProject('six', withYanked(loadProject('six')!, '1.16.0', 'bad release'));
    try {
      const simple = await getJson<SimpleDoc>(`${server.simpleUrl}six/`, { accept: JSON_ACCEPT });
      const files = simple.files.filter((f) => f.filename.startsWith('six-1.16.0'));
      assert.equal(files.length, 2);
      assert.ok(files.every((f) => f.yanked === 'bad release'));
      const rel = await getJson<JsonApiDocument>(`${server.jsonApiUrl}six/1.16.0/json`);
      assert.equal(rel.info.yanked, true);
      assert.equal(rel.info.yanked_reason, 'bad release');
      const anchors = parseAnchors((await get(`${server.simpleUrl}six/`)).body.toString());
      assert.ok(anchors.filter((a) => a.filename.startsWith('six-1.16.0')).every((a) => a.yanked === 'bad release'));
    } finally {
      server.setProject('six', loadProject('six')!);
    }
  });
});

describe('catalog', () => {
  test('the HTML renderer reproduces the real HTML captures from their JSON twins', () => {
    for (const [name, file] of [
      ['six', 'simple-html/six.pypi.simple.html'],
      ['django', 'simple-html/django.pypi.simple.html'],
      ['pil', 'project-status/warehouse-issue-19017__pil.simple.html'],
    ] as const) {
      const def = { ...loadProject(name)! };
      delete def.raw;
      assert.equal(renderSimpleHtml(def), readCorpus(file).toString('utf8'), name);
    }
    const pepy = { ...loadProject('pepy')! };
    delete pepy.raw;
    // The uv extraction added a final newline.
    assert.equal(`${renderSimpleHtml(pepy)}\n`, readCorpus('project-status/uv__pepy.minimized.simple.html').toString('utf8'));
  });

  test('the JSON renderer reproduces the real compact captures', () => {
    for (const name of ['six', 'tablib', 'django', 'pil']) {
      const def = { ...loadProject(name)! };
      const raw = def.raw!.simpleJson!.toString('utf8');
      delete def.raw;
      assert.equal(renderSimpleJson(def), raw.replace(/\n$/, ''), name);
    }
  });

  test('required projects are present with their statuses', () => {
    const expect: Record<string, string | undefined> = {
      pepy: 'archived',
      pil: 'archived',
      'haunted-project': 'archived',
      aiocpa: 'quarantined',
      'deprecated-project': 'deprecated',
      six: 'active',
      tablib: 'active',
      django: 'active',
      cryptography: 'active',
      black: 'active',
      isodate: 'active',
      requests: 'active',
      pytest: 'active',
      pyyaml: 'active',
      sqlalchemy: 'active',
      pycrypto: 'active',
      snowchange: 'active',
      luigi: 'active',
    };
    for (const [name, status] of Object.entries(expect)) assert.equal(loadProject(name)?.status?.status, status, name);
    assert.equal(loadProject('haunted-project')!.status!.reason, 'This project is haunted. Use newproject instead.');
    assert.equal(loadProject('deprecated-project')!.status!.reason, 'This project is haunted 👻.');
  });

  test('non-ASCII reasons are \\u-escaped in JSON and raw UTF-8 in HTML', async () => {
    const j = await get(`${server.simpleUrl}deprecated-project/`, { accept: JSON_ACCEPT });
    assert.ok(j.body.toString().includes('"reason":"This project is haunted \\ud83d\\udc7b."'));
    assert.equal((JSON.parse(j.body.toString()) as SimpleDoc)['project-status']!.reason, 'This project is haunted 👻.');
    const h = await get(`${server.simpleUrl}deprecated-project/`);
    assert.ok(h.body.toString('utf8').includes('<meta name="pypi:project-status-reason" content="This project is haunted 👻.">'));
  });

  test('every project: simple JSON, simple HTML, project JSON and release JSON agree', async () => {
    for (const name of catalogNames()) {
      const simple = await getJson<SimpleDoc>(`${server.simpleUrl}${name}/`, { accept: JSON_ACCEPT });
      assert.equal(simple.name, name);
      const html = (await get(`${server.simpleUrl}${name}/`)).body.toString('utf8');
      const anchors = parseAnchors(html);
      assert.deepEqual(
        anchors.map((a) => [a.filename, a.yanked]),
        simple.files.map((f) => [f.filename, f.yanked ? (typeof f.yanked === 'string' ? f.yanked : '') : undefined]),
        `${name}: HTML vs JSON files`,
      );
      const status = simple['project-status']?.status;
      assert.equal(html.includes(`<meta name="pypi:project-status" content="${status}">`), status !== undefined, `${name}: HTML status`);

      const projectResp = await get(`${server.jsonApiUrl}${name}/json`);
      const versions = simple.versions ?? [...new Set(Object.keys(loadProject(name)!.jsonApi?.releases ?? {}))];
      if (status === 'quarantined' || simple.files.length === 0) {
        assert.equal(projectResp.status, 404, `${name}: JSON API should 404`);
        continue;
      }
      assert.equal(projectResp.status, 200, `${name}: project JSON`);
      const project = JSON.parse(projectResp.body.toString('utf8')) as JsonApiDocument;
      assert.equal(normalizeName(project.info.name), name);
      const releases = project.releases!;
      const simpleByFile = new Map(simple.files.map((f) => [f.filename, f]));
      const jsonFiles = Object.values(releases).flat();
      assert.deepEqual(new Set(jsonFiles.map((f) => f.filename)), new Set(simpleByFile.keys()), `${name}: file sets`);
      for (const u of jsonFiles) {
        const f = simpleByFile.get(u.filename)!;
        assert.equal(Boolean(u.yanked), Boolean(f.yanked), `${name}: ${u.filename} yanked`);
        if (typeof f.yanked === 'string') assert.equal(u.yanked_reason, f.yanked, `${name}: ${u.filename} reason`);
        if (u.digests?.sha256) assert.equal(u.digests.sha256, f.hashes.sha256, `${name}: ${u.filename} sha256`);
      }
      if (simple.versions) {
        for (const v of simple.versions) assert.ok(releases[v] && releases[v].length > 0, `${name}: release ${v}`);
        for (const [v, fs] of Object.entries(releases)) if (fs.length > 0) assert.ok(simple.versions.includes(v), `${name}: ${v} in versions`);
      }
      assert.ok(Object.keys(releases).includes(project.info.version), `${name}: info.version`);
      // Release documents: all of them for small projects, a sample (incl. every yanked one) for big ones.
      const yankedVersions = Object.keys(releases).filter((v) => releases[v]!.length > 0 && releases[v]!.every((f) => f.yanked));
      const sample =
        versions.length <= 40 ? versions : [...new Set([...yankedVersions, versions[0]!, versions.at(-1)!, ...versions.filter((_, i) => i % 37 === 0)])];
      for (const v of sample) {
        const rel = await getJson<JsonApiDocument>(`${server.jsonApiUrl}${name}/${encodeURIComponent(v)}/json`);
        assert.equal(rel.info.version, v, `${name}: release ${v} version`);
        assert.equal(rel.releases, undefined);
        assert.deepEqual(rel.urls.map((u) => u.filename).sort(), releases[v]!.map((u) => u.filename).sort(), `${name}: release ${v} files`);
        if ('yanked' in rel.info) assert.equal(rel.info.yanked, yankedVersions.includes(v), `${name}: release ${v} info.yanked`);
      }
    }
  });
});
