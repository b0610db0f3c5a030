/**
 * The extension's commands, run the way the Command Palette runs them. Scan Workspace has
 * its own suite (scan.test.ts), and so do the quick fixes with their command (quickfix.test.ts).
 */
import * as assert from 'node:assert/strict';
import { suite, suiteSetup, suiteTeardown, test } from 'mocha';
import * as vscode from 'vscode';
import { activeExtension, closeAllEditors, nextDiagnostics, openInEditor, ours, summarize, waitForDiagnostics } from './helpers.js';

suite('Commands', () => {
  suiteSetup(async () => {
    await activeExtension();
  });
  suiteTeardown(closeAllEditors);

  test('every command in the manifest is registered', async () => {
    const extension = await activeExtension();
    const manifest = extension.packageJSON as { contributes: { commands: { command: string }[] } };
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const { command } of manifest.contributes.commands) assert.ok(registered.has(command), `${command} is not registered`);
  });

  test('Clear Cache: the open files are looked up again and keep their findings', async () => {
    const { document } = await openInEditor('requirements.txt');
    const before = summarize(await waitForDiagnostics(document.uri, (d) => d.length >= 2));
    const republished = nextDiagnostics(document.uri, (d) => d.length >= before.length);
    await vscode.commands.executeCommand('pypiStatus.clearCache');
    assert.deepEqual(summarize(await republished), before);
  });

  test('Restart Server: a new server publishes the same findings', async () => {
    const { document } = await openInEditor('requirements/dev.txt');
    const before = summarize(await waitForDiagnostics(document.uri, (d) => d.length >= 2));
    // The client clears the old server's diagnostics when it stops it; then the new server publishes.
    const cleared = nextDiagnostics(document.uri, (d) => d.length === 0);
    await vscode.commands.executeCommand('pypiStatus.restartServer');
    await cleared;
    const after = await waitForDiagnostics(document.uri, (d) => d.length >= before.length);
    assert.deepEqual(summarize(after), before);
    assert.ok(ours(document.uri).every((d) => d.source === 'pypi-status'));
  });
});
