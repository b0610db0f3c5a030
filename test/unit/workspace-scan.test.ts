/** The workspace scan's core: each file reported as soon as its findings are complete. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createIndexEnvironment } from '../../server/src/core/environment.js';
import { scan, type ScannedFile } from '../../server/src/core/workspaceScan.js';
import { resolveSettings } from '../../server/src/core/settings.js';
import { startIndexServer, type IndexServer } from '../support/index-server.js';

describe('scan', () => {
  let index: IndexServer;
  const dirs: string[] = [];

  before(async () => {
    index = await startIndexServer({ unknownProjects: 'generate' });
  });
  after(async () => {
    await index.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  function workspace(files: Record<string, string>): string {
    const root = mkdtempSync(path.join(tmpdir(), 'pypi-status-scan-unit-'));
    dirs.push(root);
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      writeFileSync(path.join(root, rel), text);
    }
    return root;
  }

  function environment() {
    const settings = resolveSettings({ indexUrl: index.simpleUrl, jsonApiUrl: null, cache: { directory: null } });
    return { settings, env: createIndexEnvironment(settings) };
  }

  it("reads files as pip does, finds linked ones, and leaves other tools' .in files alone", async () => {
    const root = workspace({ 'shared/prod.lock': 'pil\n', 'MANIFEST.in': 'include README.md\ngraft docs\n', 'config.h.in': '#undef X\n', 'dev.in': 'six\n' });
    // PowerShell's `pip freeze > requirements.txt`: UTF-16LE with a BOM.
    writeFileSync(path.join(root, 'requirements.txt'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('pepy==1.0\r\naiocpa\r\n', 'utf16le')]));
    writeFileSync(path.join(root, 'requirements-bom.txt'), Buffer.from('\ufeff-r requirements-base.txt\n', 'utf8'));
    writeFileSync(path.join(root, 'requirements-base.txt'), 'tablib\n');
    symlinkSync(path.join(root, 'shared', 'prod.lock'), path.join(root, 'requirements-prod.txt'));
    const { settings, env } = environment();
    try {
      const result = await scan({ roots: [root] }, env.client, settings);
      const byFile = Object.fromEntries(result.files.map((f) => [path.relative(root, f.path), f.parsed.dependencies.map((d) => d.name)]));
      assert.deepEqual(byFile, {
        'dev.in': ['six'],
        'requirements.txt': ['pepy', 'aiocpa'],
        'requirements-bom.txt': [],
        'requirements-base.txt': ['tablib'],
        'requirements-prod.txt': ['pil'],
      });
      assert.deepEqual(
        result.summary.findings.filter((f) => f.code === 'invalid-requirement'),
        [],
      );
    } finally {
      await env.close();
    }
  });

  it('reports an include that cannot be followed on its line, and follows what pip follows', async () => {
    const root = workspace({
      'lib:base.txt': 'six\n',
      'abs.txt': 'pepy\n',
      'folder/x': '',
      'requirements.txt': '',
    });
    const text = [
      '-r missing.txt',
      '-r folder',
      '-r https://example.org/requirements.txt',
      '-r lib:base.txt',
      `-c ${pathToFileURL(path.join(root, 'abs.txt')).href}`,
      'tablib',
      '',
    ].join('\n');
    writeFileSync(path.join(root, 'requirements.txt'), text);
    const { settings, env } = environment();
    try {
      const result = await scan({ roots: [root] }, env.client, settings);
      assert.deepEqual(result.files.map((f) => path.relative(root, f.path)).sort(), ['abs.txt', 'lib:base.txt', 'requirements.txt']);
      const problems = result.summary.findings
        .filter((f) => f.code === 'include-not-read')
        .map((f) => [path.relative(root, f.file), f.range.start.line, f.message]);
      assert.deepEqual(problems, [
        ['requirements.txt', 0, 'missing.txt: no such file'],
        ['requirements.txt', 1, 'folder: not a file'],
        ['requirements.txt', 2, 'https://example.org/requirements.txt is not read: pypi-status does not download requirements files (pip does)'],
      ]);
    } finally {
      await env.close();
    }
  });

  it('reports a file far too large to read without reading it', async () => {
    const root = workspace({});
    const file = path.join(root, 'requirements.txt');
    writeFileSync(file, '');
    truncateSync(file, 65 * 1024 * 1024); // sparse: nothing is written
    const { settings, env } = environment();
    try {
      const result = await scan({ roots: [root] }, env.client, settings);
      assert.deepEqual(
        result.summary.findings.map((f) => f.code),
        ['file-too-large'],
      );
    } finally {
      await env.close();
    }
  });

  it('reports each file once its dependencies are settled, before the scan ends', async () => {
    const root = workspace({
      'fast/requirements.txt': 'pepy\nsix\n',
      'slow/requirements.txt': 'six\nslow-project==1.0\n',
      'none/requirements.txt': '# nothing to look up\n-e ./local\n',
    });
    // The slow project's page trickles in over about a second.
    index.setFault('/simple/slow-project/', { kind: 'drip', bytesPerSecond: 20_000 });
    const { settings, env } = environment();
    const done: { file: ScannedFile; analyzed: number; at: number }[] = [];
    try {
      const result = await scan(
        { roots: [root], onFileDone: (file) => done.push({ file, analyzed: file.analyzed.length, at: performance.now() }) },
        env.client,
        settings,
      );
      const ended = performance.now();
      const order = done.map((d) => path.relative(root, d.file.path).split(path.sep)[0]);
      assert.deepEqual([...order].sort(), ['fast', 'none', 'slow'], 'every file once');
      assert.ok(order.indexOf('fast') < order.indexOf('slow'), order.join(' '));
      assert.ok(done.find((d) => d.file.path.includes('fast'))!.at < ended - 100, 'the fast file came well before the end');
      for (const d of done) {
        assert.equal(d.analyzed, d.file.parsed.dependencies.filter((dep) => dep.url === undefined && !dep.ignored).length, 'complete when reported');
        assert.ok(d.file.analyzed.every((a) => a !== undefined));
        assert.ok(result.files.includes(d.file));
      }
    } finally {
      index.clearFaults();
      await env.close();
    }
  });

  it('does not report files a cancelled scan left unsettled', async () => {
    const root = workspace({ 'a/requirements.txt': 'slow-project\n', 'b/requirements.txt': 'six\n' });
    index.setFault('/simple/slow-project/', { kind: 'drip', bytesPerSecond: 20_000 });
    const { settings, env } = environment();
    const cancel = new AbortController();
    const done: string[] = [];
    try {
      const running = scan(
        { roots: [root], signal: cancel.signal, onFileDone: (file) => done.push(path.basename(path.dirname(file.path))) },
        env.client,
        settings,
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      cancel.abort();
      const result = await running;
      assert.equal(result.summary.cancelled, true);
      assert.deepEqual(done, ['b']);
    } finally {
      index.clearFaults();
      await env.close();
    }
  });

  it('answers at once when cancelled, without waiting for requests the index never answers', async () => {
    const root = workspace({ 'requirements.txt': 'six\nhanging-project\n' });
    index.setFault('/simple/hanging-project/', { kind: 'hang' });
    const { settings, env } = environment();
    const cancel = new AbortController();
    try {
      const running = scan({ roots: [root], signal: cancel.signal }, env.client, settings);
      let finished = false;
      void running.then(() => (finished = true));
      await index.settled(100);
      assert.equal(finished, false, 'the scan waits for the hanging request');
      cancel.abort();
      // Settled in the turns after the abort; the hanging request would hold it for the 20 s timeout.
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(finished, true, 'the cancelled scan answered');
      const result = await running;
      assert.equal(result.summary.cancelled, true);
      assert.deepEqual(
        result.files[0]!.analyzed.map((a) => a.dependency.name),
        ['six'],
        'what was settled before the cancel',
      );
    } finally {
      index.clearFaults();
      await env.close();
    }
  });
});
