/** Index options inside requirements files: used only when the workspace is trusted. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeProject } from '../support/index-catalog.js';
import { startIndexServer, type IndexServer } from '../support/index-server.js';
import { fileUri, LspClient } from '../support/lsp-client.js';

describe('index options in files and workspace trust', () => {
  let configured: IndexServer;
  let named: IndexServer;
  let extra: IndexServer;
  const dirs: string[] = [];

  before(async () => {
    configured = await startIndexServer();
    named = await startIndexServer();
    extra = await startIndexServer();
    // The release the file pins exists: a missing one would be a finding of its own (missing-release).
    named.setProject('private-lib', makeProject({ name: 'private-lib', versions: ['1.0'] }));
    extra.setProject('extra-lib', makeProject({ name: 'extra-lib', status: 'archived' }));
  });
  after(async () => {
    await Promise.all([configured.close(), named.close(), extra.close()]);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  function text(): string {
    const withCreds = named.simpleUrl.replace('http://', 'http://deploy:t0ken@');
    return `--index-url ${withCreds}\n--extra-index-url ${extra.simpleUrl}\nprivate-lib==1.0\nextra-lib\nsix\n`;
  }

  async function start(trusted: boolean | undefined): Promise<LspClient> {
    const cache = mkdtempSync(path.join(tmpdir(), 'pypi-status-trust-'));
    dirs.push(cache);
    return LspClient.start({
      settings: { indexUrl: configured.simpleUrl, jsonApiUrl: configured.jsonApiUrl, cache: { directory: cache } },
      initializationOptions: trusted === undefined ? {} : { trusted },
    });
  }

  function reset(): void {
    for (const s of [configured, named, extra]) s.resetLog();
  }

  it('ignores them in an untrusted workspace (the default): nothing goes to the hosts a file names', async () => {
    const client = await start(undefined);
    reset();
    try {
      const uri = fileUri('/project/untrusted/requirements.txt');
      await client.open(uri, text());
      const diagnostics = await client.waitForDiagnostics(uri, (d) => d.length >= 2);
      assert.deepEqual(
        diagnostics.map((d) => d.code),
        ['not-found', 'not-found'],
      );
      assert.equal(named.requests.length + extra.requests.length, 0, 'an untrusted file sent requests to the hosts it names');
    } finally {
      await client.stop();
    }
  });

  it('uses them in a trusted workspace: the named index first, then the extra ones, credentials never shown', async () => {
    const client = await start(true);
    reset();
    try {
      const uri = fileUri('/project/trusted/requirements.txt');
      await client.open(uri, text());
      const diagnostics = await client.waitForDiagnostics(uri, (d) => d.length >= 1);
      assert.deepEqual(
        diagnostics.map((d) => [d.code, d.range.start.line]),
        [['archived', 3]],
      );
      assert.ok(named.requests.some((r) => r.path === '/simple/private-lib/'));
      assert.equal(named.requests[0]!.headers.authorization, `Basic ${Buffer.from('deploy:t0ken').toString('base64')}`);
      assert.ok(extra.requests.some((r) => r.path === '/simple/extra-lib/'));
      assert.equal(configured.requests.filter((r) => r.path.startsWith('/simple/')).length, 0, 'the configured index was asked anyway');
      assert.equal(
        configured.requests.filter((r) => r.path.startsWith('/pypi/')).length,
        0,
        "the JSON API of the configured index is not asked about a private index's names",
      );
      const hover = await client.hover(uri, { line: 2, character: 2 });
      assert.ok(hover);
      assert.ok(!client.logs.join('').includes('t0ken'), 'credentials reached the log');
      assert.ok(!JSON.stringify(hover).includes('t0ken'), 'credentials reached a hover');
    } finally {
      await client.stop();
    }
  });

  it('switches when the user grants trust', async () => {
    const client = await start(false);
    try {
      const uri = fileUri('/project/granted/requirements.txt');
      await client.open(uri, text());
      await client.waitForDiagnostics(uri, (d) => d.length === 2);
      const seen = client.publications(uri);
      await client.connection.sendNotification('pypiStatus/didGrantWorkspaceTrust');
      const after = await client.waitForDiagnostics(uri, (d) => d.length === 1, { since: seen });
      assert.equal(after[0]!.code, 'archived');
    } finally {
      await client.stop();
    }
  });

  it('drops the check begun before trust was granted, even when it ends last', async () => {
    const client = await start(false);
    // The configured index answers slowly: the untrusted check is still waiting when trust comes.
    configured.setLatency(1500);
    try {
      const uri = fileUri('/project/granted-late/requirements.txt');
      await client.open(uri, text());
      await new Promise((r) => setTimeout(r, 200));
      await client.connection.sendNotification('pypiStatus/didGrantWorkspaceTrust');
      await client.waitForDiagnostics(uri, (d) => d.length === 1 && d[0]!.code === 'archived');
      // Long enough for the untrusted check's answers to arrive and, before the fix, be published.
      await new Promise((r) => setTimeout(r, 2500));
      assert.deepEqual(
        client.diagnostics
          .get(uri)!
          .at(-1)!
          .diagnostics.map((d) => d.code),
        ['archived'],
        'the untrusted check published after the trusted one',
      );
    } finally {
      configured.setLatency(0);
      await client.stop();
    }
  });

  it('links no pypi.org page for projects a file looks up on its own index', async () => {
    const cache = mkdtempSync(path.join(tmpdir(), 'pypi-status-trust-'));
    dirs.push(cache);
    // The default settings name pypi.org; the file's own index answers for every name.
    const client = await LspClient.start({ settings: { cache: { directory: cache } }, initializationOptions: { trusted: true } });
    named.setProject('internal-auth', makeProject({ name: 'internal-auth', status: 'archived', versions: ['1.0'] }));
    try {
      const uri = fileUri('/project/own-index/requirements.txt');
      await client.open(uri, `--index-url ${named.simpleUrl}\ninternal-auth==1.0\nnot-on-any-index\n`);
      const diagnostics = await client.waitForDiagnostics(uri, (d) => d.length === 2);
      assert.deepEqual(
        diagnostics.map((d) => [d.code, d.codeDescription]),
        [
          ['archived', undefined],
          ['not-found', undefined],
        ],
      );
      const hover = await client.hover(uri, { line: 1, character: 2 });
      assert.ok(hover && !JSON.stringify(hover).includes('pypi.org'), JSON.stringify(hover));
    } finally {
      await client.stop();
    }
  });
});
