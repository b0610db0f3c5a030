/** The editor applies a file's project as a scan does: its cooldown (new-release) and the projects the workspace builds. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeProject } from '../support/index-catalog.js';
import { startIndexServer, type IndexServer } from '../support/index-server.js';
import { fileUri, LspClient } from '../support/lsp-client.js';

describe("an open document's project", () => {
  let index: IndexServer;
  let dir: string;
  let cacheDir: string;

  before(async () => {
    index = await startIndexServer();
    index.setProject('steady', makeProject({ name: 'steady', versions: ['1.0.0', '1.1.0'] }));
    index.setProject('requests', makeProject({ name: 'requests' }));
    dir = mkdtempSync(path.join(tmpdir(), 'pypi-status-project-'));
    cacheDir = path.join(dir, '.cache');
    mkdirSync(path.join(dir, 'app'));
    mkdirSync(path.join(dir, 'typo'));
    writeFileSync(path.join(dir, 'typo', 'pyproject.toml'), '[project]\nname = "reqeusts"\nversion = "1"\n');
    writeFileSync(path.join(dir, 'app', 'pyproject.toml'), '[project]\nname = "Our_Local.Package"\nversion = "1"\n\n[tool.uv]\nexclude-newer = "36500 days"\n');
  });
  after(async () => {
    await index.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function diagnosticsOf(text: string, expected: number, settings: Record<string, unknown> = {}) {
    const client = await LspClient.start({
      settings: { indexUrl: index.simpleUrl, jsonApiUrl: index.jsonApiUrl, cache: { directory: cacheDir }, ...settings },
    });
    try {
      const uri = fileUri(path.join(dir, 'app', 'requirements.txt'));
      await client.open(uri, text);
      return await client.waitForDiagnostics(uri, (d) => d.length >= expected);
    } finally {
      await client.stop();
    }
  }

  it('flags a release younger than the cooldown the project states for uv, and not a project the workspace builds', async () => {
    const diagnostics = await diagnosticsOf('steady==1.1.0\nour-local-package\nnowhere-at-all-xyz\n', 2);
    const codes = diagnostics.map((d) => `${d.range.start.line}:${String(d.code)}`).sort();
    assert.deepEqual(codes, ['0:new-release', '2:not-found']);
    const young = diagnostics.find((d) => d.code === 'new-release')!;
    assert.match(JSON.stringify(young.message), /exclude-newer in pyproject\.toml/);
  });

  it("takes the user's minimum age over the project's", async () => {
    const diagnostics = await diagnosticsOf('steady==1.0.0\n', 1, { minimumReleaseAge: 36500 });
    const young = diagnostics.find((d) => d.code === 'new-release');
    assert.ok(young, JSON.stringify(diagnostics));
    assert.match(JSON.stringify(young.message), /minimumReleaseAge/);
  });

  it('offers no replacement, in the hover or the code actions, for a name the workspace builds itself', async () => {
    const client = await LspClient.start({ settings: { indexUrl: index.simpleUrl, jsonApiUrl: index.jsonApiUrl, cache: { directory: cacheDir } } });
    try {
      // A sibling project named like a typo of a much-downloaded one, open in the editor.
      const sibling = path.join(dir, 'typo', 'pyproject.toml');
      await client.open(fileUri(sibling), readFileSync(sibling, 'utf8'), 'toml');
      const uri = fileUri(path.join(dir, 'app', 'requirements.txt'));
      await client.open(uri, 'reqeusts\nnowhere-at-all-xyz\n');
      const diagnostics = await client.waitForDiagnostics(uri, (d) => d.length >= 1);
      assert.deepEqual(
        diagnostics.map((d) => `${d.range.start.line}:${String(d.code)}`),
        ['1:not-found'],
      );
      const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 8 } };
      // The code actions wait for the close names' lookups: the hover after them has every answer it could use.
      const titles = (await client.codeActions(uri, range)).map((a) => a.title);
      assert.ok(!titles.some((t) => t.startsWith('Replace')), titles.join('\n'));
      const hover = JSON.stringify(await client.hover(uri, { line: 0, character: 2 }));
      assert.match(hover, /Not found/);
      assert.doesNotMatch(hover, /Alternative/);
    } finally {
      await client.stop();
    }
  });
});
