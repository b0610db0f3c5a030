/**
 * The built CLI says the fixes the editor offers: the release a yanked, missing or vulnerable pin
 * moves to, a close name for one the index does not know, another project for a flagged one; in
 * text, JSON, SARIF and GitHub annotations. None for a lock file or a project the workspace builds,
 * and no lookup the editor would not make (the same files opened in the language server, with the
 * quick fixes of every diagnostic asked for, ask the index the same things).
 */
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { applyEdits, type TextEdit } from '../../server/src/core/edits.js';
import { parseRequirements } from '../../server/src/core/requirements.js';
import { startIndexServer, type IndexServer } from '../support/index-server.js';
import { definePinProjects } from '../support/pin-projects.js';
import { fileUri, LspClient } from '../support/lsp-client.js';
import { sarifValidator } from '../support/sarif.js';
import { CLI, baseEnv, read, runCli, tempDir, write, type Run } from './support.js';

interface Fix {
  kind: string;
  title: string;
  version?: string;
  name?: string;
  origin?: string;
  edits: TextEdit[];
}
interface Finding {
  file: string;
  line: number;
  name?: string;
  code: string;
  fixes?: Fix[];
}

const PINS = [
  'yankpin==1.0.1  # keep this comment',
  'vulnpin[extra]==2.0.0 ; python_version >= "3.8"',
  'openpin==3.0.0',
  'missingpin==9.9',
  'hoppin==4.0.0',
  'steady==1.0.0',
  'reqeusts>=2',
  'pandsa',
  'PIL',
  'my-own-lib',
  '',
].join('\n');

const UV_LOCK =
  'version = 1\nrevision = 3\nrequires-python = ">=3.9"\n\n[[package]]\nname = "app"\nversion = "0.1.0"\nsource = { editable = "." }\n' +
  'dependencies = [\n    { name = "yankpin" },\n]\n\n[[package]]\nname = "yankpin"\nversion = "1.0.1"\nsource = { registry = "https://pypi.org/simple" }\n';

describe('pypi-status check: fixes (built CLI)', () => {
  let index: IndexServer;
  let ws: string;
  let xdg: string;
  const temps: string[] = [];

  before(async () => {
    assert.ok(existsSync(CLI), `${CLI} is missing: run npm run build`);
    index = await startIndexServer();
    definePinProjects(index);
    ws = tempDir('fixes');
    xdg = tempDir('xdg');
    temps.push(ws, xdg);
    write(ws, 'requirements.txt', PINS);
    write(ws, 'hashed/requirements.txt', 'yankpin==1.0.1 \\\n    --hash=sha256:aaaa  # pinned\n');
    write(ws, 'lib/pyproject.toml', '[project]\nname = "My_Own.Lib"\nversion = "0.1.0"\n');
    write(ws, 'app/pyproject.toml', '[project]\nname = "app"\nversion = "0.1.0"\ndependencies = ["yankpin"]\n');
    write(ws, 'app/uv.lock', UV_LOCK);
  });
  after(async () => {
    await index.close();
    for (const t of temps) rmSync(t, { recursive: true, force: true });
  });

  const check = (args: string[], cwd = ws): Promise<Run> => {
    const cache = tempDir('cache');
    temps.push(cache);
    return runCli(['check', '--index-url', index.simpleUrl, '--json-api-url', index.jsonApiUrl, '--cache-dir', cache, ...args], { cwd, env: baseEnv(xdg) });
  };
  const json = async (args: string[] = []) => (JSON.parse((await check(['--format', 'json', ...args])).stdout) as { findings: Finding[] }).findings;

  it('says the fix on an indented line under its finding, in text', async () => {
    const run = await check(['--format', 'text']);
    const lines = run.stdout.split('\n');
    const under = (marker: RegExp) => {
      const i = lines.findIndex((l) => marker.test(l));
      assert.ok(i >= 0, `no ${marker} in\n${run.stdout}`);
      return lines[i + 1];
    };
    assert.equal(under(/^requirements\.txt:1:1: \S+ yanked /), '  fix: change the pin to 1.1.0');
    assert.equal(under(/^requirements\.txt:2:1: \S+ vulnerable /), '  fix: upgrade to 2.2.0 (fixes PYSEC-1, GHSA-2)');
    assert.equal(under(/^requirements\.txt:3:1: \S+ vulnerable /), '  fix: upgrade to 3.1.0 (fixes PYSEC-3; PYSEC-4 stays open: no release fixes it)');
    assert.equal(under(/^requirements\.txt:4:1: \S+ missing-release /), '  fix: change the pin to 2.0 (the nearest release the index has)');
    assert.equal(under(/^requirements\.txt:5:1: \S+ vulnerable /), '  fix: upgrade to 4.2.0 (fixes PYSEC-5)');
    assert.equal(under(/^requirements\.txt:7:1: \S+ not-found /), '  did you mean: requests?');
    // pandas is close to pandsa, but this index does not have it: nothing is offered.
    assert.match(under(/^requirements\.txt:8:1: \S+ not-found /) ?? '', /^requirements\.txt:9:1: /);
    assert.equal(under(/^requirements\.txt:9:1: \S+ archived /), '  alternative: pillow (from the curated list)');
    assert.ok(!/my-own-lib/i.test(run.stdout), 'a project the workspace builds is not missing');
    assert.match(under(/^app\/uv\.lock:\d+:\d+: \S+ yanked /) ?? '', /^(|hashed\/.*)$/, 'no fix under a lock file');
  });

  it('gives each fix as edits in JSON that change only the pins, and none in a lock file', async () => {
    const findings = await json();
    const inFile = (file: string) => findings.filter((f) => f.file === file);
    const pins = inFile('requirements.txt').flatMap((f) => (f.fixes ?? []).filter((x) => x.kind === 'pin'));
    assert.deepEqual(
      pins.map((p) => p.version),
      ['1.1.0', '2.2.0', '3.1.0', '2.0', '4.2.0'],
    );
    const after = applyEdits(
      PINS,
      pins.flatMap((p) => p.edits),
    );
    assert.equal(after, PINS.replace('1.0.1', '1.1.0').replace('2.0.0', '2.2.0').replace('3.0.0', '3.1.0').replace('9.9', '2.0').replace('4.0.0', '4.2.0'));
    assert.deepEqual(
      parseRequirements(after).dependencies.map((d) => d.name),
      parseRequirements(PINS).dependencies.map((d) => d.name),
    );
    const typo = inFile('requirements.txt').find((f) => f.name === 'reqeusts')!;
    assert.deepEqual(
      typo.fixes?.map((x) => [x.kind, x.name, x.origin, x.title]),
      [['name', 'requests', 'similar', 'Replace reqeusts with requests (a close name among the most-downloaded projects)']],
    );
    assert.equal(applyEdits(PINS, typo.fixes[0]!.edits).split('\n')[6], 'requests');

    const hashed = inFile('hashed/requirements.txt');
    assert.equal(hashed[0]?.fixes?.[0]?.title, 'Change the pin to 1.1.0; its --hash options are removed, regenerate them');
    assert.equal(applyEdits(read(ws, 'hashed/requirements.txt'), hashed[0].fixes[0].edits), 'yankpin==1.1.0  # pinned\n');

    const locked = inFile('app/uv.lock');
    assert.deepEqual(
      locked.map((f) => f.code),
      ['yanked'],
    );
    assert.equal(locked[0]!.fixes, undefined, 'the lock is regenerated by its tool, not edited');
  });

  it('writes the standard SARIF fixes, valid against the schema', async () => {
    const log = JSON.parse((await check(['--format', 'sarif', 'requirements.txt'])).stdout) as {
      runs: { results: { ruleId: string; locations: { physicalLocation: { region: { startLine: number } } }[]; fixes?: unknown[] }[] }[];
    };
    const validate = sarifValidator();
    assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
    const results = log.runs[0]!.results;
    const yanked = results.find((r) => r.ruleId === 'yanked')!;
    assert.deepEqual(yanked.fixes, [
      {
        description: { text: 'Change the pin to 1.1.0' },
        artifactChanges: [
          {
            artifactLocation: { uri: 'requirements.txt', uriBaseId: '%SRCROOT%' },
            replacements: [{ deletedRegion: { startLine: 1, startColumn: 10, endLine: 1, endColumn: 15 }, insertedContent: { text: '1.1.0' } }],
          },
        ],
      },
    ]);
    const pandsa = results.find((r) => r.ruleId === 'not-found' && r.locations[0]!.physicalLocation.region.startLine === 8)!;
    assert.equal(pandsa.fixes, undefined);
  });

  it('appends the fix to the GitHub annotation', async () => {
    const run = await check(['--format', 'github', 'requirements.txt']);
    const line = run.stdout.split('\n').find((l) => l.includes('title=pypi-status%3A yanked'));
    assert.match(line ?? '', /%0Afix: change the pin to 1\.1\.0$/, run.stdout);
  });

  it('asks the index what the editor asks for the same quick fixes, and nothing for a file without findings to fix', async () => {
    const dir = tempDir('same-lookups');
    temps.push(dir);
    const files = { 'requirements.txt': PINS.replace('my-own-lib\n', ''), 'clean/requirements.txt': 'steady==1.0.0\n' };
    for (const [file, text] of Object.entries(files)) write(dir, file, text);

    const asked = () => new Set(index.requests.map((r) => r.path));
    index.resetLog();
    await check(['--format', 'json'], dir);
    await index.settled();
    const byCli = asked();

    index.resetLog();
    const client = await LspClient.start({
      settings: { indexUrl: index.simpleUrl, jsonApiUrl: index.jsonApiUrl, cache: { directory: path.join(dir, 'lsp-cache') } },
    });
    try {
      for (const [file, text] of Object.entries(files)) {
        const uri = fileUri(path.join(dir, file));
        await client.open(uri, text);
        const diagnostics: Diagnostic[] = await client.waitForDiagnostics(uri, (d) => d.length > 0 || !text.includes('pandsa'));
        for (const d of diagnostics) await client.codeActions(uri, d.range, [d]);
      }
      await index.settled();
    } finally {
      await client.stop();
    }
    const byEditor = asked();
    assert.deepEqual([...byCli].sort(), [...byEditor].sort());
    for (const version of ['4.1.0', '4.2.0']) assert.ok(byCli.has(`/pypi/hoppin/${version}/json`), `the upgrade's release ${version} is asked about`);
    assert.ok(byCli.has('/simple/requests/'), 'the close name is confirmed on the index');
    assert.ok(![...byCli].some((p) => p.startsWith('/pypi/steady/') && p !== '/pypi/steady/1.0.0/json'));
  });
});
