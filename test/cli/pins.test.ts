/** The built CLI on pins: releases the index does not have, releases younger than a cooldown, and the workspace's own projects. */
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startIndexServer, type IndexServer } from '../support/index-server.js';
import { CLI, baseEnv, runCli, tempDir, write, type Run } from './support.js';

interface Finding {
  file: string;
  line: number;
  name?: string;
  code: string;
  message: string;
}

describe('pypi-status check: pins and cooldowns (built CLI)', () => {
  let index: IndexServer;
  let ws: string;
  let xdg: string;
  const temps: string[] = [];

  before(async () => {
    assert.ok(existsSync(CLI), `${CLI} is missing: run npm run build`);
    index = await startIndexServer();
    ws = tempDir('pins');
    xdg = tempDir('xdg');
    temps.push(ws, xdg);
    write(ws, 'requirements.txt', 'six==1.17.0\nsix==1.99 ; python_version > "3"\nmy-internal-lib\n');
    // six 1.16.0 was uploaded in 2021: after this cutoff.
    write(ws, 'lib/pyproject.toml', '[project]\nname = "My_Internal.Lib"\ndependencies = ["six==1.16.0"]\n[tool.uv]\nexclude-newer = "2020-01-01T00:00:00Z"\n');
  });
  after(async () => {
    await index.close();
    for (const t of temps) rmSync(t, { recursive: true, force: true });
  });

  const check = (args: string[]): Promise<Run> => {
    const cache = tempDir('cache');
    temps.push(cache);
    return runCli(['check', '--index-url', index.simpleUrl, '--json-api-url', index.jsonApiUrl, '--cache-dir', cache, '--format', 'json', ...args], {
      cwd: ws,
      env: baseEnv(xdg),
    });
  };
  const findings = (run: Run) => (JSON.parse(run.stdout) as { findings: Finding[] }).findings.map((f) => [f.file, f.line, f.code]);

  it("reports a pin the index has no release of, the project's own cooldown, and no not-found for a workspace project", async () => {
    const run = await check([]);
    assert.deepEqual(findings(run), [
      ['lib/pyproject.toml', 3, 'new-release'],
      ['requirements.txt', 2, 'missing-release'],
    ]);
    const report = JSON.parse(run.stdout) as { findings: Finding[] };
    assert.match(
      report.findings[0]!.message,
      /^six 1\.16\.0 was uploaded on 2021-05-05 14:18 UTC, more recently than exclude-newer in pyproject\.toml allows\./,
    );
    assert.match(report.findings[1]!.message, /^six has no release 1\.99 on the package index \(its latest is 1\.17\.0\)/);
  });

  it('takes --minimum-release-age over the project cooldown, and says when the release will be old enough', async () => {
    const run = await check(['--minimum-release-age', '36500']);
    assert.deepEqual(findings(run), [
      ['lib/pyproject.toml', 3, 'new-release'],
      ['requirements.txt', 1, 'new-release'],
      ['requirements.txt', 2, 'missing-release'],
    ]);
    const report = JSON.parse(run.stdout) as { findings: Finding[] };
    assert.match(
      report.findings[1]!.message,
      /^six 1\.17\.0 was uploaded on 2024-12-04 17:35 UTC, more recently than pypiStatus\.minimumReleaseAge \(36500 days\) allows; it will be old enough on 2124-/,
    );
  });

  it('refuses a minimum age that is not a number of days', async () => {
    const run = await check(['--minimum-release-age', 'a week']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--minimum-release-age: expected a number of days from 0 to 36500/);
  });

  it('says in the summary line how many dependencies were not checked', async () => {
    const cache = tempDir('cache');
    temps.push(cache);
    const run = await runCli(['check', '--offline', '--cache-dir', cache], { cwd: ws, env: baseEnv(xdg) });
    assert.match(run.stdout, /^No findings in 2 files; 4 dependencies, 2 projects; 2 unchecked$/m);
    assert.match(run.stdout, /^Status unknown for 2 projects \(not checked\): offline and not in the cache: my-internal-lib, six$/m);
  });
});
