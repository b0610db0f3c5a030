/**
 * The built server over stdio, against the local index: the right findings at
 * the right ranges, hovers, request counts, caching across edits and restarts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { startIndexServer, type IndexServer } from '../support/index-server.js';
import {
  EXPECTED_PYPROJECT,
  EXPECTED_REQUIREMENTS,
  FIXTURE_ENV,
  FIXTURES,
  PYPROJECT,
  PYPROJECT_URI,
  REQ_URI,
  REQUIREMENTS,
  SEVERITY,
  summarize,
} from '../support/every-form.js';
import { fileUri, LspClient } from '../support/lsp-client.js';

/** LSP 3.18 allows Markdown messages; this server sends plain strings. */
function msg(d: Diagnostic): string {
  return typeof d.message === 'string' ? d.message : d.message.value;
}

describe('language server over stdio', () => {
  let index: IndexServer;
  let cacheDir: string;

  before(async () => {
    index = await startIndexServer();
  });
  after(async () => {
    await index.close();
  });

  function settings(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { indexUrl: index.simpleUrl, jsonApiUrl: index.jsonApiUrl, cache: { directory: cacheDir }, ...extra };
  }

  function freshCache(): void {
    cacheDir = mkdtempSync(path.join(tmpdir(), 'pypi-status-test-'));
  }

  async function start(extra: Record<string, unknown> = {}, configurationPull = true): Promise<LspClient> {
    return LspClient.start({ settings: settings(extra), configurationPull, env: FIXTURE_ENV });
  }

  it('publishes exactly the expected findings at the name ranges of a requirements file', async () => {
    freshCache();
    const client = await start();
    try {
      await client.open(REQ_URI, REQUIREMENTS);
      const diagnostics = await client.waitForDiagnostics(REQ_URI, (d) => d.length >= EXPECTED_REQUIREMENTS.length);
      assert.deepEqual(summarize(diagnostics), EXPECTED_REQUIREMENTS);
      for (const d of diagnostics) {
        assert.equal(d.source, 'pypi-status');
        assert.ok(msg(d).length > 10);
      }
      const quarantined = diagnostics.find((d) => d.code === 'quarantined')!;
      assert.match(msg(quarantined), /aiocpa is quarantined/);
      const haunted = diagnostics.find((d) => d.code === 'archived' && msg(d).includes('haunted'))!;
      assert.match(msg(haunted), /Reason given: /);
      const vulnerable = diagnostics.find((d) => d.code === 'vulnerable')!;
      assert.match(msg(vulnerable), /4 known vulnerabilities: PYSEC-2017-94/);
    } finally {
      await client.stop();
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('publishes exactly the expected findings in pyproject.toml (settings from initializationOptions)', async () => {
    freshCache();
    const client = await start({}, false);
    try {
      await client.open(PYPROJECT_URI, PYPROJECT, 'toml');
      const diagnostics = await client.waitForDiagnostics(PYPROJECT_URI, (d) => d.length >= EXPECTED_PYPROJECT.length);
      assert.deepEqual(summarize(diagnostics), EXPECTED_PYPROJECT);
    } finally {
      await client.stop();
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('fetches each project once, reuses the cache on edits, and answers hovers', async () => {
    freshCache();
    const client = await start();
    try {
      index.resetLog();
      await client.open(REQ_URI, REQUIREMENTS);
      await client.waitForDiagnostics(REQ_URI, (d) => d.length >= EXPECTED_REQUIREMENTS.length);
      await client.open(PYPROJECT_URI, PYPROJECT, 'toml');
      await client.waitForDiagnostics(PYPROJECT_URI, (d) => d.length >= EXPECTED_PYPROJECT.length);
      const simple = index.requests.filter((r) => r.path.startsWith('/simple/'));
      const paths = simple.map((r) => r.path);
      assert.equal(new Set(paths).size, paths.length, `a project was fetched twice: ${paths.join(' ')}`);
      assert.ok(paths.includes('/simple/pepy/'));
      assert.ok(!paths.includes('/simple/requests/'), 'an ignored line is not looked up');
      assert.ok(!index.requests.some((r) => r.path.startsWith('/pypi/aiocpa/')), 'the JSON API is not asked about quarantined projects');
      for (const r of index.requests) assert.match(r.headers['user-agent'] ?? '', /^pypi-status\//);

      // An edit re-parses but sends no request: every entry is fresh.
      await index.settled(); // (lookups of projects without findings may still be under way)
      const before = index.requests.length;
      // A project another line already names (six): its answer is in the cache.
      const edited = REQUIREMENTS.replace('snowchange==2.8.1', 'snowchange==2.8.1\nsix==1.16.0');
      const seen = client.publications(REQ_URI);
      await client.change(REQ_URI, 2, edited);
      const afterEdit = await client.waitForDiagnostics(REQ_URI, (_d, p) => p.version === 2, { since: seen });
      assert.equal(afterEdit.length, EXPECTED_REQUIREMENTS.length);
      assert.equal(
        index.requests.length,
        before,
        `an edit sent requests: ${index.requests
          .slice(before)
          .map((r) => r.path)
          .join(' ')}`,
      );

      const line = REQUIREMENTS.split('\n').findIndex((l) => l.startsWith('pepy'));
      const hover = await client.hover(REQ_URI, { line, character: 2 });
      assert.ok(hover);
      const value = (hover.contents as { value: string }).value;
      assert.match(value, /\*\*pepy\*\*/);
      assert.match(value, /archived/);
      assert.match(value, /Latest: 2\\\.1\\\.1/);
      assert.deepEqual(hover.range, { start: { line, character: 0 }, end: { line, character: 4 } });
      assert.equal(await client.hover(REQ_URI, { line: 0, character: 3 }), null, 'no hover on a comment');
    } finally {
      await client.stop();
    }
    // A new process with the disk cache inside its TTL sends no request at all.
    index.resetLog();
    const second = await start();
    try {
      await second.open(REQ_URI, REQUIREMENTS);
      const diagnostics = await second.waitForDiagnostics(REQ_URI, (d) => d.length >= EXPECTED_REQUIREMENTS.length);
      assert.deepEqual(summarize(diagnostics), EXPECTED_REQUIREMENTS);
      assert.equal(index.requests.length, 0, `warm restart sent ${index.requests.map((r) => r.path).join(' ')}`);
    } finally {
      await second.stop();
    }
    // Past the TTL, a restart revalidates: only conditional requests, answered 304.
    index.resetLog();
    const third = await start({ cache: { directory: cacheDir, ttlSeconds: 0.001 } });
    try {
      await third.open(REQ_URI, REQUIREMENTS);
      const diagnostics = await third.waitForDiagnostics(REQ_URI, (d) => d.length >= EXPECTED_REQUIREMENTS.length);
      assert.deepEqual(summarize(diagnostics), EXPECTED_REQUIREMENTS);
      const found = index.requests.filter((r) => r.status !== 404);
      assert.ok(found.length > 0);
      for (const r of found) {
        assert.ok(r.headers['if-none-match'], `unconditional request after TTL: ${r.path}`);
        assert.equal(r.status, 304, `${r.path} answered ${r.status}`);
      }
    } finally {
      await third.stop();
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('publishes status findings without waiting for the JSON API', async () => {
    freshCache();
    const client = await start();
    try {
      // The JSON API hangs; statuses come from the simple API alone and must not wait for it.
      index.setFault('/pypi/', { kind: 'hang' });
      const opened = Date.now();
      await client.open(REQ_URI, REQUIREMENTS);
      const statusCodes = new Set(['archived', 'quarantined', 'deprecated', 'not-found', 'yanked', 'invalid-requirement']);
      const expected = EXPECTED_REQUIREMENTS.filter((e) => statusCodes.has(e[3]));
      const diagnostics = await client.waitForDiagnostics(REQ_URI, (d) => d.length >= expected.length);
      assert.deepEqual(summarize(diagnostics), expected);
      assert.ok(Date.now() - opened < 5000, 'status findings waited for the JSON API');
    } finally {
      index.clearFaults();
      await client.stop();
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('keeps working from memory when the cache directory cannot be written', async () => {
    freshCache();
    const blocked = path.join(cacheDir, 'not-a-directory');
    writeFileSync(blocked, 'a file where the cache directory should be');
    const client = await start({ cache: { directory: blocked } });
    try {
      index.resetLog();
      await client.open(REQ_URI, REQUIREMENTS);
      const diagnostics = await client.waitForDiagnostics(REQ_URI, (d) => d.length >= EXPECTED_REQUIREMENTS.length);
      assert.deepEqual(summarize(diagnostics), EXPECTED_REQUIREMENTS);
      await index.settled();
      const before = index.requests.length;
      const line = REQUIREMENTS.split('\n').findIndex((l) => l.startsWith('pepy'));
      assert.match(((await client.hover(REQ_URI, { line, character: 1 }))!.contents as { value: string }).value, /archived/);
      await client.change(REQ_URI, 2, `${REQUIREMENTS}\n`);
      await client.waitForDiagnostics(REQ_URI, (_d, p) => p.version === 2);
      assert.equal(index.requests.length, before, 'the memory cache answered the hover and the edit');
      const messages = client.logs
        .join('')
        .split('\n')
        .filter((l) => l.includes('continuing with the memory cache'));
      assert.ok(messages.length >= 1 && messages.length <= 2, `one message per run of failures (reads, writes): ${messages.join(' | ')}`);
      assert.ok(!/uncaught|unhandled/i.test(client.logs.join('')));
    } finally {
      await client.stop();
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('never reports "not found" when the index fails, and recovers when it returns', async () => {
    freshCache();
    const client = await start();
    try {
      index.setFault('/', { kind: 'status', status: 503 });
      await client.open(REQ_URI, REQUIREMENTS);
      const diagnostics = await client.waitForDiagnostics(REQ_URI, () => true);
      assert.deepEqual(
        diagnostics.map((d) => d.code),
        ['invalid-requirement'],
        'only the parse problem is reported while the index is down',
      );
      const line = REQUIREMENTS.split('\n').findIndex((l) => l.startsWith('pepy'));
      const hover = await client.hover(REQ_URI, { line, character: 1 });
      assert.match((hover!.contents as { value: string }).value, /Status unknown/);
    } finally {
      index.clearFaults();
      await client.stop();
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('re-checks an edited document whose lookups failed, even when a re-check of the old text was pending', async () => {
    freshCache();
    const client = await start({ jsonApiUrl: null });
    const uri = fileUri('/project/retry-after-edit/requirements.txt');
    try {
      index.resetLog();
      index.setFault('/simple/pepy/', { kind: 'status', status: 503 }, 1);
      await client.open(uri, 'pepy\n');
      await client.waitForDiagnostics(uri, () => true);
      // Edited while the re-check of version 1 waits out the back-off.
      await client.change(uri, 2, '# pinned below\npepy\n');
      const after = await client.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'archived'), { timeoutMs: 8_000 });
      assert.deepEqual(
        after.map((d) => [d.code, d.range.start.line]),
        [['archived', 1]],
      );
    } finally {
      index.clearFaults();
      await client.stop();
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('re-checks after a 403 with a growing delay, not every second', async () => {
    freshCache();
    const client = await start({ jsonApiUrl: null });
    const uri = fileUri('/project/forbidden/requirements.txt');
    try {
      index.resetLog();
      index.setFault('/simple/', { kind: 'status', status: 403 });
      await client.open(uri, 'six\n');
      await new Promise((r) => setTimeout(r, 5_500));
      // Re-checks 1 s, 2 s and 4 s after each failure: at 0, ~1, ~3 s (and ~7 s). Every second would be six.
      const asked = index.requests.filter((r) => r.path === '/simple/six/').length;
      assert.ok(asked >= 2 && asked <= 3, `six was asked ${asked} times in 5.5 s`);
    } finally {
      index.clearFaults();
      await client.stop();
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('applies changed settings even when the proxy URL is unusable', async () => {
    freshCache();
    const base = settings({ jsonApiUrl: null });
    const client = await LspClient.start({ settings: base, configurationPull: false, initializationOptions: { httpProxy: 'not a url' }, env: FIXTURE_ENV });
    const uri = fileUri('/project/bad-proxy/requirements.txt');
    try {
      await client.open(uri, 'six\n!!!\n');
      await client.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'invalid-requirement'));
      // Every lookup has failed through the proxy by now, so its transport exists and must be closed.
      await new Promise((r) => setTimeout(r, 300));
      const seen = client.publications(uri);
      await client.connection.sendNotification('workspace/didChangeConfiguration', {
        settings: { pypiStatus: { ...base, severity: { 'invalid-requirement': 'off' } } },
      });
      assert.deepEqual(await client.waitForDiagnostics(uri, (d) => d.length === 0, { since: seen }), []);
      assert.deepEqual(
        client.logs
          .join('')
          .split('\n')
          .filter((l) => /handler .* failed|unhandled|uncaught/i.test(l)),
        [],
      );
    } finally {
      await client.stop();
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('looks up a name an environment variable supplies only in a trusted workspace', async () => {
    freshCache();
    const uri = fileUri('/project/env-name/requirements.txt');
    for (const trusted of [false, true]) {
      const client = await LspClient.start({
        settings: settings({ jsonApiUrl: null }),
        env: { PYPI_STATUS_SECRET_NAME: 'secret-token-value' },
        initializationOptions: { trusted },
      });
      try {
        index.resetLog();
        await client.open(uri, '${PYPI_STATUS_SECRET_NAME}\nsix\n');
        await client.waitForDiagnostics(uri, () => true);
        await index.settled(100);
        const asked = index.requests.some((r) => r.path.includes('secret-token-value'));
        assert.equal(asked, trusted, trusted ? 'a trusted workspace looks it up, as pip would' : 'the value of an environment variable was sent to the index');
        if (!trusted) {
          const hover = await client.hover(uri, { line: 0, character: 3 });
          assert.match((hover!.contents as { value: string }).value, /trusted workspace/);
          assert.ok(!JSON.stringify(client.diagnostics.get(uri)).includes('secret-token-value'));
        }
      } finally {
        await client.stop();
      }
    }
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('shows an include that cannot be followed on its line in an open file', async () => {
    freshCache();
    const dir = mkdtempSync(path.join(tmpdir(), 'pypi-status-includes-'));
    writeFileSync(path.join(dir, 'base.txt'), 'six\n');
    const client = await start({ jsonApiUrl: null });
    const uri = fileUri(path.join(dir, 'requirements.txt'));
    try {
      await client.open(uri, '-r base.txt\n-r missing.txt\n-c https://example.org/constraints.txt\nsix\n');
      const diagnostics = await client.waitForDiagnostics(uri, (d) => d.length > 0);
      assert.deepEqual(
        diagnostics.map((d) => [d.code, d.range.start.line, msg(d)]),
        [
          ['include-not-read', 1, 'missing.txt: no such file'],
          ['include-not-read', 2, 'https://example.org/constraints.txt is not read: pypi-status does not download requirements files (pip does)'],
        ],
      );
    } finally {
      await client.stop();
      rmSync(cacheDir, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps serving other files when one pyproject.toml does not parse', async () => {
    freshCache();
    const client = await start();
    try {
      const broken = PYPROJECT.replace('"six>=1.16",', '"six>=1.16,\n  "pepy==2.1.1",');
      const brokenUri = fileUri(path.join(FIXTURES, 'broken', 'pyproject.toml'));
      await client.open(brokenUri, broken, 'toml');
      const diagnostics = await client.waitForDiagnostics(brokenUri, (d) => d.some((x) => x.code === 'archived'));
      const syntax = diagnostics.filter((d) => d.code === 'syntax-error');
      assert.equal(syntax.length, 1);
      assert.equal(syntax[0]!.severity, SEVERITY.error);
      await client.open(REQ_URI, REQUIREMENTS);
      const other = await client.waitForDiagnostics(REQ_URI, (d) => d.length >= EXPECTED_REQUIREMENTS.length);
      assert.deepEqual(summarize(other), EXPECTED_REQUIREMENTS);
    } finally {
      await client.stop();
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('picks up changed settings without a restart', async () => {
    freshCache();
    const client = await start();
    try {
      await client.open(REQ_URI, REQUIREMENTS);
      await client.waitForDiagnostics(REQ_URI, (d) => d.length >= EXPECTED_REQUIREMENTS.length);
      assert.ok(client.registrations.includes('workspace/didChangeConfiguration'), 'the server must register for configuration changes');
      const seen = client.publications(REQ_URI);
      client.settings = { ...client.settings, ignore: ['aiocpa'], severity: { archived: 'error' } };
      await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
      const after = await client.waitForDiagnostics(REQ_URI, (d) => !d.some((x) => x.code === 'quarantined'), { since: seen });
      assert.ok(after.filter((d) => d.code === 'archived').every((d) => d.severity === SEVERITY.error));
    } finally {
      await client.stop();
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  it('applies severity overrides and the ignore setting', async () => {
    freshCache();
    const client = await start({ severity: { archived: 'error', inactive: 'off' }, ignore: ['Black'] });
    try {
      await client.open(REQ_URI, REQUIREMENTS);
      const diagnostics = await client.waitForDiagnostics(REQ_URI, (d) => d.length >= EXPECTED_REQUIREMENTS.length - 2);
      assert.ok(!diagnostics.some((d) => d.code === 'inactive'));
      assert.ok(!diagnostics.some((d) => msg(d).startsWith('black')));
      assert.ok(diagnostics.filter((d) => d.code === 'archived').every((d) => d.severity === SEVERITY.error));
    } finally {
      await client.stop();
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });
});
