/**
 * The hover card as VS Code collects it from every provider (vscode.executeHoverProvider).
 */
import * as assert from 'node:assert/strict';
import { suite, suiteSetup, suiteTeardown, test } from 'mocha';
import { activeExtension, closeAllEditors, hoverText, openInEditor, positionOf, unescapeMarkdown, waitForDiagnostics } from './helpers.js';

suite('Hovers', () => {
  suiteSetup(async () => {
    await activeExtension();
  });
  suiteTeardown(closeAllEditors);

  test('an archived pin: status, latest and pinned versions', async () => {
    const { document } = await openInEditor('requirements.txt');
    const text = unescapeMarkdown(await hoverText(document.uri, positionOf(document, 'pepy', 'pepy==')));
    assert.match(text, /\*\*pepy\*\* `==2.1.1`/);
    assert.match(text, /Status: \*\*archived\*\*/);
    assert.match(text, /Latest: 2.1.1 \(released 2022-11-14\)/);
    assert.match(text, /Pinned: 2.1.1/);
  });

  test('a quarantined project: status and the reason the index gives', async () => {
    const { document } = await openInEditor('requirements.txt');
    const text = unescapeMarkdown(await hoverText(document.uri, positionOf(document, 'aiocpa')));
    assert.match(text, /\*\*aiocpa\*\*/);
    assert.match(text, /Status: \*\*quarantined\*\*/);
    assert.match(text, /Malware found in releases 0.1.13 and 0.1.14/);
  });

  test('a yanked pin in a nested requirements file', async () => {
    const { document } = await openInEditor('requirements/dev.txt');
    const text = unescapeMarkdown(await hoverText(document.uri, positionOf(document, 'black')));
    assert.match(text, /\*\*black\*\* `==21.11b0`/);
    assert.match(text, /yanked/i);
    assert.match(text, /Broken regex dependency/);
  });

  test('a dependency in pyproject.toml', async () => {
    const { document } = await openInEditor('pyproject.toml');
    const text = unescapeMarkdown(await hoverText(document.uri, positionOf(document, 'deprecated-project')));
    assert.match(text, /\*\*deprecated-project\*\*/);
    assert.match(text, /Status: \*\*deprecated\*\*/);
  });

  test('an active project has a card without a status warning; a comment has none', async () => {
    const { document } = await openInEditor('requirements.txt');
    await waitForDiagnostics(document.uri, (d) => d.length >= 2);
    const six = unescapeMarkdown(await hoverText(document.uri, positionOf(document, 'six')));
    assert.match(six, /\*\*six\*\*/);
    assert.doesNotMatch(six, /archived|quarantined|deprecated|yanked/);
    assert.equal(await hoverText(document.uri, positionOf(document, 'Runtime')), '', 'no hover on a comment');
  });
});
