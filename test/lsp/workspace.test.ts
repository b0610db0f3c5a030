/**
 * The scanned workspace over time, over stdio: files known by path whatever the spelling of their
 * URI, re-scans that cancel or exclude, folders that go, includes that appear, and the lifecycle.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CancellationTokenSource } from 'vscode-jsonrpc/node';
import type { ScanResponse } from '../../server/src/protocol.js';
import { startIndexServer, type IndexServer } from '../support/index-server.js';
import { fileUri, LspClient } from '../support/lsp-client.js';

const SCAN = 'pypiStatus.scanWorkspace';
const DELETED = 3;
const CREATED = 1;

/** A file URI as VS Code writes it: every character outside RFC 3986's unreserved set escaped. */
function vscodeUri(file: string): string {
  return `file://${file
    .split('/')
    .map((segment) => segment.replace(/[^A-Za-z0-9\-._~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/')}`;
}

describe('the scanned workspace over time', () => {
  let index: IndexServer;
  const dirs: string[] = [];

  before(async () => {
    index = await startIndexServer({ unknownProjects: 'generate' });
  });
  after(async () => {
    await index.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  function workspace(files: Record<string, string>, parent?: string): string {
    const base = mkdtempSync(path.join(tmpdir(), 'pypi-status-ws-'));
    dirs.push(base);
    const root = parent ? path.join(base, parent) : base;
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      writeFileSync(path.join(root, rel), text);
    }
    return root;
  }

  async function start(root: string, settings: Record<string, unknown> = {}, extra: Partial<Parameters<typeof LspClient.start>[0]> = {}): Promise<LspClient> {
    const cache = mkdtempSync(path.join(tmpdir(), 'pypi-status-ws-cache-'));
    dirs.push(cache);
    return LspClient.start({
      settings: { indexUrl: index.simpleUrl, jsonApiUrl: null, cache: { directory: cache }, ...settings },
      workspaceFolders: [root],
      ...extra,
    });
  }

  /** The codes of the latest publication for a file, under whichever spelling of its URI came last. */
  function latest(client: LspClient, file: string): string[] | undefined {
    let last: { at: number; codes: string[] } | undefined;
    let at = 0;
    const order = new Map<unknown, number>();
    for (const list of client.diagnostics.values()) for (const p of list) order.set(p, at++);
    for (const [uri, list] of client.diagnostics) {
      if (decodeURIComponent(new URL(uri).pathname) !== file) continue;
      for (const p of list) {
        const n = order.get(p)!;
        if (!last || n > last.at) last = { at: n, codes: p.diagnostics.map((d) => String(d.code)) };
      }
    }
    return last?.codes;
  }

  it("keeps the editor's text for an open file whose URI the client spells its own way", async () => {
    const root = workspace({ 'requirements.txt': 'aiocpa\n' }, 'my proj (v2)+1');
    const file = path.join(root, 'requirements.txt');
    const client = await start(root);
    try {
      const uri = vscodeUri(file);
      assert.notEqual(uri, fileUri(file), 'the two spellings differ');
      await client.open(uri, 'six\n');
      await client.waitForDiagnostics(uri, () => true);
      await client.executeCommand<ScanResponse>(SCAN);
      assert.deepEqual(latest(client, file), [], "the scan published what is on disk over the editor's text");
      // Once the editor lets go of it, the file on disk speaks.
      await client.close(uri);
      await client.waitForDiagnostics(fileUri(file), (d) => d.some((x) => x.code === 'quarantined'));
    } finally {
      await client.stop();
    }
  });

  it('leaves the findings of an earlier scan in place when a re-scan is cancelled', async () => {
    const root = workspace({ 'requirements.txt': 'pepy\naiocpa\n' });
    const file = path.join(root, 'requirements.txt');
    const client = await start(root, { cache: { ttlSeconds: 1 } });
    try {
      await client.executeCommand<ScanResponse>(SCAN);
      assert.deepEqual(latest(client, file), ['archived', 'quarantined']);
      await new Promise((r) => setTimeout(r, 1100)); // past the TTL: the re-scan asks the index again
      index.setLatency(3000);
      const cancel = new CancellationTokenSource();
      const second = client.executeCommand<ScanResponse>(SCAN, [], undefined, cancel.token);
      setTimeout(() => cancel.cancel(), 300);
      const response = await second.catch((e: unknown) => e);
      assert.equal((response as ScanResponse).cancelled, true, JSON.stringify(response));
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(latest(client, file), ['archived', 'quarantined'], 'the cancelled scan cleared findings it had not judged');
    } finally {
      index.setLatency(0);
      await client.stop();
    }
  });

  it('drops files that a re-scan no longer reaches: newly excluded, or in a folder that left', async () => {
    const root = workspace({ 'requirements.txt': 'pepy\n', 'vendor/requirements.txt': 'aiocpa\n' });
    const other = workspace({ 'requirements.txt': 'pil\n' });
    const client = await start(root);
    try {
      await client.connection.sendNotification('workspace/didChangeWorkspaceFolders', {
        event: { added: [{ uri: fileUri(other), name: 'other' }], removed: [] },
      });
      await client.executeCommand<ScanResponse>(SCAN);
      assert.deepEqual(latest(client, path.join(root, 'vendor', 'requirements.txt')), ['quarantined']);
      assert.deepEqual(latest(client, path.join(other, 'requirements.txt')), ['archived']);

      client.settings = { ...client.settings, exclude: ['vendor/**'] };
      await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
      await client.waitForDiagnostics(fileUri(path.join(root, 'vendor', 'requirements.txt')), (d) => d.length === 0);

      await client.connection.sendNotification('workspace/didChangeWorkspaceFolders', {
        event: { added: [], removed: [{ uri: fileUri(other), name: 'other' }] },
      });
      await client.waitForDiagnostics(fileUri(path.join(other, 'requirements.txt')), (d) => d.length === 0);
      assert.deepEqual(latest(client, path.join(root, 'requirements.txt')), ['archived']);
    } finally {
      await client.stop();
    }
  });

  it('keeps the scan findings of a file that was open during the scan once it is closed', async () => {
    const root = workspace({ 'requirements.txt': 'pepy\n' });
    const file = path.join(root, 'requirements.txt');
    const client = await start(root);
    try {
      await client.open(fileUri(file), 'pepy\n');
      await client.waitForDiagnostics(fileUri(file), (d) => d.length === 1);
      await client.executeCommand<ScanResponse>(SCAN);
      const seen = client.publications(fileUri(file));
      await client.close(fileUri(file));
      const after = await client.waitForDiagnostics(fileUri(file), () => true, { since: seen });
      assert.deepEqual(
        after.map((d) => d.code),
        ['archived'],
      );
    } finally {
      await client.stop();
    }
  });

  it('clears the files under a deleted folder, which clients report as the folder alone', async () => {
    const root = workspace({ 'reqs/requirements-a.txt': 'aiocpa\n', 'reqs/sub/requirements-b.txt': 'pepy\n', 'requirements.txt': 'pil\n' });
    const client = await start(root);
    try {
      await client.executeCommand<ScanResponse>(SCAN);
      rmSync(path.join(root, 'reqs'), { recursive: true });
      await client.didChangeWatchedFiles([{ uri: fileUri(path.join(root, 'reqs')), type: DELETED }]);
      await client.waitForDiagnostics(fileUri(path.join(root, 'reqs', 'requirements-a.txt')), (d) => d.length === 0);
      await client.waitForDiagnostics(fileUri(path.join(root, 'reqs', 'sub', 'requirements-b.txt')), (d) => d.length === 0);
      assert.deepEqual(latest(client, path.join(root, 'requirements.txt')), ['archived']);
    } finally {
      await client.stop();
    }
  });

  it('matches exclusions inside the workspace folder only, not against the folders above it', async () => {
    const root = workspace({ 'requirements.txt': 'pepy\n', 'app/build/requirements.txt': 'aiocpa\n' }, 'build/project');
    const client = await start(root, {}, { filesSettings: { exclude: { '**/build/**': true } } });
    try {
      const response = await client.executeCommand<ScanResponse>(SCAN);
      assert.equal(response.filesScanned, 1, 'the workspace itself lives under a folder named build');
      assert.deepEqual(latest(client, path.join(root, 'requirements.txt')), ['archived']);
    } finally {
      await client.stop();
    }
  });

  it('re-checks an open file when a file it includes appears or goes', async () => {
    const root = workspace({});
    const file = path.join(root, 'requirements.txt');
    const client = await start(root);
    try {
      await client.open(fileUri(file), '-r requirements-base.txt\npepy\n');
      await client.waitForDiagnostics(fileUri(file), (d) => d.some((x) => x.code === 'include-not-read'));
      writeFileSync(path.join(root, 'requirements-base.txt'), 'six\n');
      await client.didChangeWatchedFiles([{ uri: fileUri(path.join(root, 'requirements-base.txt')), type: CREATED }]);
      await client.waitForDiagnostics(fileUri(file), (d) => d.length === 1 && d[0]!.code === 'archived');
    } finally {
      await client.stop();
    }
  });

  it('scans at start-up for a client that gives only a rootUri', async () => {
    const root = workspace({ 'requirements.txt': 'pepy\n' });
    const client = await start(root, { scanOnStartup: true }, { rootUriOnly: true });
    try {
      await client.waitForDiagnostics(fileUri(path.join(root, 'requirements.txt')), (d) => d.length === 1);
      assert.ok(!client.logs.some((l) => l.includes("Client doesn't support")), client.logs.join('\n'));
    } finally {
      await client.stop();
    }
  });

  it('answers requests after shutdown with InvalidRequest, as LSP asks', async () => {
    const root = workspace({ 'requirements.txt': 'pepy\n' });
    const client = await start(root);
    const uri = fileUri(path.join(root, 'requirements.txt'));
    try {
      await client.open(uri, 'pepy\n');
      await client.waitForDiagnostics(uri, (d) => d.length === 1);
      await client.connection.sendRequest('shutdown');
      await assert.rejects(client.hover(uri, { line: 0, character: 1 }), (e: { code?: number }) => e.code === -32600);
    } finally {
      await client.stop().catch(() => undefined);
    }
  });

  it('ignores configuration changes that change nothing it uses, and drops a setting the client removed', async () => {
    const root = workspace({});
    const uri = fileUri(path.join(root, 'requirements.txt'));
    // The settings are also in initializationOptions, as README's Neovim and Helix examples put them.
    const client = await start(root, { ignore: ['pepy'] }, { initializationOptions: { pypiStatus: { ignore: ['pepy'] } } });
    try {
      await client.open(uri, 'pepy\naiocpa\n');
      await client.waitForDiagnostics(uri, (d) => d.length === 1 && d[0]!.code === 'quarantined');
      const seen = client.publications(uri);
      index.resetLog();
      await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(client.publications(uri), seen, 'an unchanged configuration re-checked the document');
      assert.ok(
        client.registered.size > 0 && [...client.registered.values()].some((r) => JSON.stringify(r.registerOptions).includes('pypiStatus')),
        'registered for its sections only',
      );

      const { ignore: _removed, ...rest } = client.settings;
      client.settings = rest;
      await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
      await client.waitForDiagnostics(uri, (d) => d.length === 2, { since: seen });
    } finally {
      await client.stop();
    }
  });

  it('reads a document opened again at the same version anew', async () => {
    const root = workspace({});
    const uri = fileUri(path.join(root, 'requirements.txt'));
    const client = await start(root);
    try {
      await client.open(uri, 'six\n');
      await client.waitForDiagnostics(uri, () => true);
      // Opened again without a close (some clients do, on a reload): version 1 again, another text.
      await client.open(uri, 'aiocpa\n');
      await client.waitForDiagnostics(uri, (d) => d.length === 1 && d[0]!.code === 'quarantined');
      const hover = await client.hover(uri, { line: 0, character: 2 });
      assert.match(JSON.stringify(hover), /aiocpa/);
    } finally {
      await client.stop();
    }
  });

  it('answers code actions within its deadline when the index hangs', async () => {
    const root = workspace({});
    const uri = fileUri(path.join(root, 'requirements.txt'));
    const client = await start(root);
    try {
      index.setFault('/simple/hanging-project/', { kind: 'hang' });
      await client.open(uri, 'hanging-project\n');
      const started = Date.now();
      const actions = await client.codeActions(uri, { start: { line: 0, character: 0 }, end: { line: 0, character: 3 } });
      assert.ok(Date.now() - started < 5000, `${Date.now() - started} ms`);
      assert.ok(Array.isArray(actions));
    } finally {
      index.clearFaults();
      await client.stop();
    }
  });

  it('writes hovers in plain text for a client that does not render Markdown', async () => {
    const root = workspace({});
    const uri = fileUri(path.join(root, 'requirements.txt'));
    const client = await start(root, {}, { hoverFormats: ['plaintext'] });
    try {
      await client.open(uri, 'pepy==1.0\n');
      await client.waitForDiagnostics(uri, (d) => d.length > 0);
      const hover = await client.hover(uri, { line: 0, character: 1 });
      const contents = hover?.contents as { kind: string; value: string };
      assert.equal(contents.kind, 'plaintext');
      assert.match(contents.value, /^pepy ==1\.0\n\nStatus: archived: /);
      assert.ok(!/\\|\*\*/.test(contents.value), contents.value);
    } finally {
      await client.stop();
    }
  });

  it('reads the configuration once at start-up, though the client announces a change as the server registers for it', async () => {
    const root = workspace({ 'requirements.txt': 'pepy\naiocpa\n' });
    index.resetLog();
    const client = await start(root, { scanOnStartup: true });
    try {
      await client.waitForDiagnostics(fileUri(path.join(root, 'requirements.txt')), (d) => d.length === 2);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(client.logs.filter((l) => /\bscan: /.test(l)).length, 1, client.logs.join('\n'));
      assert.equal(client.logs.filter((l) => /\] index /.test(l)).length, 1, 'one index client');
      const paths = index.requests.map((r) => r.path);
      assert.equal(new Set(paths).size, paths.length, `asked twice: ${paths.join(' ')}`);
    } finally {
      await client.stop();
    }
  });

  it('does not run a cancelled scan again when settings changed while it ran', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 30; i++) files[`p${i}/requirements.txt`] = `pkg-${i}\n`;
    const root = workspace(files);
    const client = await start(root, { concurrency: 2 });
    try {
      index.setLatency(400);
      const cancel = new CancellationTokenSource();
      const scan = client.executeCommand<ScanResponse>(SCAN, [], undefined, cancel.token).catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 200));
      client.settings = { ...client.settings, severity: { archived: 'error' } };
      await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
      await new Promise((r) => setTimeout(r, 200));
      cancel.cancel();
      assert.equal(((await scan) as ScanResponse).cancelled, true);
      const atCancel = index.requests.length;
      await new Promise((r) => setTimeout(r, 2500));
      // Lookups already handed to the index client finish (they fill the cache); no new scan starts (30 more).
      assert.ok(index.requests.length - atCancel < 10, `${index.requests.length - atCancel} requests after the cancel`);
    } finally {
      index.setLatency(0);
      await client.stop();
    }
  });

  it('does not publish what a scan read of a file deleted while it ran', async () => {
    const root = workspace({ 'a/requirements.txt': 'aiocpa\n', 'b/requirements.txt': 'pepy\n' });
    const deleted = path.join(root, 'a', 'requirements.txt');
    const client = await start(root);
    try {
      index.setLatency(1500);
      const scan = client.executeCommand<ScanResponse>(SCAN);
      await new Promise((r) => setTimeout(r, 500));
      rmSync(deleted);
      await client.didChangeWatchedFiles([{ uri: fileUri(deleted), type: DELETED }]);
      await scan;
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(latest(client, deleted) ?? [], [], 'the deleted file has findings');
      assert.deepEqual(latest(client, path.join(root, 'b', 'requirements.txt')), ['archived']);
    } finally {
      index.setLatency(0);
      await client.stop();
    }
  });

  it('checks again, once the index is back, a document shown with an old answer while it failed', async () => {
    const root = workspace({});
    const uri = fileUri(path.join(root, 'requirements.txt'));
    const client = await start(root, { cache: { ttlSeconds: 1 } });
    try {
      await client.open(uri, 'pepy\n');
      await client.waitForDiagnostics(uri, (d) => d.length === 1);
      await new Promise((r) => setTimeout(r, 1100)); // past the TTL
      index.setFault('/simple/', { kind: 'status', status: 503 });
      const seen = client.publications(uri);
      await client.change(uri, 2, 'pepy \n');
      await client.waitForDiagnostics(uri, (d) => d.length === 1, { since: seen }); // the old answer, still archived
      index.clearFaults();
      index.resetLog();
      // The re-check waits for the index's back-off (4 s after a 5xx) and then asks again.
      const deadline = Date.now() + 8000;
      while (Date.now() < deadline && !index.requests.some((r) => r.path === '/simple/pepy/')) await new Promise((r) => setTimeout(r, 100));
      assert.ok(
        index.requests.some((r) => r.path === '/simple/pepy/' && r.status !== 503),
        'never asked again',
      );
    } finally {
      index.clearFaults();
      await client.stop();
    }
  });

  it('keeps the includes of unopened scanned files up to date as the included file appears and goes', async () => {
    const root = workspace({ 'requirements.txt': '-r common.txt\npepy\n' });
    const main = fileUri(path.join(root, 'requirements.txt'));
    const common = path.join(root, 'common.txt');
    const client = await start(root);
    try {
      await client.executeCommand<ScanResponse>(SCAN);
      assert.deepEqual(latest(client, path.join(root, 'requirements.txt')), ['include-not-read', 'archived']);
      // A branch switch brings the included file.
      writeFileSync(common, 'aiocpa\n');
      await client.didChangeWatchedFiles([{ uri: fileUri(common), type: CREATED }]);
      await client.waitForDiagnostics(main, (d) => d.length === 1 && d[0]!.code === 'archived');
      await client.waitForDiagnostics(fileUri(common), (d) => d.length === 1 && d[0]!.code === 'quarantined');
      // And takes it away again.
      rmSync(common);
      await client.didChangeWatchedFiles([{ uri: fileUri(common), type: DELETED }]);
      await client.waitForDiagnostics(main, (d) => d.some((x) => x.code === 'include-not-read'));
      await client.waitForDiagnostics(fileUri(common), (d) => d.length === 0);
    } finally {
      await client.stop();
    }
  });
});
