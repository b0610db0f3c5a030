/**
 * The CLI reads the index configuration pip and uv already have, from a temporary HOME: two local
 * indexes, the private one requiring Basic auth; credentials from .netrc or UV_INDEX_* variables.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeProject } from '../support/index-catalog.js';
import { startIndexServer, type IndexServer } from '../support/index-server.js';
import { baseEnv, runCli } from './support.js';

interface JsonReport {
  findings: { code: string; name?: string }[];
  unknownReasons: Record<string, string>;
  answeredBy: Record<string, Record<string, string>>;
}

const USER = 'ci-bot';
const PASSWORD = 'pa55-w0rd-secret';

describe('pypi-status check and the index configuration of pip and uv', () => {
  let pub: IndexServer;
  let priv: IndexServer;
  let dir: string;
  let home: string;

  before(async () => {
    pub = await startIndexServer();
    priv = await startIndexServer({ basicAuth: { username: USER, password: PASSWORD } });
    priv.setProject('private-lib', makeProject({ name: 'private-lib', status: 'archived' }));
    dir = mkdtempSync(path.join(tmpdir(), 'pypi-status-cli-indexconfig-'));
    home = path.join(dir, 'xdg', 'home');
    mkdirSync(path.join(home, '.config', 'pip'), { recursive: true });
    mkdirSync(path.join(home, '.config', 'uv'), { recursive: true });
    mkdirSync(path.join(dir, 'reqs'));
    mkdirSync(path.join(dir, 'uvproject'));
    writeFileSync(path.join(dir, 'reqs', 'requirements.txt'), 'private-lib\nsix\n');
    writeFileSync(path.join(home, '.config', 'pip', 'pip.conf'), `[global]\nextra-index-url = ${priv.simpleUrl}\n`);
    writeFileSync(path.join(home, '.config', 'uv', 'uv.toml'), `[[index]]\nname = "public"\nurl = "${pub.simpleUrl}"\ndefault = true\n`);
    const pyproject = `[project]\nname = "app"\nversion = "1"\ndependencies = ["private-lib", "six"]\n\n[[tool.uv.index]]\nname = "internal"\nurl = "${priv.simpleUrl}"\nexplicit = true\n\n[tool.uv.sources]\nprivate-lib = { index = "internal" }\n`;
    writeFileSync(path.join(dir, 'uvproject', 'pyproject.toml'), pyproject);
    // A uv workspace whose root names the index and pins the project to it; the member says nothing of indexes.
    mkdirSync(path.join(dir, 'uvws', 'packages', 'app'), { recursive: true });
    const root = `[project]\nname = "ws"\nversion = "1"\n\n[tool.uv.workspace]\nmembers = ["packages/*"]\n\n[[tool.uv.index]]\nname = "internal"\nurl = "${priv.simpleUrl}"\nexplicit = true\n\n[tool.uv.sources]\nprivate-lib = { index = "internal" }\n`;
    writeFileSync(path.join(dir, 'uvws', 'pyproject.toml'), root);
    writeFileSync(
      path.join(dir, 'uvws', 'packages', 'app', 'pyproject.toml'),
      '[project]\nname = "app"\nversion = "1"\ndependencies = ["private-lib", "six"]\n',
    );
  });
  after(async () => {
    await Promise.all([pub.close(), priv.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (args: string[], env: Record<string, string> = {}) =>
    runCli(['check', '--no-cache', '--format', 'json', ...args], { cwd: dir, env: { ...baseEnv(path.join(dir, 'xdg')), ...env } });
  const netrc = (text: string) => writeFileSync(path.join(home, '.netrc'), text);

  it("looks requirements up on PIP_INDEX_URL and pip.conf's extra index, with .netrc credentials, and says which answered", async () => {
    netrc(`machine 127.0.0.1 login ${USER} password ${PASSWORD}\n`);
    const result = await run(['reqs'], { PIP_INDEX_URL: pub.simpleUrl });
    const report = JSON.parse(result.stdout) as JsonReport;
    assert.deepEqual(
      report.findings.map((f) => [f.name, f.code]),
      [['private-lib', 'archived']],
    );
    assert.deepEqual(report.answeredBy['reqs/requirements.txt'], { 'private-lib': new URL(priv.url).host, six: new URL(pub.url).host });
    assert.ok(!result.stdout.includes(PASSWORD) && !result.stderr.includes(PASSWORD));
  });

  it('says once that the private index refused the request, never "not found"', async () => {
    netrc('');
    priv.resetLog();
    const result = await run(['reqs'], { PIP_INDEX_URL: pub.simpleUrl });
    const report = JSON.parse(result.stdout) as JsonReport;
    assert.deepEqual(report.findings, []);
    assert.match(report.unknownReasons['private-lib'] ?? '', /^index `127\.0\.0\.1:\d+` refused the request \(HTTP 401\): set credentials in .*netrc/);
    assert.equal(priv.requests.length, 1);
  });

  it('follows [tool.uv.sources] to an explicit index only in a trusted workspace', async () => {
    const creds = { UV_INDEX_INTERNAL_USERNAME: USER, UV_INDEX_INTERNAL_PASSWORD: PASSWORD };
    priv.resetLog();
    const untrusted = JSON.parse((await run(['uvproject'], creds)).stdout) as JsonReport;
    assert.deepEqual(
      untrusted.findings.map((f) => [f.name, f.code]),
      [['private-lib', 'not-found']],
    );
    assert.equal(priv.requests.length, 0, 'an untrusted project sends nothing to the index it names');
    const trusted = JSON.parse((await run(['uvproject', '--trust-index-options'], creds)).stdout) as JsonReport;
    assert.deepEqual(
      trusted.findings.map((f) => [f.name, f.code]),
      [['private-lib', 'archived']],
    );
    assert.deepEqual(trusted.answeredBy['uvproject/pyproject.toml'], { 'private-lib': 'internal', six: 'public' });
    assert.ok(priv.requests.every((r) => r.path.startsWith('/simple/private-lib')));
  });

  it('prints the indexes it would use with --print-config, credentials redacted', async () => {
    netrc(`machine 127.0.0.1 login ${USER} password ${PASSWORD}\n`);
    const result = await runCli(['check', '--print-config', '--trust-index-options', 'reqs/requirements.txt', 'uvproject'], {
      cwd: dir,
      env: { ...baseEnv(path.join(dir, 'xdg')), PIP_INDEX_URL: `http://${USER}:${PASSWORD}@${new URL(pub.url).host}/simple/` },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(!result.stdout.includes(PASSWORD), result.stdout);
    assert.match(result.stdout, /reqs\/requirements\.txt: installed with pip\n {2}1\. .*PIP_INDEX_URL; credentials from the URL in PIP_INDEX_URL/);
    assert.match(result.stdout, /2\. .*pip\.conf \[global\]; credentials from ~\/\.netrc/);
    assert.match(result.stdout, /uvproject\/pyproject\.toml: installed with uv\n {2}1\. public .*\n {2}private-lib only on: internal/);
  });

  it("looks a uv workspace member's dependencies up where the workspace root's sources send them", async () => {
    const creds = { UV_INDEX_INTERNAL_USERNAME: USER, UV_INDEX_INTERNAL_PASSWORD: PASSWORD };
    priv.resetLog();
    const report = JSON.parse((await run(['uvws/packages/app', '--trust-index-options'], creds)).stdout) as JsonReport;
    assert.deepEqual(
      report.findings.map((f) => [f.name, f.code]),
      [['private-lib', 'archived']],
    );
    assert.deepEqual(report.answeredBy['uvws/packages/app/pyproject.toml'], { 'private-lib': 'internal', six: 'public' });
    const printed = await runCli(['check', '--print-config', '--trust-index-options', 'uvws/packages/app'], { cwd: dir, env: baseEnv(path.join(dir, 'xdg')) });
    assert.equal(printed.code, 0, printed.stderr);
    assert.match(
      printed.stdout,
      /uvws\/packages\/app\/pyproject\.toml: installed with uv\n {2}1\. public .*\n {2}private-lib only on: internal http:\/\/127\.0\.0\.1:\d+\/simple\/\n/,
    );
  });
});
