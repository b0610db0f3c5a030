/**
 * A real third-party LSP client: headless Neovim (Debian's `neovim` package)
 * runs the built server with test/nvim/init.lua against the local index, opens
 * the every-form requirements.txt and pyproject.toml, and writes the
 * diagnostics it received (vim.diagnostic.get) as JSON. They must be exactly
 * the expected ones: codes, lines, columns and severities.
 *
 *   npm run build && node --import tsx --test test/nvim/neovim.test.ts
 *
 * Environment: PYPI_STATUS_NVIM (default `nvim`).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { startIndexServer, type IndexServer } from '../support/index-server.js';
import { byPosition, EXPECTED_PYPROJECT, EXPECTED_REQUIREMENTS, FIXTURE_ENV, REQ_FILE, severityName, TOML_FILE, type Expected } from '../support/every-form.js';
import { REPO_ROOT, SERVER_JS } from '../support/lsp-client.js';

const NVIM = process.env.PYPI_STATUS_NVIM ?? 'nvim';
const INIT_LUA = path.join(REPO_ROOT, 'test', 'nvim', 'init.lua');
const PIN_FIX_LUA = path.join(REPO_ROOT, 'test', 'nvim', 'pin-fix.lua');
const UNCHECKED_LUA = path.join(REPO_ROOT, 'test', 'nvim', 'unchecked.lua');
const HOVER_LUA = path.join(REPO_ROOT, 'test', 'nvim', 'hover.lua');
// The same expectations as test/lsp/server.test.ts (test/support/every-form.ts), seen through Neovim.

interface NvimDiagnostic {
  lnum: number;
  col: number;
  end_lnum: number;
  end_col: number;
  severity: number;
  code?: string | number;
  source?: string;
  message: string;
}

interface NvimOutput {
  complete: boolean;
  files: { file: string; diagnostics: NvimDiagnostic[] }[];
  nvim_version: { major: number; minor: number; patch: number };
}

function summarize(items: NvimDiagnostic[]): Expected[] {
  return items
    .map((d): Expected => {
      assert.equal(d.end_lnum, d.lnum, `a diagnostic spans lines: ${JSON.stringify(d)}`);
      return [d.lnum, d.col, d.end_col, String(d.code), severityName(d.severity)];
    })
    .sort(byPosition);
}

/** Runs Neovim to completion (asynchronously: the local index answers on this event loop). */
function runNvim(env: Record<string, string>, timeoutMs: number, script = INIT_LUA): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(NVIM, ['--headless', '-n', '-i', 'NONE', '-u', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`nvim did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout });
    });
  });
}

describe('Neovim as the LSP client', () => {
  let index: IndexServer;
  let home: string;

  before(async () => {
    index = await startIndexServer();
    home = mkdtempSync(path.join(tmpdir(), 'pypi-status-nvim-'));
  });
  /** The server, the local index, and Neovim's own state (shada, LSP log) in a throw-away home. */
  const nvimEnv = () => ({
    PYPI_STATUS_SERVER: SERVER_JS,
    PYPI_STATUS_INDEX: index.simpleUrl,
    PYPI_STATUS_JSON_API: index.jsonApiUrl,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, 'config'),
    XDG_DATA_HOME: path.join(home, 'data'),
    XDG_STATE_HOME: path.join(home, 'state'),
    XDG_CACHE_HOME: path.join(home, 'cache'),
  });
  after(async () => {
    await index.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('receives exactly the expected diagnostics for requirements.txt and pyproject.toml', { timeout: 30_000 }, async (t: TestContext) => {
    const version = spawnSync(NVIM, ['--version'], { encoding: 'utf8' });
    assert.equal(version.error, undefined, `Neovim is not installed (${NVIM}): apt-get install neovim`);
    t.diagnostic(version.stdout.split('\n')[0]!);

    const out = path.join(home, 'diagnostics.json');
    const run = await runNvim(
      {
        ...nvimEnv(),
        PYPI_STATUS_FILES: [REQ_FILE, TOML_FILE].join('\n'),
        PYPI_STATUS_COUNTS: `${EXPECTED_REQUIREMENTS.length},${EXPECTED_PYPROJECT.length}`,
        PYPI_STATUS_OUT: out,
        PYPI_STATUS_TIMEOUT: '20000',
        ...FIXTURE_ENV,
      },
      28_000,
    );
    assert.equal(run.code, 0, `nvim exited with ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
    const result = JSON.parse(readFileSync(out, 'utf8')) as NvimOutput;
    t.diagnostic(`Neovim ${result.nvim_version.major}.${result.nvim_version.minor}.${result.nvim_version.patch}`);

    assert.equal(result.files.length, 2);
    const [req, toml] = result.files;
    assert.deepEqual(summarize(req!.diagnostics), EXPECTED_REQUIREMENTS, 'requirements.txt');
    assert.deepEqual(summarize(toml!.diagnostics), EXPECTED_PYPROJECT, 'pyproject.toml');
    assert.ok(result.complete, 'Neovim stopped waiting before every diagnostic arrived');
    for (const d of [...req!.diagnostics, ...toml!.diagnostics]) {
      assert.equal(d.source, 'pypi-status');
      assert.ok(d.message.length > 10, `a diagnostic without a real message: ${JSON.stringify(d)}`);
    }
    assert.ok(index.requests.length > 0, 'the server Neovim started asked the local index');
  });

  it("sees a lock file's findings on their names, and the manifest's direct dependency flagged transitive", { timeout: 30_000 }, async () => {
    // The fixture the VS Code tests use: six is the project's only direct dependency, and uv.lock says six pulls in pepy (archived).
    const dir = path.join(REPO_ROOT, 'test', 'fixtures', 'vscode-workspace', 'locked');
    const out = path.join(home, 'lock-diagnostics.json');
    const run = await runNvim(
      {
        ...nvimEnv(),
        PYPI_STATUS_FILES: [path.join(dir, 'pyproject.toml'), path.join(dir, 'uv.lock')].join('\n'),
        PYPI_STATUS_COUNTS: '1,1',
        PYPI_STATUS_OUT: out,
        PYPI_STATUS_TIMEOUT: '20000',
      },
      28_000,
    );
    assert.equal(run.code, 0, `nvim exited with ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
    const result = JSON.parse(readFileSync(out, 'utf8')) as NvimOutput;
    const [manifest, lock] = result.files;
    assert.deepEqual(summarize(manifest!.diagnostics), [[6, 3, 6, 'transitive', 'warning']], 'pyproject.toml: "six" pulls in pepy');
    assert.deepEqual(summarize(lock!.diagnostics), [[16, 8, 12, 'archived', 'warning']], 'uv.lock: pepy, on its name');
    assert.match(manifest!.diagnostics[0]!.message, /pepy/);
    assert.match(lock!.diagnostics[0]!.message, /six → pepy/);
  });

  it('applies the "Change the pin to" fix of a yanked pin, asked for and applied through Neovim\'s LSP client', { timeout: 30_000 }, async () => {
    const dir = path.join(home, 'pin-project');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'requirements.txt');
    writeFileSync(file, '# Development tools.\nblack==21.11b0  # formatter\npytest\n');
    const out = path.join(home, 'pin-fix.json');
    const run = await runNvim(
      {
        ...nvimEnv(),
        PYPI_STATUS_FILE: file,
        PYPI_STATUS_LINE: '1',
        PYPI_STATUS_OUT: out,
        PYPI_STATUS_TIMEOUT: '20000',
      },
      28_000,
      PIN_FIX_LUA,
    );
    assert.equal(run.code, 0, `nvim exited with ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
    const result = JSON.parse(readFileSync(out, 'utf8')) as {
      diagnosed: boolean;
      codes?: string[];
      titles: string[];
      error?: string;
      preferred?: boolean;
      has_edit?: boolean;
      lines?: string[];
      modified?: boolean;
    };
    assert.ok(result.diagnosed, 'Neovim received the finding on the pin');
    assert.deepEqual(result.codes, ['yanked']);
    assert.equal(result.error, undefined);
    // The local index has two releases of black: 21.11b0 (yanked) and 19.10b0.
    assert.ok(
      result.titles.includes('Change the pin to 19.10b0 (no later release qualifies; the nearest earlier one)'),
      `actions: ${result.titles.join(' | ')}`,
    );
    assert.equal(result.preferred, true, 'the pin fix is the preferred one');
    assert.equal(result.has_edit, true, 'the fix is an edit, not a command');
    // Only the version changed: the comment and the other lines are as they were, and the file on disk is untouched.
    assert.deepEqual(result.lines, ['# Development tools.', 'black==19.10b0  # formatter', 'pytest']);
    assert.equal(result.modified, true);
    assert.equal(readFileSync(file, 'utf8'), '# Development tools.\nblack==21.11b0  # formatter\npytest\n');
  });

  it(
    'shows a missing release and a release younger than the cooldown, and the Trusted Publisher of an attested pin in the hover',
    { timeout: 30_000 },
    async () => {
      const dir = path.join(home, 'beyond-status');
      mkdirSync(dir, { recursive: true });
      const file = path.join(dir, 'requirements.txt');
      writeFileSync(file, 'cryptography==43.0.3\nsix==1.99\n');
      const out = path.join(home, 'hover.json');
      const settings = { indexUrl: index.simpleUrl, jsonApiUrl: index.jsonApiUrl, cache: { directory: null }, minimumReleaseAge: 36_500 };
      const run = await runNvim(
        {
          ...nvimEnv(),
          PYPI_STATUS_SETTINGS: JSON.stringify(settings),
          PYPI_STATUS_FILE: file,
          PYPI_STATUS_COUNT: '2',
          PYPI_STATUS_HOVERS: '0:3:Published from',
          PYPI_STATUS_OUT: out,
          PYPI_STATUS_TIMEOUT: '20000',
        },
        28_000,
        HOVER_LUA,
      );
      assert.equal(run.code, 0, `nvim exited with ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
      const result = JSON.parse(readFileSync(out, 'utf8')) as { diagnosed: boolean; diagnostics: NvimDiagnostic[]; hovers: string[] };
      assert.ok(result.diagnosed, 'Neovim received the findings');
      const shown = result.diagnostics.map((d) => [d.lnum, d.col, d.end_col, String(d.code)]).sort();
      assert.deepEqual(shown, [
        [0, 0, 12, 'new-release'],
        [1, 0, 3, 'missing-release'],
      ]);
      const young = result.diagnostics.find((d) => d.code === 'new-release')!;
      assert.match(young.message, /^cryptography 43\.0\.3 was uploaded on \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC, more recently than/);
      assert.match(result.diagnostics.find((d) => d.code === 'missing-release')!.message, /six has no release 1\.99 on the package index/);
      // Markdown, as the server sends it (Neovim renders it): punctuation comes escaped.
      assert.match(result.hovers[0] ?? '', /27 of 27 files attested\.\n\nPublished from GitHub\\: pyca\/cryptography, workflow pypi\\-publish\\.yml/);
    },
  );

  it('tells of dependencies an unreachable index left unchecked by one warning message, and flags none of them', { timeout: 30_000 }, async () => {
    // A port nothing listens on: the index cannot be reached at all.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const dir = path.join(home, 'unchecked-project');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'requirements.txt');
    writeFileSync(file, 'requests\nsix==1.16.0\n');
    const out = path.join(home, 'unchecked.json');
    const simple = `http://127.0.0.1:${port}/simple/`;
    const run = await runNvim(
      { ...nvimEnv(), PYPI_STATUS_INDEX: simple, PYPI_STATUS_FILE: file, PYPI_STATUS_OUT: out, PYPI_STATUS_TIMEOUT: '20000' },
      28_000,
      UNCHECKED_LUA,
    );
    assert.equal(run.code, 0, `nvim exited with ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
    const result = JSON.parse(readFileSync(out, 'utf8')) as {
      told: boolean;
      messages: { type: number; message: string }[];
      notified: { message: string }[];
      hover?: string;
      diagnostics?: number;
    };
    assert.ok(result.told, 'Neovim was told');
    assert.equal(result.messages.length, 1, JSON.stringify(result.messages));
    assert.equal(result.messages[0]!.type, 2, 'a warning');
    assert.match(
      result.messages[0]!.message,
      new RegExp(`^pypi-status: 2 dependencies of requirements\\.txt not checked: .+ \\(index ${simple.replace(/[.]/g, '\\.')}\\)\\.$`),
    );
    assert.equal(result.diagnostics, 0, 'a network fault is no finding');
    assert.match(result.hover ?? '', /not checked/);
    // Neovim 0.7 writes the message out itself; later versions hand it to vim.notify.
    if (result.notified.length > 0) assert.ok(result.notified.some((n) => n.message.includes('not checked')));
    else assert.match(run.stdout + run.stderr, /not checked/);
  });
});
