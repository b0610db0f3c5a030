/**
 * PEP 723 scripts over stdio, against the local index: a Python file with a `# /// script` block is
 * a manifest whether or not uv locked it (diagnostics on its dependency names, exactly), and a
 * Python file without one costs nothing: no publication, no request to the index.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { startIndexServer, type IndexServer } from '../support/index-server.js';
import { fileUri, LspClient } from '../support/lsp-client.js';

const SCRIPT = '#!/usr/bin/env python\n# /// script\n# requires-python = ">=3.11"\n# dependencies = [\n#   "pepy",\n#   \'six\',\n# ]\n# ///\nimport pepy\n';
const PLAIN = 'import os\n\n\ndef main():\n    # /// script is mentioned here, but not as a block\n    print(os.name)\n';

describe('PEP 723 scripts over stdio', () => {
  let index: IndexServer;
  let client: LspClient;
  let dir: string;

  const at = (d: Diagnostic) => [d.code, d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character];
  const simpleRequests = () => index.requests.filter((r) => r.path.startsWith('/simple/')).map((r) => r.path);

  before(async () => {
    index = await startIndexServer({ unknownProjects: 'generate' });
    dir = mkdtempSync(path.join(tmpdir(), 'pypi-status-lsp-script-'));
    writeFileSync(path.join(dir, 'tool.py'), SCRIPT);
    writeFileSync(path.join(dir, 'plain.py'), PLAIN);
    client = await LspClient.start({ settings: { indexUrl: index.simpleUrl, jsonApiUrl: null, cache: { directory: null } } });
  });
  after(async () => {
    await client.stop();
    await index.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('checks an unlocked script and passes over a Python file without a block', async () => {
    const plainUri = fileUri(path.join(dir, 'plain.py'));
    const scriptUri = fileUri(path.join(dir, 'tool.py'));
    // The plain file first, edited too: the server handles its messages in order, so once the
    // script's diagnostics are in, anything the plain file would have caused has happened.
    await client.open(plainUri, PLAIN, 'python', 1);
    await client.change(plainUri, 2, `${PLAIN}print("edited")\n`);
    await client.open(scriptUri, SCRIPT, 'python', 1);
    const diagnostics = await client.waitForDiagnostics(scriptUri, (d) => d.some((x) => x.code === 'archived'));
    // pepy (archived) on its name inside the quotes of line 4; six is clean.
    assert.deepEqual(diagnostics.map(at), [['archived', 4, 5, 4, 9]]);
    await new Promise((r) => setTimeout(r, 400)); // past the edit debounce of the plain file
    assert.equal(client.publications(plainUri), 0, 'no publication for a Python file without a block');
    assert.deepEqual(simpleRequests().sort(), ['/simple/pepy/', '/simple/six/'], 'only the script asked the index');
  });

  it('publishes once a block is written into a Python file, and clears it when the block goes', async () => {
    const uri = fileUri(path.join(dir, 'plain.py'));
    const withBlock = `# /// script\n# dependencies = ["pepy"]\n# ///\n${PLAIN}`;
    await client.change(uri, 3, withBlock);
    const found = await client.waitForDiagnostics(uri, (d, p) => p.version === 3 && d.length > 0);
    assert.deepEqual(found.map(at), [['archived', 1, 19, 1, 23]]);
    const before = client.publications(uri);
    await client.change(uri, 4, PLAIN);
    await client.waitForDiagnostics(uri, (d) => d.length === 0, { since: before });
    await client.close(uri);
  });
});
