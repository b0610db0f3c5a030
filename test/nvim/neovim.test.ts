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
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { startIndexServer, type IndexServer } from '../support/index-server.js';
import { REPO_ROOT, SERVER_JS } from '../support/lsp-client.js';

const NVIM = process.env.PYPI_STATUS_NVIM ?? 'nvim';
const INIT_LUA = path.join(REPO_ROOT, 'test', 'nvim', 'init.lua');
const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'every-form');
const REQ_FILE = path.join(FIXTURES, 'requirements.txt');
const TOML_FILE = path.join(FIXTURES, 'pyproject.toml');
const REQUIREMENTS = readFileSync(REQ_FILE, 'utf8');
const PYPROJECT = readFileSync(TOML_FILE, 'utf8');

/** vim.diagnostic.severity: ERROR = 1 … HINT = 4, as in LSP. */
const SEVERITY = { error: 1, warning: 2, information: 3, hint: 4 } as const;
/** [line, first column, last column, code, severity], zero-based as Neovim reports them. */
type Expected = [number, number, number, string, number];

function at(text: string, name: string, code: string, severity: keyof typeof SEVERITY, lineMarker = name): Expected {
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes(lineMarker));
  assert.ok(line >= 0, `fixture has no line with ${lineMarker}`);
  const start = lines[line]!.indexOf(name, lines[line]!.indexOf(lineMarker));
  return [line, start, start + name.length, code, SEVERITY[severity]];
}

const byPosition = (a: Expected, b: Expected) => a[0] - b[0] || a[1] - b[1] || a[3].localeCompare(b[3]);

// The same expectations as test/lsp/server.test.ts, seen through Neovim.
const EXPECTED_REQUIREMENTS: Expected[] = [
  at(REQUIREMENTS, 'pepy', 'archived', 'warning', 'pepy==2.1.1'),
  at(REQUIREMENTS, 'PIL', 'archived', 'warning'),
  at(REQUIREMENTS, 'aiocpa', 'quarantined', 'error'),
  at(REQUIREMENTS, 'Deprecated_Project', 'deprecated', 'warning'),
  at(REQUIREMENTS, 'haunted.project', 'archived', 'warning'),
  at(REQUIREMENTS, 'black', 'yanked', 'warning', 'black==21.11b0'),
  at(REQUIREMENTS, 'isodate', 'yanked', 'warning'),
  at(REQUIREMENTS, 'pycrypto', 'vulnerable', 'warning'),
  at(REQUIREMENTS, 'snowchange', 'inactive', 'information'),
  at(REQUIREMENTS, 'this-project-does-not-exist', 'not-found', 'warning'),
  at(REQUIREMENTS, 'not a requirement!', 'invalid-requirement', 'warning'),
].sort(byPosition);

const EXPECTED_PYPROJECT: Expected[] = [
  at(PYPROJECT, 'pepy', 'archived', 'warning', '"setuptools>=61", "pepy"'),
  at(PYPROJECT, 'aiocpa', 'quarantined', 'error'),
  at(PYPROJECT, 'black', 'yanked', 'warning'),
  at(PYPROJECT, 'pil', 'archived', 'warning', '"pil"'),
  at(PYPROJECT, 'this-project-does-not-exist', 'not-found', 'warning'),
  at(PYPROJECT, 'deprecated-project', 'deprecated', 'warning'),
  at(PYPROJECT, 'snowchange', 'inactive', 'information'),
  at(PYPROJECT, 'pycrypto', 'vulnerable', 'warning'),
  at(PYPROJECT, 'haunted-project', 'archived', 'warning'),
  at(PYPROJECT, 'isodate', 'yanked', 'warning'),
  at(PYPROJECT, 'PIL', 'archived', 'warning'),
  at(PYPROJECT, 'pepy', 'archived', 'warning', 'extra-dependencies'),
].sort(byPosition);

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
      return [d.lnum, d.col, d.end_col, String(d.code), d.severity];
    })
    .sort(byPosition);
}

/** Runs Neovim to completion (asynchronously: the local index answers on this event loop). */
function runNvim(env: Record<string, string>, timeoutMs: number): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(NVIM, ['--headless', '-n', '-i', 'NONE', '-u', INIT_LUA], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
        PYPI_STATUS_SERVER: SERVER_JS,
        PYPI_STATUS_INDEX: index.simpleUrl,
        PYPI_STATUS_JSON_API: index.jsonApiUrl,
        PYPI_STATUS_FILES: [REQ_FILE, TOML_FILE].join('\n'),
        PYPI_STATUS_COUNTS: `${EXPECTED_REQUIREMENTS.length},${EXPECTED_PYPROJECT.length}`,
        PYPI_STATUS_OUT: out,
        PYPI_STATUS_TIMEOUT: '20000',
        PACKAGE_FROM_ENV: 'tablib',
        // Neovim's own state (shada, LSP log) goes to a throw-away home.
        HOME: home,
        XDG_CONFIG_HOME: path.join(home, 'config'),
        XDG_DATA_HOME: path.join(home, 'data'),
        XDG_STATE_HOME: path.join(home, 'state'),
        XDG_CACHE_HOME: path.join(home, 'cache'),
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
});
