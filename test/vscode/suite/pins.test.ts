/**
 * Exact pins in VS Code: the quick fix that moves a yanked pin to a release that is not yanked,
 * and the hover of a pin whose files carry PEP 740 attestations, which names the Trusted
 * Publisher once the provenance, fetched when the hover is first shown, has arrived (the local
 * index serves cryptography's; test/support/index-catalog.ts). Every test leaves the files as
 * it found them.
 */
import * as assert from 'node:assert/strict';
import { suite, suiteSetup, suiteTeardown, teardown, test } from 'mocha';
import * as vscode from 'vscode';
import {
  activeExtension,
  closeAllEditors,
  codeOf,
  hoverText,
  nextDiagnostics,
  openInEditor,
  positionOf,
  quickFixes,
  revert,
  summarize,
  unescapeMarkdown,
  waitForDiagnostics,
} from './helpers.js';

suite('Pins', () => {
  suiteSetup(async () => {
    await activeExtension();
  });
  teardown(async () => {
    for (const document of vscode.workspace.textDocuments) if (document.isDirty) await revert(document);
  });
  suiteTeardown(closeAllEditors);

  test('a yanked exact pin: "Change the pin to X" (preferred) changes only the version, and the finding goes', async () => {
    const { document } = await openInEditor('requirements/dev.txt');
    const original = document.getText();
    const isBlack = (d: vscode.Diagnostic) => codeOf(d) === 'yanked' && document.getText(d.range) === 'black';
    const before = await waitForDiagnostics(document.uri, (d) => d.some(isBlack) && d.length >= 2);
    const actions = await quickFixes(document.uri, before.find(isBlack)!.range);
    const change = actions.find((a) => a.isPreferred);
    assert.ok(change, `actions: ${actions.map((a) => a.title).join(' | ')}`);
    // The local index has two releases of black: 21.11b0 (yanked) and 19.10b0.
    assert.equal(change.title, 'Change the pin to 19.10b0 (no later release qualifies; the nearest earlier one)');
    assert.ok(change.edit, 'the fix is an edit');
    assert.deepEqual(
      change.edit.entries().map(([uri]) => uri.toString()),
      [document.uri.toString()],
      'it edits this file only',
    );

    assert.ok(await vscode.workspace.applyEdit(change.edit));
    assert.equal(document.getText(), original.replace('black==21.11b0', 'black==19.10b0'));
    const after = await waitForDiagnostics(document.uri, (d) => !d.some((x) => codeOf(x) === 'yanked'));
    assert.deepEqual(summarize(after), summarize(before.filter((d) => !isBlack(d))), 'the other findings stay');

    await revert(document);
    assert.equal(document.getText(), original);
    assert.deepEqual(summarize(await waitForDiagnostics(document.uri, (d) => d.some(isBlack))), summarize(before));
  });

  test('the hover of a pin with attested files names the Trusted Publisher once the provenance has been fetched', async () => {
    const editor = await openInEditor('requirements.txt');
    const { document } = editor;
    await waitForDiagnostics(document.uri, (d) => d.length >= 2);
    // Pinned (unsaved): the provenance is that of the pinned release's files.
    const line = document.getText().split('\n').indexOf('cryptography>=41.0');
    assert.ok(line >= 0, 'requirements.txt names cryptography>=41.0');
    const republished = nextDiagnostics(document.uri, () => true);
    assert.ok(await editor.edit((b) => b.replace(new vscode.Range(line, 0, line, 'cryptography>=41.0'.length), 'cryptography==43.0.3')));
    await republished;

    const position = positionOf(document, 'cryptography');
    const first = unescapeMarkdown(await hoverText(document.uri, position));
    assert.match(first, /\*\*cryptography\*\* `==43.0.3`/);
    // The first hover asks for the provenance (opening the file did not) and waits for it only briefly.
    assert.match(first, /Published from|being fetched from the index/, first);
    let text = first;
    for (const deadline = Date.now() + 15_000; !/Published from/.test(text) && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      text = unescapeMarkdown(await hoverText(document.uri, position));
    }
    assert.match(text, /27 of 27 files attested/, text);
    assert.match(text, /Published from GitHub: pyca\/cryptography/, text);
    assert.match(text, /workflow pypi-publish.yml, environment publish/, text);
  });
});
