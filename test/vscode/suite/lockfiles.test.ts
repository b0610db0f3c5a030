/**
 * Lock files in VS Code: the fixture's locked/ holds a pyproject.toml whose only direct
 * dependency, six, pulls in pepy (archived) according to the uv.lock beside it. The manifest's
 * six carries a `transitive` finding with the chain, its hover lists what it pulls in, and the
 * lock's pepy entry carries its own finding on the name.
 */
import * as assert from 'node:assert/strict';
import { suite, suiteSetup, suiteTeardown, test } from 'mocha';
import * as vscode from 'vscode';
import {
  activeExtension,
  closeAllEditors,
  codeOf,
  findingAt,
  hoverText,
  openInEditor,
  positionOf,
  readWorkspaceFile,
  summarize,
  unescapeMarkdown,
  waitForDiagnostics,
} from './helpers.js';

const MANIFEST = 'locked/pyproject.toml';
const LOCK = 'locked/uv.lock';

suite('Lock files', () => {
  suiteSetup(async () => {
    await activeExtension();
  });
  suiteTeardown(closeAllEditors);

  test('the manifest: the direct dependency that pulls in an archived package is flagged transitive, with the chain', async () => {
    const { document } = await openInEditor(MANIFEST);
    const diagnostics = await waitForDiagnostics(document.uri, (d) => d.some((x) => codeOf(x) === 'transitive'));
    // Archived beneath: a warning (transitive is at most as severe as the worst package it pulls in).
    assert.deepEqual(summarize(diagnostics), [findingAt(document, 'six', 'transitive', 'warning', '"six"')]);
    assert.equal(diagnostics[0]!.message, 'six pulls in pepy (archived) via six → pepy (uv.lock)');
    // The related information leads to the lock's entry.
    const related = diagnostics[0]!.relatedInformation ?? [];
    assert.deepEqual(
      related.map((r) => [vscode.workspace.asRelativePath(r.location.uri), r.location.range.start.line]),
      [[LOCK, (await readWorkspaceFile(LOCK)).split('\n').indexOf('name = "pepy"')]],
    );
  });

  test('the manifest: the hover of the direct dependency lists the flagged package it pulls in, with its chain', async () => {
    const { document } = await openInEditor(MANIFEST);
    await waitForDiagnostics(document.uri, (d) => d.some((x) => codeOf(x) === 'transitive'));
    const text = unescapeMarkdown(await hoverText(document.uri, positionOf(document, 'six', '"six"')));
    assert.match(text, /\*\*six\*\*/);
    assert.match(text, /Pulls in, per uv.lock:\n- pepy 2.1.1 \(archived\): six → pepy/, text);
  });

  test('the lock: the archived package has its own finding on its name, with the chain', async () => {
    const { document } = await openInEditor(LOCK);
    const diagnostics = await waitForDiagnostics(document.uri, (d) => d.some((x) => codeOf(x) === 'archived'));
    assert.deepEqual(summarize(diagnostics), [findingAt(document, 'pepy', 'archived', 'warning', 'name = "pepy"')]);
    assert.match(diagnostics[0]!.message, /^pepy is archived: .*\(pulled in by: six → pepy\)$/);
    // The clean packages (six, the project itself) say nothing.
    const text = unescapeMarkdown(await hoverText(document.uri, positionOf(document, 'pepy', 'name = "pepy"')));
    assert.match(text, /Status: \*\*archived\*\*/);
    assert.match(text, /Pulled in by: six → pepy/);
  });
});
