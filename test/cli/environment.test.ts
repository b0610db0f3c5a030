/**
 * What a pre-commit hook or a CI job sets without touching the command line: PYPI_STATUS_INDEX_URL and
 * PYPI_STATUS_JSON_API_URL (lock files: see locks.test.ts).
 */
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startIndexServer, type IndexServer } from '../support/index-server.js';
import { CLI, baseEnv, runCli, tempDir, write } from './support.js';

/** An address nothing listens on: a run that used it would report every project as unknown. */
const DEAD_INDEX = 'http://127.0.0.1:9/simple/';

describe('pypi-status check: index URLs from the environment', () => {
  let index: IndexServer;
  let dir: string;
  let env: Record<string, string | undefined>;

  before(async () => {
    assert.ok(existsSync(CLI), `${CLI} is missing: run npm run build`);
    index = await startIndexServer();
    dir = tempDir('env');
    env = { ...baseEnv(path.join(dir, 'xdg')), PYPI_STATUS_INDEX_URL: undefined, PYPI_STATUS_JSON_API_URL: undefined };
    write(dir, 'requirements.txt', 'aiocpa>=0.1\nsix\n');
  });
  after(async () => {
    await index.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const check = (args: string[], extra: Record<string, string | undefined> = {}, cwd = dir) =>
    runCli(['check', '--no-cache', '--max-wait', '0', ...args], { cwd, env: { ...env, ...extra } });

  it('looks projects up on PYPI_STATUS_INDEX_URL', async () => {
    const run = await check(['requirements.txt'], { PYPI_STATUS_INDEX_URL: index.simpleUrl });
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /requirements\.txt:1:1: error quarantined aiocpa is quarantined/);
    assert.ok(
      index.requests.some((r) => r.path === '/simple/aiocpa/'),
      'the local index was asked',
    );
  });

  it('uses PYPI_STATUS_JSON_API_URL for the JSON API of a custom index', async () => {
    write(dir, 'pinned/requirements.txt', 'pycrypto==2.6.1\n');
    const run = await check(['pinned'], { PYPI_STATUS_INDEX_URL: index.simpleUrl, PYPI_STATUS_JSON_API_URL: index.jsonApiUrl });
    assert.match(run.stdout, /warning vulnerable pycrypto 2\.6\.1 has \d+ known vulnerabilities/, run.stderr);
    const off = await check(['pinned'], { PYPI_STATUS_INDEX_URL: index.simpleUrl });
    assert.doesNotMatch(off.stdout, /vulnerable/, 'without it, a custom index has no JSON API');
  });

  it('lets --index-url win over the variable, and the variable win over [tool.pypi-status]', async () => {
    const flag = await check(['--index-url', index.simpleUrl, 'requirements.txt'], { PYPI_STATUS_INDEX_URL: DEAD_INDEX });
    assert.match(flag.stdout, /quarantined aiocpa/, flag.stderr);

    const project = path.join(dir, 'configured');
    write(project, 'pyproject.toml', `[tool.pypi-status]\nindex-url = "${DEAD_INDEX}"\n`);
    write(project, 'requirements.txt', 'aiocpa\n');
    const variable = await check([], { PYPI_STATUS_INDEX_URL: index.simpleUrl }, project);
    assert.match(variable.stdout, /quarantined aiocpa/, variable.stderr);
    const file = await check([], {}, project);
    assert.doesNotMatch(file.stdout, /quarantined/, "without the variable, the file's dead index is used");
    assert.match(file.stdout + file.stderr, /could not be checked|unknown/i);
  });

  it('rejects a variable that is not an http(s) URL, naming it, and ignores an empty one', async () => {
    const bad = await check(['requirements.txt'], { PYPI_STATUS_INDEX_URL: 'ftp://user:hunter2@example.com/simple/' });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /PYPI_STATUS_INDEX_URL: ".*" is not an http\(s\) URL/);
    assert.doesNotMatch(bad.stderr, /hunter2/, 'credentials are never printed');
    const bad2 = await check(['requirements.txt'], { PYPI_STATUS_JSON_API_URL: 'not a url' });
    assert.equal(bad2.code, 2);
    assert.match(bad2.stderr, /PYPI_STATUS_JSON_API_URL: "not a url" is not a URL/);

    const empty = await check(['--index-url', index.simpleUrl, 'requirements.txt'], { PYPI_STATUS_INDEX_URL: '', PYPI_STATUS_JSON_API_URL: ' ' });
    assert.equal(empty.code, 1, empty.stderr);
  });
});
