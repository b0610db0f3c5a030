/**
 * With pypiStatus.indexUrl unset, a uv project's own [[tool.uv.index]] decides where its pinned
 * dependency is looked up: a second local index (run.ts) is the only one that knows team-only-lib.
 * The suite unsets the workspace's indexUrl and writes the project, then restores both, so that the
 * suites after it see the workspace as it was.
 */
import * as assert from 'node:assert/strict';
import { suite, suiteSetup, suiteTeardown, test } from 'mocha';
import * as vscode from 'vscode';
import {
  activeExtension,
  closeAllEditors,
  codeOf,
  hoverText,
  openInEditor,
  positionOf,
  unescapeMarkdown,
  waitForConfiguration,
  waitForDiagnostics,
  workspaceUri,
} from './helpers.js';

const FOLDER = 'team-project';
const indexUrl = () => vscode.workspace.getConfiguration('pypiStatus').inspect<string>('indexUrl')?.workspaceValue;

suite('Index configuration without pypiStatus.indexUrl', () => {
  let saved: string | undefined;

  suiteSetup(async () => {
    await activeExtension();
    await closeAllEditors();
    const team = process.env.PYPI_STATUS_TEST_TEAM_INDEX;
    assert.ok(team, 'run.ts starts the second index and names it in PYPI_STATUS_TEST_TEAM_INDEX');
    const pyproject = [
      '[project]\nname = "team-app"\nversion = "1"\ndependencies = ["team-only-lib"]\n',
      `[[tool.uv.index]]\nname = "team"\nurl = "${team}"\nexplicit = true\n`,
      '[tool.uv.sources]\nteam-only-lib = { index = "team" }\n',
    ].join('\n');
    await vscode.workspace.fs.writeFile(workspaceUri(`${FOLDER}/pyproject.toml`), new TextEncoder().encode(pyproject));
    saved = indexUrl();
    assert.ok(saved, 'the fixture workspace sets pypiStatus.indexUrl');
    await vscode.workspace.getConfiguration('pypiStatus').update('indexUrl', undefined, vscode.ConfigurationTarget.Workspace);
    await waitForConfiguration(() => indexUrl() === undefined, 'pypiStatus.indexUrl unset');
  });

  suiteTeardown(async () => {
    await closeAllEditors();
    await vscode.workspace.getConfiguration('pypiStatus').update('indexUrl', saved, vscode.ConfigurationTarget.Workspace);
    await waitForConfiguration(() => indexUrl() === saved, 'pypiStatus.indexUrl restored');
    await vscode.workspace.fs.delete(workspaceUri(FOLDER), { recursive: true });
  });

  test("a uv project's explicit index answers for the dependency its sources pin there, and the hover names it", async () => {
    const { document } = await openInEditor(`${FOLDER}/pyproject.toml`);
    const diagnostics = await waitForDiagnostics(document.uri, (d) => d.some((x) => codeOf(x) === 'archived'));
    assert.deepEqual(diagnostics.map(codeOf), ['archived']);
    const text = unescapeMarkdown(await hoverText(document.uri, positionOf(document, 'team-only-lib', '"team-only-lib"]')));
    assert.match(text, /Status: \*\*archived\*\*/);
    assert.match(text, /Looked up on `team`/);
  });
});
