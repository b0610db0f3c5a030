/** The hover's Trusted Publisher over stdio: fetched only when the hover is shown, then from the cache. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { MarkupContent } from 'vscode-languageserver-protocol';
import { makeProject } from '../support/index-catalog.js';
import { startIndexServer, type IndexServer } from '../support/index-server.js';
import { fileUri, LspClient } from '../support/lsp-client.js';

describe('provenance in the hover over stdio', () => {
  let index: IndexServer;
  let client: LspClient;
  let dir: string;

  before(async () => {
    index = await startIndexServer();
    dir = mkdtempSync(path.join(tmpdir(), 'pypi-status-provenance-'));
    client = await LspClient.start({ settings: { indexUrl: index.simpleUrl, jsonApiUrl: index.jsonApiUrl, cache: { directory: path.join(dir, 'cache') } } });
  });
  after(async () => {
    await client.stop();
    await index.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const provenanceRequests = () => index.requests.filter((r) => r.path.startsWith('/integrity/'));

  it('asks for no provenance when a file is opened, and names the publisher once a hover has asked', async () => {
    const uri = fileUri(path.join(dir, 'requirements.txt'));
    await client.open(uri, 'cryptography==43.0.3\n');
    await client.waitForDiagnostics(uri);
    assert.deepEqual(provenanceRequests(), []);

    const texts: string[] = [];
    const deadline = Date.now() + 10_000;
    for (;;) {
      const hover = await client.hover(uri, { line: 0, character: 3 });
      const value = (hover?.contents as MarkupContent | undefined)?.value ?? '';
      texts.push(value);
      if (/Published from/.test(value) || Date.now() > deadline) break;
      assert.match(value, /being fetched|has not answered yet/, value);
      await new Promise((r) => setTimeout(r, 50));
    }
    const last = texts.at(-1)!;
    assert.match(last, /27 of 27 files attested/);
    assert.match(last, /Published from GitHub\\: pyca/);
    assert.match(last, /workflow pypi\\-publish\\\.yml, environment publish/);
    const asked = provenanceRequests();
    assert.equal(asked.length, 1, JSON.stringify(asked.map((r) => r.path)));
    assert.match(asked[0]!.path, /^\/integrity\/cryptography\/43\.0\.3\/cryptography-43\.0\.3-.*\/provenance$/);

    // The next hover answers from the cache: no new request.
    const again = await client.hover(uri, { line: 0, character: 3 });
    assert.match((again?.contents as MarkupContent).value, /Published from GitHub/);
    assert.equal(provenanceRequests().length, 1);
  });
});

describe('attestations in the hover where the index may not say', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(path.join(tmpdir(), 'pypi-status-attestations-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** The hover of `line` once the index has answered, from a fresh server on `index`. */
  async function hoverOf(index: IndexServer, name: string, line: string): Promise<string> {
    const client = await LspClient.start({
      settings: { indexUrl: index.simpleUrl, jsonApiUrl: index.jsonApiUrl, cache: { directory: path.join(dir, name, 'cache') } },
    });
    try {
      const uri = fileUri(path.join(dir, name, 'requirements.txt'));
      await client.open(uri, `${line}\n`);
      await client.waitForDiagnostics(uri);
      const deadline = Date.now() + 10_000;
      for (;;) {
        const value = ((await client.hover(uri, { line: 0, character: 1 }))?.contents as MarkupContent | undefined)?.value ?? '';
        if (/Attestations/.test(value) || Date.now() > deadline) return value;
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await client.stop();
    }
  }

  it('says "no attestations" where the JSON page says so, "not served" where it has no provenance key, "not known" over HTML', async () => {
    const index = await startIndexServer();
    const html = await startIndexServer({ htmlOnly: true });
    try {
      const plain = makeProject({ name: 'plainpkg', versions: ['1.0.0'] });
      const old = makeProject({ name: 'oldindexpkg', versions: ['1.0.0'] });
      for (const f of old.files) delete f.provenance;
      for (const server of [index, html]) {
        server.setProject('plainpkg', plain);
        server.setProject('oldindexpkg', old);
      }
      assert.match(await hoverOf(index, 'json', 'plainpkg==1.0.0'), /of 1\\?\.0\\?\.0: no attestations\./);
      const notServed = await hoverOf(index, 'old', 'oldindexpkg==1.0.0');
      assert.match(notServed, /of 1\\?\.0\\?\.0: not served by this index\./);
      assert.doesNotMatch(notServed, /no attestation/);
      const overHtml = await hoverOf(html, 'html', 'plainpkg==1.0.0');
      assert.match(overHtml, /of 1\\?\.0\\?\.0: not known \\?\(HTML API\\?\)\./);
      assert.doesNotMatch(overHtml, /no attestation/);
      assert.ok(html.requests.some((r) => r.path === '/simple/plainpkg/' && r.status === 200));
    } finally {
      await Promise.all([index.close(), html.close()]);
    }
  });
});
