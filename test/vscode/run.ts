/**
 * Runs the extension tests (test/vscode/suite) inside a real VS Code with @vscode/test-electron.
 *
 *   PYPI_STATUS_VSCODE=code-server (default)  code-server 4.100.3 (VS Code 1.100.3), driven
 *       through headless Chromium by code-server-host.mjs; needs scripts/install-code-server.sh.
 *   PYPI_STATUS_VSCODE=desktop  desktop VS Code, downloaded by @vscode/test-electron
 *       (PYPI_STATUS_VSCODE_VERSION, default "stable"); on Linux it needs a display (xvfb-run).
 *
 * Either way the extension under test is this repository (package.json `main`, the bundle
 * in dist/: run `npm run bundle` first), the language server really runs in the extension
 * host, and it talks to the local PyPI-compatible index started here. The fixture workspace
 * is copied to a temporary directory whose .vscode/settings.json points at that index.
 *
 *   node --import tsx test/vscode/run.ts
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';
import { build } from 'esbuild';
import { makeProject } from '../support/index-catalog.js';
import { startIndexServer } from '../support/index-server.js';
import { addAlternatives, prepareWorkspace, writeJson } from './workspace.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '..', '..');
/** Where the suite is bundled: inside the extension's folder, so that require('mocha') resolves from node_modules. */
const SUITE_OUT = path.join(REPO_ROOT, '.vscode-test', 'suite');

type Mode = 'code-server' | 'desktop';

function mode(): Mode {
  const value = process.env.PYPI_STATUS_VSCODE ?? 'code-server';
  if (value !== 'code-server' && value !== 'desktop') throw new Error(`PYPI_STATUS_VSCODE must be code-server or desktop, not ${value}`);
  return value;
}

/** Bundles test/vscode/suite/*.ts to CommonJS (the extension host require()s the tests). */
export async function bundleSuite(): Promise<string> {
  const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { publisher: string; name: string; main: string };
  rmSync(SUITE_OUT, { recursive: true, force: true });
  await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: ['test/vscode/suite/*.ts'],
    outdir: SUITE_OUT,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    external: ['vscode', 'mocha'],
    define: { PYPI_STATUS_EXTENSION_ID: JSON.stringify(`${manifest.publisher}.${manifest.name}`) },
    logLevel: 'warning',
  });
  const main = path.join(REPO_ROOT, manifest.main);
  if (!existsSync(main)) throw new Error(`${manifest.main} does not exist: run npm run bundle first`);
  return path.join(SUITE_OUT, 'index.cjs');
}

async function main(): Promise<number> {
  const which = mode();
  const started = Date.now();
  const extensionTestsPath = await bundleSuite();
  const scratch = mkdtempSync(path.join(tmpdir(), 'pypi-status-vscode-'));
  const index = await startIndexServer();
  // A second index, which a uv project in the workspace names itself (suite/indexes.test.ts): only it knows team-only-lib.
  const team = await startIndexServer();
  team.setProject('team-only-lib', makeProject({ name: 'team-only-lib', status: 'archived' }));
  try {
    const workspace = path.join(scratch, 'workspace');
    const userDataDir = path.join(scratch, 'user-data');
    const extensionsDir = path.join(scratch, 'extensions');
    const cacheDir = path.join(scratch, 'pypi-status-cache');
    // The fixture, its .vscode/settings.json (the local index, pypiStatus.exclude) and a
    // virtual environment; the index learns the quick fixes' replacements.
    prepareWorkspace(workspace, index);
    addAlternatives(index);
    mkdirSync(cacheDir, { recursive: true });
    // cache.directory is machine-scoped, which VS Code ignores in workspace settings: it goes in
    // the user settings (desktop) or the remote machine's settings (code-server is a remote).
    const quiet = {
      'telemetry.telemetryLevel': 'off',
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      'update.mode': 'none',
      'security.workspace.trust.enabled': false,
      // The web workbench (code-server) saves edited files after a second by default; the
      // tests' unsaved edits must stay unsaved until they revert them, as in desktop VS Code.
      'files.autoSave': 'off',
    };
    const machine = { 'pypiStatus.cache.directory': cacheDir };
    if (which === 'desktop') {
      writeJson(path.join(userDataDir, 'User', 'settings.json'), { ...quiet, ...machine });
    } else {
      writeJson(path.join(userDataDir, 'User', 'settings.json'), quiet);
      writeJson(path.join(userDataDir, 'Machine', 'settings.json'), machine);
    }

    console.log(`VS Code tests in ${which}; local index ${index.url}; workspace ${workspace}`);
    await runTests({
      ...(which === 'code-server'
        ? { vscodeExecutablePath: path.join(HERE, 'code-server-host.mjs') }
        : { version: process.env.PYPI_STATUS_VSCODE_VERSION ?? 'stable' }),
      extensionDevelopmentPath: REPO_ROOT,
      extensionTestsPath,
      launchArgs: [workspace, `--user-data-dir=${userDataDir}`, `--extensions-dir=${extensionsDir}`, '--disable-extensions'],
      extensionTestsEnv: {
        XDG_CACHE_HOME: path.join(scratch, 'xdg-cache'),
        PYPI_STATUS_TEST_TEAM_INDEX: team.simpleUrl,
        // While a suite unsets pypiStatus.indexUrl, the workspace's other files go where their installers would: here, never PyPI.
        PIP_INDEX_URL: index.simpleUrl,
        UV_DEFAULT_INDEX: index.simpleUrl,
        PDM_PYPI_URL: index.simpleUrl,
      },
    });
    console.log(`VS Code tests passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return 0;
  } catch (e) {
    console.error(`VS Code tests failed: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  } finally {
    await Promise.all([index.close(), team.close()]);
    rmSync(scratch, { recursive: true, force: true, maxRetries: 3 });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
