/**
 * PEP 723 scripts in VS Code: a Python file with a `# /// script` block, which uv never locked, is
 * sent to the server and its dependencies are checked; once the block goes, so do its diagnostics.
 * The script lives outside the workspace, so that no scan counts it.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { suite, suiteSetup, suiteTeardown, test } from 'mocha';
import * as vscode from 'vscode';
import { activeExtension, closeAllEditors, findingAt, summarize, waitForDiagnostics } from './helpers.js';

const SCRIPT = '# /// script\n# requires-python = ">=3.11"\n# dependencies = [\n#   "pepy",\n#   "six",\n# ]\n# ///\nimport pepy\n';

suite('PEP 723 scripts', () => {
  let dir: string;

  suiteSetup(async () => {
    await activeExtension();
    dir = mkdtempSync(path.join(tmpdir(), 'pypi-status-script-'));
  });
  suiteTeardown(async () => {
    await closeAllEditors();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a Python file with a script block has its dependencies checked, and cleared when the block goes', async () => {
    const file = path.join(dir, 'report.py');
    writeFileSync(file, SCRIPT);
    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(document, { preview: false });
    assert.equal(document.languageId, 'python');
    const diagnostics = await waitForDiagnostics(document.uri, (d) => d.length > 0);
    assert.deepEqual(summarize(diagnostics), [findingAt(document, 'pepy', 'archived', 'warning', '"pepy"')]);

    const edit = new vscode.WorkspaceEdit();
    edit.replace(document.uri, new vscode.Range(0, 0, 7, 0), '');
    assert.ok(await vscode.workspace.applyEdit(edit));
    await waitForDiagnostics(document.uri, (d) => d.length === 0);
  });
});
