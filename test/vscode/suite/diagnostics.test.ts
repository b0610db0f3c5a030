/**
 * Diagnostics as VS Code holds them (vscode.languages.getDiagnostics), for the files of the
 * fixture workspace, from the language server the extension starts, against the local index.
 */
import * as assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { suite, suiteSetup, suiteTeardown, test } from 'mocha';
import * as vscode from 'vscode';
import {
  activeExtension,
  closeAllEditors,
  codeOf,
  compareFindings,
  findingAt,
  openInEditor,
  summarize,
  waitForDiagnostics,
  workspaceUri,
  type Finding,
} from './helpers.js';

suite('Diagnostics', () => {
  suiteSetup(async () => {
    await activeExtension();
  });
  suiteTeardown(closeAllEditors);

  test('the workspace is trusted and points at the local index', () => {
    // Restricted Mode would ignore the workspace's indexUrl (package.json: restrictedConfigurations).
    assert.equal(vscode.workspace.isTrusted, true);
    const indexUrl = vscode.workspace.getConfiguration('pypiStatus').get<string>('indexUrl');
    assert.match(indexUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+\/simple\/$/);
  });

  test('requirements.txt: archived and quarantined dependencies, at their names', async () => {
    const editor = await openInEditor('requirements.txt');
    const document = editor.document;
    assert.equal(document.languageId, 'pip-requirements');
    const expected: Finding[] = [findingAt(document, 'pepy', 'archived', 'warning', 'pepy=='), findingAt(document, 'aiocpa', 'quarantined', 'error')].sort(
      compareFindings,
    );
    const diagnostics = await waitForDiagnostics(document.uri, (d) => d.length >= expected.length);
    assert.deepEqual(summarize(diagnostics), expected);
    const quarantined = diagnostics.find((d) => codeOf(d) === 'quarantined')!;
    assert.match(quarantined.message, /^aiocpa is quarantined/);
    assert.match(quarantined.message, /Reason given: Malware found/);
    const archived = diagnostics.find((d) => codeOf(d) === 'archived')!;
    assert.match(archived.message, /^pepy is archived/);
  });

  test('requirements/dev.txt (nested): a yanked pin and an archived project with its reason', async () => {
    const editor = await openInEditor('requirements/dev.txt');
    const document = editor.document;
    assert.equal(document.languageId, 'pip-requirements', 'requirements/*.txt is a pip requirements file');
    const expected: Finding[] = [findingAt(document, 'black', 'yanked', 'warning'), findingAt(document, 'haunted.project', 'archived', 'warning')].sort(
      compareFindings,
    );
    const diagnostics = await waitForDiagnostics(document.uri, (d) => d.length >= expected.length);
    assert.deepEqual(summarize(diagnostics), expected);
    const yanked = diagnostics.find((d) => codeOf(d) === 'yanked')!;
    assert.match(yanked.message, /^black 21\.11b0 is yanked/);
    const archived = diagnostics.find((d) => codeOf(d) === 'archived')!;
    assert.match(archived.message, /Reason given: This project is haunted/);
  });

  test('pyproject.toml: project dependencies, optional dependencies and dependency groups', async () => {
    const editor = await openInEditor('pyproject.toml');
    const document = editor.document;
    const expected: Finding[] = [
      findingAt(document, 'pepy', 'archived', 'warning', '"pepy"'),
      findingAt(document, 'aiocpa', 'quarantined', 'error'),
      findingAt(document, 'pil', 'archived', 'warning', '"pil"'),
      findingAt(document, 'deprecated-project', 'deprecated', 'warning'),
    ].sort(compareFindings);
    const diagnostics = await waitForDiagnostics(document.uri, (d) => d.length >= expected.length);
    assert.deepEqual(summarize(diagnostics), expected);
  });

  test('an unsaved edit is analysed, and reverting it clears the finding', async () => {
    const editor = await openInEditor('requirements.txt');
    const document = editor.document;
    const before = summarize(await waitForDiagnostics(document.uri, (d) => d.length >= 2));
    const end = document.lineAt(document.lineCount - 1).range.end;
    const lastLine = document.lineAt(document.lineCount - 1).text;
    const insertion = `${lastLine === '' ? '' : '\n'}PIL\n`;
    assert.ok(await editor.edit((b) => b.insert(end, insertion)));
    const pilLine = document
      .getText()
      .split('\n')
      .findIndex((l) => l === 'PIL');
    const added: Finding = [pilLine, 0, 3, 'archived', 'warning'];
    const after = await waitForDiagnostics(document.uri, (d) => summarize(d).some((f) => f.join() === added.join()));
    assert.deepEqual(summarize(after), [...before, added].sort(compareFindings));
    // Revert (not undo: undo acts on the focused editor, and focus is not guaranteed headless).
    await vscode.commands.executeCommand('workbench.action.files.revert');
    assert.equal(document.isDirty, false, 'the edit was reverted');
    const reverted = await waitForDiagnostics(document.uri, (d) => summarize(d).every((f) => f[0] !== pilLine));
    assert.deepEqual(summarize(reverted), before);
  });

  test('the -r include is a link to the included file', async () => {
    const editor = await openInEditor('requirements.txt');
    const links = (await vscode.commands.executeCommand<vscode.DocumentLink[]>('vscode.executeLinkProvider', editor.document.uri)) ?? [];
    const targets = links.map((l) => l.target?.toString());
    assert.ok(targets.includes(workspaceUri('requirements/dev.txt').toString()), `links: ${targets.join(', ')}`);
  });

  test('a pip-tools input by any name (dev.in) is checked, as README says', async () => {
    const uri = workspaceUri('tools/dev.in');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode('pepy\n'));
    try {
      const document = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(document, { preview: false });
      const diagnostics = await waitForDiagnostics(uri, (d) => d.length > 0);
      assert.deepEqual(diagnostics.map(codeOf), ['archived']);
    } finally {
      await closeAllEditors();
      await vscode.workspace.fs.delete(vscode.Uri.joinPath(uri, '..'), { recursive: true }).then(undefined, () => undefined);
    }
  });

  test('answers are kept in the cache directory from the settings', () => {
    // pypiStatus.cache.directory is machine-scoped: run.ts puts it in the user (desktop) or
    // remote machine (code-server) settings, a fresh directory per run.
    const directory = vscode.workspace.getConfiguration('pypiStatus').get<string | null>('cache.directory');
    assert.ok(directory, 'cache.directory is set for the tests');
    assert.ok(readdirSync(directory, { recursive: true }).length > 0, `${directory} is empty`);
  });
});
