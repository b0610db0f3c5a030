/** The workspace scan command over stdio: discovery, includes, exclusions, one lookup per project, progress, cancellation, watching. */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CancellationTokenSource } from 'vscode-jsonrpc/node';
import { DEPENDENCY_FILE_GLOBS, type ScanResponse } from '../../server/src/protocol.js';
import { startIndexServer, type IndexServer } from '../support/index-server.js';
import { fileUri, LspClient, REPO_ROOT } from '../support/lsp-client.js';

const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'scan-workspace');

/** A copy of the fixture plus the folders git would not keep (node_modules, .git, virtual environments). */
function makeWorkspace(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'pypi-status-scan-'));
  cpSync(FIXTURE, root, { recursive: true });
  const skipped: Record<string, string> = {
    'node_modules/some-pkg/requirements.txt': 'isodate==0.7.0\n',
    '.git/requirements.txt': 'isodate==0.7.0\n',
    '.venv/requirements.txt': 'snowchange==2.8.1\n',
    'my-env/pyvenv.cfg': 'home = /usr/bin\n',
    'my-env/lib/requirements.txt': 'pycrypto==2.6.1\n',
    'build/site-packages/pkg/requirements.txt': 'pycrypto==2.6.1\n',
  };
  for (const [rel, text] of Object.entries(skipped)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return root;
}

const EXPECTED_FILES = [
  'constraints.txt',
  'docs/requirements-docs.txt',
  'extra/extra.txt',
  'requirements.txt',
  'requirements/base.txt',
  'requirements/dev.in',
  'services/api/pyproject.toml',
];

const EXPECTED_FINDINGS = [
  'constraints.txt:1 pil archived',
  'extra/extra.txt:0 haunted-project archived',
  'requirements.txt:3 pepy archived',
  'requirements/base.txt:0 aiocpa quarantined',
  'requirements/dev.in:0 black yanked',
  'services/api/pyproject.toml:2 deprecated-project deprecated',
  'services/api/pyproject.toml:2 pepy archived',
];

describe('workspace scan over stdio', () => {
  let index: IndexServer;
  let cacheDir: string;
  const workspaces: string[] = [];

  before(async () => {
    index = await startIndexServer({ unknownProjects: 'generate' });
  });
  after(async () => {
    await index.close();
    for (const w of workspaces) rmSync(w, { recursive: true, force: true });
  });

  async function start(root: string, extra: Record<string, unknown> = {}): Promise<LspClient> {
    cacheDir = mkdtempSync(path.join(tmpdir(), 'pypi-status-scan-cache-'));
    workspaces.push(cacheDir);
    return LspClient.start({
      settings: { indexUrl: index.simpleUrl, jsonApiUrl: index.jsonApiUrl, cache: { directory: cacheDir }, exclude: ['excluded/**'], ...extra },
      workspaceFolders: [root],
      filesSettings: { exclude: { '**/files-excluded': true, '**/not-really': false } },
    });
  }

  function rel(root: string, uri: string): string {
    return path.relative(root, new URL(uri).pathname).split(path.sep).join('/');
  }

  it('finds exactly the expected files and findings, fetching each project once, with progress', async () => {
    const root = makeWorkspace();
    workspaces.push(root);
    const client = await start(root);
    try {
      index.resetLog();
      const summary = await client.executeCommand<ScanResponse>('pypiStatus.scanWorkspace', [], 'scan-1');
      assert.equal(summary.cancelled, false);
      assert.equal(summary.filesScanned, EXPECTED_FILES.length);
      const findings = summary.findings.map((f) => `${rel(root, f.uri)}:${f.range.start.line} ${f.name} ${f.code}`).sort();
      assert.deepEqual(findings, EXPECTED_FINDINGS);
      assert.deepEqual(summary.findingsByCode, { archived: 4, quarantined: 1, yanked: 1, deprecated: 1 });
      // Each distinct project once, whatever the number of files that name it.
      const simple = index.requests.filter((r) => r.path.startsWith('/simple/')).map((r) => r.path);
      assert.equal(simple.length, new Set(simple).size, simple.join(' '));
      assert.equal(simple.length, summary.projects);
      assert.ok(
        !simple.includes('/simple/snowchange/') && !simple.includes('/simple/pycrypto/') && !simple.includes('/simple/isodate/'),
        'skipped folders were read',
      );

      // Diagnostics for every file, opened or not.
      for (const file of EXPECTED_FILES) {
        const uri = fileUri(path.join(root, file));
        const list = client.diagnostics.get(uri);
        assert.ok(list && list.length > 0, `no diagnostics published for ${file}`);
      }
      const pyproject = client.diagnostics.get(fileUri(path.join(root, 'services/api/pyproject.toml')))!.at(-1)!.diagnostics;
      assert.deepEqual(pyproject.map((d) => d.code).sort(), ['archived', 'deprecated']);

      const progress = client.progress.get('scan-1') as { kind: string; percentage?: number; message?: string }[];
      assert.equal(progress[0]!.kind, 'begin');
      assert.equal(progress.at(-1)!.kind, 'end');
      assert.ok(
        progress.some((p) => p.kind === 'report' && /projects looked up/.test(p.message ?? '')),
        JSON.stringify(progress),
      );
    } finally {
      await client.stop();
    }
  });

  it('refreshes a scanned file that changes on disk and clears one that is deleted', async () => {
    const root = makeWorkspace();
    workspaces.push(root);
    const client = await start(root);
    try {
      await client.executeCommand<ScanResponse>('pypiStatus.scanWorkspace');
      const base = path.join(root, 'requirements', 'base.txt');
      const uri = fileUri(base);
      const seen = client.publications(uri);
      writeFileSync(base, 'tablib\npil\n');
      await client.didChangeWatchedFiles([{ uri, type: 2 }]);
      const after = await client.waitForDiagnostics(uri, () => true, { since: seen });
      assert.deepEqual(
        after.map((d) => [d.code, d.range.start.line]),
        [['archived', 1]],
      );
      // Created after the scan: checked only where the scan would have looked.
      const created = path.join(root, 'requirements', 'new.txt');
      const skipped = [
        path.join(root, 'excluded', 'requirements-new.txt'),
        path.join(root, 'my-env', 'requirements-new.txt'),
        path.join(root, 'node_modules', 'requirements.txt'),
      ];
      for (const f of [created, ...skipped]) writeFileSync(f, 'pepy\n');
      await client.didChangeWatchedFiles([created, ...skipped].map((f) => ({ uri: fileUri(f), type: 1 as const })));
      const createdDiagnostics = await client.waitForDiagnostics(fileUri(created), (d) => d.length > 0);
      assert.equal(createdDiagnostics[0]!.code, 'archived');
      await new Promise((r) => setTimeout(r, 300));
      for (const f of skipped) assert.equal(client.publications(fileUri(f)), 0, `${f} was checked although the scan skips it`);
      const devUri = fileUri(path.join(root, 'requirements', 'dev.in'));
      const seenDev = client.publications(devUri);
      unlinkSync(path.join(root, 'requirements', 'dev.in'));
      await client.didChangeWatchedFiles([{ uri: devUri, type: 3 }]);
      assert.deepEqual(await client.waitForDiagnostics(devUri, () => true, { since: seenDev }), []);
    } finally {
      await client.stop();
    }
  });

  it('keeps a file reached by -r up to date whatever its name: closed, deleted, and deleted while being re-read', async () => {
    const root = makeWorkspace();
    workspaces.push(root);
    const client = await start(root);
    const file = path.join(root, 'extra', 'extra.txt');
    const uri = fileUri(file);
    const latest = () =>
      client.diagnostics
        .get(uri)!
        .at(-1)!
        .diagnostics.map((d) => `${d.code}@${d.range.start.line}`);
    try {
      await client.executeCommand<ScanResponse>('pypiStatus.scanWorkspace');
      assert.deepEqual(latest(), ['archived@0']);
      // Unsaved text goes away on close: the file on disk is what counts again.
      await client.open(uri, 'six\n\n\npepy\n');
      await client.waitForDiagnostics(uri, (d) => d.some((x) => x.range.start.line === 3));
      let seen = client.publications(uri);
      await client.close(uri);
      assert.deepEqual(
        (await client.waitForDiagnostics(uri, () => true, { since: seen })).map((d) => `${d.code}@${d.range.start.line}`),
        ['archived@0'],
      );
      // Changed, then deleted while the re-read of the change waits for the index: the deletion wins.
      index.setLatency(400);
      writeFileSync(file, 'six\npepy-two\n');
      seen = client.publications(uri);
      await client.didChangeWatchedFiles([{ uri, type: 2 }]);
      await new Promise((r) => setTimeout(r, 100));
      unlinkSync(file);
      await client.didChangeWatchedFiles([{ uri, type: 3 }]);
      assert.deepEqual(await client.waitForDiagnostics(uri, () => true, { since: seen }), []);
      await new Promise((r) => setTimeout(r, 1000));
      assert.deepEqual(latest(), [], 'the re-read of the deleted file published its findings after the deletion');
    } finally {
      index.setLatency(0);
      await client.stop();
    }
  });

  it('applies changed settings to the scanned files that are not open', async () => {
    const root = makeWorkspace();
    workspaces.push(root);
    const client = await start(root);
    const uri = fileUri(path.join(root, 'constraints.txt'));
    try {
      await client.executeCommand<ScanResponse>('pypiStatus.scanWorkspace');
      assert.deepEqual(
        client.diagnostics
          .get(uri)!
          .at(-1)!
          .diagnostics.map((d) => d.code),
        ['archived'],
      );
      const seen = client.publications(uri);
      client.settings = { ...client.settings, ignore: ['pil'] };
      await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
      assert.deepEqual(await client.waitForDiagnostics(uri, () => true, { since: seen }), []);
    } finally {
      await client.stop();
    }
  });

  it('checks the scanned files again when the settings change while the scan runs', async () => {
    const root = makeWorkspace();
    workspaces.push(root);
    const client = await start(root);
    const uri = fileUri(path.join(root, 'constraints.txt'));
    index.setLatency(300);
    try {
      const pending = client.executeCommand<ScanResponse>('pypiStatus.scanWorkspace');
      await new Promise((r) => setTimeout(r, 150));
      client.settings = { ...client.settings, severity: { archived: 'error' } };
      await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
      await pending;
      // pil is archived: an error under the new settings, whatever the scan itself published.
      const after = await client.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'archived' && x.severity === 1), { timeoutMs: 10_000 });
      assert.deepEqual(
        after.map((d) => [d.code, d.severity]),
        [['archived', 1]],
      );
    } finally {
      index.setLatency(0);
      await client.stop();
    }
  });

  it('asks the client to watch the included files it does not watch by their names', async () => {
    const root = makeWorkspace();
    workspaces.push(root);
    cacheDir = mkdtempSync(path.join(tmpdir(), 'pypi-status-scan-cache-'));
    workspaces.push(cacheDir);
    const client = await LspClient.start({
      settings: { indexUrl: index.simpleUrl, jsonApiUrl: null, cache: { directory: cacheDir }, exclude: ['excluded/**'] },
      workspaceFolders: [root],
      fileWatcherRegistration: true,
      // As the VS Code client: it watches the dependency files by itself.
      initializationOptions: { watchesFiles: true },
    });
    const watched = () =>
      [...client.registered.values()]
        .filter((r) => r.method === 'workspace/didChangeWatchedFiles')
        .flatMap((r) => (r.registerOptions as { watchers: { globPattern: { baseUri: string; pattern: string } }[] }).watchers)
        .map((w) => `${rel(root, `${w.globPattern.baseUri}/${w.globPattern.pattern}`)}`);
    try {
      await client.executeCommand<ScanResponse>('pypiStatus.scanWorkspace');
      // extra/extra.txt is reached by `-r ../extra/extra.txt`; every other scanned file has a requirements file's name.
      assert.deepEqual(watched(), ['extra/extra.txt']);
      // A second scan that finds the same files registers nothing new.
      await client.executeCommand<ScanResponse>('pypiStatus.scanWorkspace');
      assert.deepEqual(watched(), ['extra/extra.txt']);
      assert.equal(client.registrations.filter((m) => m === 'workspace/didChangeWatchedFiles').length, 1);
    } finally {
      await client.stop();
    }
  });

  it('asks a client that watches nothing by itself (Neovim, Helix) to watch the dependency files, deletions of anything', async () => {
    const root = makeWorkspace();
    workspaces.push(root);
    const client = await LspClient.start({
      settings: { indexUrl: index.simpleUrl, jsonApiUrl: null, cache: { directory: null } },
      workspaceFolders: [root],
      fileWatcherRegistration: true,
    });
    try {
      for (let waited = 0; !client.registrations.includes('workspace/didChangeWatchedFiles'); waited += 50) {
        assert.ok(waited < 5_000, 'no file watchers were registered');
        await new Promise((r) => setTimeout(r, 50));
      }
      const watchers = [...client.registered.values()]
        .filter((r) => r.method === 'workspace/didChangeWatchedFiles')
        .flatMap((r) => (r.registerOptions as { watchers: { globPattern: string; kind?: number }[] }).watchers);
      assert.deepEqual(
        watchers.map((w) => [w.globPattern, w.kind ?? 7]),
        DEPENDENCY_FILE_GLOBS.map((g) => [g.glob, g.deletionsOnly ? 4 : 7]),
      );
      assert.ok(
        watchers.some((w) => w.globPattern.includes('uv.lock')),
        'lock files among them',
      );
    } finally {
      await client.stop();
    }
  });

  it('lets a request that joined a running scan be cancelled alone; the scan stops with the last one', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'pypi-status-scan-join-'));
    workspaces.push(root);
    writeFileSync(path.join(root, 'requirements.txt'), 'six\nhanging-project\n');
    const client = await start(root, {});
    index.setFault('/simple/hanging-project/', { kind: 'hang' });
    try {
      const first = new CancellationTokenSource();
      let firstAnswered = false;
      const a = client.executeCommand<ScanResponse>('pypiStatus.scanWorkspace', [], 'scan-a', first.token).finally(() => (firstAnswered = true));
      await index.settled(100);
      const second = new CancellationTokenSource();
      const b = client.executeCommand<ScanResponse>('pypiStatus.scanWorkspace', [], 'scan-b', second.token);
      await new Promise((r) => setTimeout(r, 100));
      second.cancel();
      const started = Date.now();
      await assert.rejects(b, (e: { code?: number }) => e.code === -32800, 'the cancelled request answers RequestCancelled');
      assert.ok(Date.now() - started < 2000, 'the cancelled request did not answer at once');
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(firstAnswered, false, 'cancelling the second request stopped the scan the first one waits for');
      first.cancel();
      const summary = await Promise.race([a, new Promise<undefined>((resolve) => setTimeout(resolve, 5_000))]);
      assert.ok(summary, 'no answer within 5 s of the last cancel');
      assert.equal(summary.cancelled, true);
    } finally {
      index.clearFaults();
      await client.stop();
    }
  });

  it('lets a request that joined the start-up scan cancel it', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'pypi-status-scan-startup-'));
    workspaces.push(root);
    writeFileSync(path.join(root, 'requirements.txt'), 'six\nhanging-project\n');
    index.setFault('/simple/hanging-project/', { kind: 'hang' });
    index.resetLog();
    const client = await start(root, { scanOnStartup: true });
    try {
      for (let waited = 0; !index.requests.some((r) => r.path === '/simple/hanging-project/'); waited += 50) {
        assert.ok(waited < 10_000, 'the start-up scan did not start');
        await new Promise((r) => setTimeout(r, 50));
      }
      const source = new CancellationTokenSource();
      const pending = client.executeCommand<ScanResponse>('pypiStatus.scanWorkspace', [], 'scan-join', source.token);
      await new Promise((r) => setTimeout(r, 100));
      source.cancel();
      const summary = await Promise.race([pending, new Promise<undefined>((resolve) => setTimeout(resolve, 5_000))]);
      assert.ok(summary, 'no answer within 5 s of the cancel');
      assert.equal(summary.cancelled, true);
    } finally {
      index.clearFaults();
      await client.stop();
    }
  });

  it('can be cancelled, and stops asking the index', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'pypi-status-scan-big-'));
    workspaces.push(root);
    const names = Array.from({ length: 300 }, (_, i) => `generated-project-${i}`);
    writeFileSync(path.join(root, 'requirements.txt'), names.join('\n') + '\n');
    const client = await start(root, { concurrency: 4 });
    index.setLatency(40);
    try {
      index.resetLog();
      const source = new CancellationTokenSource();
      const pending = client.executeCommand<ScanResponse>('pypiStatus.scanWorkspace', [], 'scan-cancel', source.token);
      await new Promise((r) => setTimeout(r, 300));
      source.cancel();
      const summary = await pending;
      assert.equal(summary.cancelled, true);
      // Requests already sent may still arrive: on a loaded machine, later than any fixed delay.
      // Wait for the index to be quiet (bounded), then no new request may come.
      await quiet(index, 300, 5_000);
      const sent = index.requests.length;
      assert.ok(sent < names.length / 2, `a cancelled scan sent ${sent} requests`);
      await new Promise((r) => setTimeout(r, 600));
      assert.equal(index.requests.length, sent, 'requests continued after cancellation');
    } finally {
      index.setLatency(0);
      await client.stop();
    }
  });

  it('answers a cancel at once even while the index hangs, and the server goes on serving', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'pypi-status-scan-hang-'));
    workspaces.push(root);
    writeFileSync(path.join(root, 'requirements.txt'), 'six\nhanging-project\n');
    const client = await start(root, {});
    index.setFault('/simple/hanging-project/', { kind: 'hang' });
    try {
      index.resetLog();
      const source = new CancellationTokenSource();
      let answered = false;
      const pending = client.executeCommand<ScanResponse>('pypiStatus.scanWorkspace', [], 'scan-hang', source.token).finally(() => (answered = true));
      await index.settled(100);
      assert.equal(answered, false, 'the scan waits for the hanging request');
      source.cancel();
      // Far below the server's 20 s request timeout, which is what the scan used to wait for.
      const summary = await Promise.race([pending, new Promise<undefined>((resolve) => setTimeout(resolve, 5_000))]);
      assert.ok(summary, 'no answer within 5 s of the cancel');
      assert.equal(summary.cancelled, true);
      const uri = fileUri(path.join(root, 'other.txt'));
      await client.open(uri, 'six\n');
      const hover = await client.hover(uri, { line: 0, character: 1 });
      assert.match(JSON.stringify(hover), /six/, 'the server still answers');
    } finally {
      index.clearFaults();
      await client.stop();
    }
  });
});

/** Until the index has received no request for `quietMs`, or `limitMs` have passed. */
async function quiet(index: IndexServer, quietMs: number, limitMs: number): Promise<void> {
  const end = Date.now() + limitMs;
  let seen = -1;
  while (seen !== index.requests.length && Date.now() < end) {
    seen = index.requests.length;
    await new Promise((r) => setTimeout(r, quietMs));
  }
}
