/**
 * The npm package `pypi-status` (server/) as `npm pack` makes it: exactly the bundles, their data,
 * README and LICENSE, no dependencies; installed into a temporary prefix and run with npx from a
 * folder that has never seen this repository, against the local index.
 *
 *   npm run build && node --import tsx --test test/dist/npm-pack.test.ts
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { baseEnv, CLI, runProcess, tempDir, write } from '../cli/support.js';
import { REPO_ROOT } from '../support/index-catalog.js';
import { startIndexServer, type IndexServer } from '../support/index-server.js';

interface PackResult {
  filename: string;
  files: { path: string }[];
}
interface PackageJson {
  name: string;
  version: string;
  bin: Record<string, string>;
  dependencies?: Record<string, string>;
  repository?: { directory?: string };
}

const SERVER = path.join(REPO_ROOT, 'server');

describe('the npm package pypi-status', () => {
  let dir: string;
  let tarball: string;
  let packed: PackResult;
  let env: Record<string, string | undefined>;
  let index: IndexServer;

  before(async () => {
    assert.ok(existsSync(CLI), `${CLI} is missing: run npm run build`);
    dir = tempDir('npm-pack');
    // A cache of its own: what is installed comes from the tarball alone, and nothing may be fetched.
    env = { ...baseEnv(path.join(dir, 'xdg')), npm_config_cache: path.join(dir, 'npm-cache'), npm_config_offline: 'true', npm_config_update_notifier: 'false' };
    const pack = await runProcess('npm', ['pack', '--json', '--pack-destination', dir], { cwd: SERVER, env });
    assert.equal(pack.code, 0, pack.stderr);
    packed = (JSON.parse(pack.stdout) as PackResult[])[0]!;
    tarball = path.join(dir, packed.filename);
    index = await startIndexServer();
  });
  after(async () => {
    await index?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds exactly the two commands, their bundles, the data, README and LICENSE', () => {
    const data = readdirSync(path.join(SERVER, 'data')).filter((f) => f.endsWith('.json') && !f.endsWith('.schema.json')).map((f) => `dist/data/${f}`);
    const expected = ['LICENSE', 'README.md', 'package.json', 'dist/cli.cjs', 'dist/cli.bundle.cjs', 'dist/server.cjs', 'dist/server.bundle.cjs', ...data];
    assert.deepEqual(packed.files.map((f) => f.path).sort(), expected.sort());
    assert.equal(readFileSync(path.join(SERVER, 'LICENSE'), 'utf8'), readFileSync(path.join(REPO_ROOT, 'LICENSE'), 'utf8'), 'server/LICENSE is the repository\'s');
  });

  it('is named pypi-status, at the version of the extension, with both bins and nothing to download', () => {
    const pkg = JSON.parse(readFileSync(path.join(SERVER, 'package.json'), 'utf8')) as PackageJson;
    const root = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as PackageJson;
    assert.equal(pkg.name, 'pypi-status');
    assert.equal(pkg.version, root.version);
    assert.deepEqual(pkg.bin, { 'pypi-status': 'dist/cli.cjs', 'pypi-status-language-server': 'dist/server.cjs' });
    // The bundles hold everything they import: a dependency here would be downloaded by every npx for nothing.
    assert.deepEqual(pkg.dependencies ?? {}, {});
    assert.equal(pkg.repository?.directory, 'server');
  });

  it('runs `npx pypi-status check` from the tarball in an empty folder, against the local index', async () => {
    const project = path.join(dir, 'elsewhere');
    write(project, 'requirements.txt', 'aiocpa>=0.1\nsix\n');
    const run = await runProcess('npx', ['--yes', `--package=${tarball}`, '--', 'pypi-status', 'check', '--index-url', index.simpleUrl, '--no-cache'], { cwd: project, env });
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /^requirements\.txt:1:1: error quarantined aiocpa is quarantined/m);
    assert.match(run.stdout, /1 quarantined in 1 file; 2 dependencies, 2 projects/);
  });

  it('installs into a temporary prefix, where both commands run', async () => {
    const prefix = path.join(dir, 'prefix');
    const install = await runProcess('npm', ['install', '--global', '--prefix', prefix, tarball], { cwd: dir, env });
    assert.equal(install.code, 0, install.stderr);
    const bin = path.join(prefix, 'bin');
    const version = (JSON.parse(readFileSync(path.join(SERVER, 'package.json'), 'utf8')) as PackageJson).version;
    const cli = await runProcess(path.join(bin, 'pypi-status'), ['--version'], { cwd: dir, env });
    assert.equal(cli.stdout.trim(), version, cli.stderr);
    const clean = path.join(dir, 'clean');
    write(clean, 'pyproject.toml', '[project]\nname = "x"\nversion = "1"\ndependencies = ["six"]\n');
    const check = await runProcess(path.join(bin, 'pypi-status'), ['check', '--index-url', index.simpleUrl, '--no-cache'], { cwd: clean, env });
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /No findings in 1 file/);
    const server = await runProcess(path.join(bin, 'pypi-status-language-server'), ['--version'], { cwd: dir, env });
    assert.equal(server.stdout.trim(), version, server.stderr);
    // The language server the LSP tests exercise (server/dist) is the one installed.
    const installed = path.join(prefix, 'lib', 'node_modules', 'pypi-status', 'dist');
    for (const file of ['server.cjs', 'server.bundle.cjs']) {
      assert.ok(readFileSync(path.join(installed, file)).equals(readFileSync(path.join(SERVER, 'dist', file))), `${file} differs from the built one`);
    }
  });
});
