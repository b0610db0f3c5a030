/**
 * The built CLI on lock files: each locked package checked at its locked version, on its name in
 * the lock with the chain that pulls it in (text, JSON, SARIF with the manifest line as a related
 * location), `transitive` on the manifest, direct and transitive findings apart in the summary,
 * other registries not asked unless trusted, and --no-lock-files.
 */
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startIndexServer, type IndexServer } from '../support/index-server.js';
import { sarifValidator } from '../support/sarif.js';
import { CLI, baseEnv, locate, read, runCli, tempDir, write } from './support.js';

function pkg(name: string, version: string, deps: string[] = [], registry = 'https://pypi.org/simple'): string {
  const list = deps.map((d) => `    { name = "${d}" },\n`).join('');
  return `\n[[package]]\nname = "${name}"\nversion = "${version}"\nsource = { registry = "${registry}" }\n${deps.length ? `dependencies = [\n${list}]\n` : ''}`;
}

const UV_LOCK =
  'version = 1\nrevision = 3\nrequires-python = ">=3.9"\n\n[[package]]\nname = "app"\nversion = "0.1.0"\nsource = { editable = "." }\n' +
  'dependencies = [\n    { name = "six" },\n    { name = "black" },\n    { name = "private-lib" },\n]\n' +
  pkg('six', '1.16.0', ['pepy']) +
  pkg('pepy', '2.1.1', ['aiocpa']) +
  pkg('aiocpa', '0.1.14') +
  pkg('black', '21.11b0', ['haunted-project']) +
  pkg('haunted-project', '1.2.9') +
  pkg('private-lib', '3.0', [], 'https://private.example/simple');

describe('pypi-status check: lock files', () => {
  let index: IndexServer;
  let dir: string;
  let env: Record<string, string | undefined>;

  before(async () => {
    assert.ok(existsSync(CLI), `${CLI} is missing: run npm run build`);
    index = await startIndexServer();
    dir = tempDir('locks');
    env = { ...baseEnv(path.join(dir, 'xdg')), PYPI_STATUS_INDEX_URL: index.simpleUrl, PYPI_STATUS_JSON_API_URL: undefined };
    write(dir, 'app/pyproject.toml', '[project]\nname = "app"\nversion = "0.1.0"\ndependencies = ["six", "black>=21"]\n');
    write(dir, 'app/uv.lock', UV_LOCK);
  });
  after(async () => {
    await index.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const check = (args: string[]) => runCli(['check', '--no-cache', '--max-wait', '0', ...args], { cwd: dir, env });

  it('reports locked packages on their names with their chains, and transitive on the manifest', async () => {
    const run = await check(['app']);
    assert.equal(run.code, 1, run.stderr);
    const at = (file: string, name: string, marker?: string) => {
      if (marker !== undefined) {
        const l = locate(dir, `app/${file}`, name, marker);
        return `app/${file}:${l.line}:${l.column}:`;
      }
      // The package's own entry, not an edge naming it.
      const line = read(dir, `app/${file}`).split('\n').indexOf(`name = "${name}"`);
      return `app/${file}:${line + 1}:9:`;
    };
    const lines = run.stdout.split('\n');
    const line = (start: string, code: string) => lines.find((l) => l.startsWith(start) && l.includes(` ${code} `));
    assert.match(line(at('uv.lock', 'pepy'), 'archived') ?? '', /warning archived pepy is archived: .* \(pulled in by: six → pepy\)$/, run.stdout);
    assert.match(line(at('uv.lock', 'aiocpa'), 'quarantined') ?? '', /error quarantined aiocpa is quarantined: .* \(pulled in by: six → pepy → aiocpa\)$/);
    assert.match(line(at('uv.lock', 'black'), 'yanked') ?? '', /black 21\.11b0 is yanked.* \(a direct dependency, in pyproject\.toml\)$/);
    assert.match(
      line(at('uv.lock', 'haunted-project'), 'missing-release') ?? '',
      /haunted-project has no release 1\.2\.9 on the package index \(its latest is 1\.2\.3\): .*\(pulled in by: black → haunted-project\)$/,
    );
    assert.match(
      line(at('pyproject.toml', 'six', '"six"'), 'transitive') ?? '',
      /error transitive six pulls in aiocpa \(quarantined\) via six → pepy → aiocpa, and 1 more \(uv\.lock\)$/,
    );
    assert.match(
      line(at('pyproject.toml', 'black', '"black'), 'transitive') ?? '',
      /warning transitive black pulls in haunted-project \(archived, missing-release\) via black → haunted-project \(uv\.lock\)$/,
    );
    assert.match(run.stdout, /in 2 files; .* \(1 on direct dependencies, 4 on transitive ones\)/);
    assert.match(
      run.stdout,
      /Status unknown for 1 project \(not checked\): locked from https:\/\/private\.example\/simple, another registry than the configured index: asked only in a trusted workspace: private-lib/,
    );
    assert.ok(!index.requests.some((r) => r.path.includes('private-lib')), 'the configured index is not asked about another registry’s package');
  });

  it('writes the chain and the direct dependency’s line into JSON and SARIF', async () => {
    const json = await check(['--format', 'json', 'app/uv.lock']);
    const report = JSON.parse(json.stdout) as {
      files: string[];
      findings: { file: string; name?: string; code: string; lock?: { chain?: string[] }; related?: { file: string; range: { start: { line: number } } }[] }[];
    };
    assert.deepEqual(report.files, ['app/uv.lock'], 'a lock named alone: its manifest is read, not reported');
    const pepy = report.findings.find((f) => f.name === 'pepy')!;
    assert.deepEqual(pepy.lock?.chain, ['six', 'pepy']);
    assert.equal(pepy.related?.[0]?.file, 'app/pyproject.toml');
    assert.equal(pepy.related?.[0]?.range.start.line, 3);

    const sarif = await check(['--format', 'sarif', 'app']);
    const log = JSON.parse(sarif.stdout) as {
      runs: {
        results: {
          ruleId: string;
          message: { text: string };
          locations: { physicalLocation: { artifactLocation: { uri: string } } }[];
          relatedLocations?: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[];
        }[];
      }[];
    };
    const validate = sarifValidator();
    assert.ok(validate(log), JSON.stringify(validate.errors));
    const results = log.runs[0]!.results;
    const archived = results.find((r) => r.ruleId === 'archived' && r.message.text.startsWith('pepy'))!;
    assert.equal(archived.locations[0]!.physicalLocation.artifactLocation.uri, 'app/uv.lock');
    assert.match(archived.message.text, /\(pulled in by: six → pepy\)$/);
    assert.equal(archived.relatedLocations?.[0]?.physicalLocation.artifactLocation.uri, 'app/pyproject.toml');
    const transitive = results.find((r) => r.ruleId === 'transitive' && r.message.text.startsWith('six'))!;
    assert.deepEqual(
      transitive.relatedLocations?.map((r) => r.physicalLocation.artifactLocation.uri),
      ['app/uv.lock', 'app/uv.lock'],
    );
  });

  it('checks a PEP 723 script that uv did not lock, and reads no other Python file', async () => {
    const scripts = tempDir('locks-scripts');
    try {
      write(scripts, 'tools/report.py', '# /// script\n# dependencies = [\n#   "pepy",\n#   "six",\n# ]\n# ///\nimport pepy\n');
      write(scripts, 'tools/helper.py', 'import os\nprint(os.name)\n');
      write(scripts, 'requirements.txt', 'six\n');
      const run = await runCli(['check', '--no-cache', '--max-wait', '0', '.'], { cwd: scripts, env });
      assert.equal(run.code, 0, `${run.stdout}${run.stderr}`);
      const l = locate(scripts, 'tools/report.py', 'pepy', '"pepy"');
      assert.match(run.stdout, new RegExp(`^tools/report\\.py:${l.line}:${l.column}: warning archived pepy is archived`, 'm'), run.stdout);
      assert.doesNotMatch(run.stdout, /helper\.py/);
      assert.match(run.stdout, /in 2 files; 3 dependencies/);
    } finally {
      rmSync(scripts, { recursive: true, force: true });
    }
  });

  it('reads no lock file with --no-lock-files, even one named on the command line', async () => {
    const run = await check(['--no-lock-files', 'app', 'app/uv.lock']);
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stdout, /uv\.lock|transitive/);
    assert.match(run.stdout, /No findings in 1 file; 2 dependencies/);
  });

  it('reads no lock file with lock-files = false in [tool.pypi-status], and rejects a value that is not a boolean', async () => {
    const config = tempDir('locks-config');
    try {
      write(config, 'app/pyproject.toml', `${read(dir, 'app/pyproject.toml')}\n[tool.pypi-status]\nlock-files = false\n`);
      write(config, 'app/uv.lock', UV_LOCK);
      const run = await runCli(['check', '--no-cache', '--max-wait', '0', '.'], { cwd: path.join(config, 'app'), env });
      assert.equal(run.code, 0, run.stderr);
      assert.doesNotMatch(run.stdout, /uv\.lock|transitive/);
      assert.match(run.stdout, /No findings in 1 file; 2 dependencies/);
      write(config, 'app/pyproject.toml', `${read(dir, 'app/pyproject.toml')}\n[tool.pypi-status]\nlock-files = "no"\n`);
      const bad = await runCli(['check', '--no-cache', '--max-wait', '0', '.'], { cwd: path.join(config, 'app'), env });
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /\[tool\.pypi-status\] lock-files: expected true or false/);
    } finally {
      rmSync(config, { recursive: true, force: true });
    }
  });
});
