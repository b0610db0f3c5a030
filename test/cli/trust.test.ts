/** `--trust-index-options`: index options written in scanned files are used only when asked for. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeProject } from '../support/index-catalog.js';
import { startIndexServer, type IndexServer } from '../support/index-server.js';
import { baseEnv, runCli } from './support.js';

describe('pypi-status check and index options in files', () => {
  let configured: IndexServer;
  let named: IndexServer;
  let dir: string;

  before(async () => {
    configured = await startIndexServer();
    named = await startIndexServer();
    named.setProject('private-lib', makeProject({ name: 'private-lib', status: 'archived' }));
    dir = mkdtempSync(path.join(tmpdir(), 'pypi-status-cli-trust-'));
    writeFileSync(path.join(dir, 'requirements.txt'), `--index-url ${named.simpleUrl}\nprivate-lib\n`);
  });
  after(async () => {
    await Promise.all([configured.close(), named.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (extra: string[]) =>
    runCli(['check', '--index-url', configured.simpleUrl, '--no-cache', '--format', 'json', ...extra], { cwd: dir, env: baseEnv(dir) });

  it('ignores them by default: no request goes to the host a file names', async () => {
    const result = await run([]);
    const report = JSON.parse(result.stdout) as { findings: { code: string; name?: string }[] };
    assert.deepEqual(
      report.findings.map((f) => [f.name, f.code]),
      [['private-lib', 'not-found']],
    );
    assert.equal(named.requests.length, 0);
  });

  it('uses them with --trust-index-options', async () => {
    configured.resetLog();
    const result = await run(['--trust-index-options']);
    const report = JSON.parse(result.stdout) as { findings: { code: string; name?: string }[] };
    assert.deepEqual(
      report.findings.map((f) => [f.name, f.code]),
      [['private-lib', 'archived']],
    );
    assert.ok(named.requests.some((r) => r.path === '/simple/private-lib/'));
    assert.equal(configured.requests.length, 0);
  });
});
