/**
 * Quick fixes as VS Code collects them (vscode.executeCodeActionProvider) on a finding's
 * range, and what applying them does: the WorkspaceEdit of a replacement, the inline ignore
 * comment, and the client command that adds a name to the workspace's pypiStatus.ignore.
 * run.ts makes the local index know the replacements (test/vscode/workspace.ts): newproject,
 * named in haunted-project's status reason, and pillow, the curated alternative to pil.
 * Every test leaves the files and the settings as it found them.
 */
import * as assert from 'node:assert/strict';
import { suite, suiteSetup, suiteTeardown, teardown, test } from 'mocha';
import * as vscode from 'vscode';
import { activeExtension, closeAllEditors, codeOf, openInEditor, quickFixes, revert, summarize, waitForConfiguration, waitForDiagnostics } from './helpers.js';

/** The diagnostic `code` on the dependency whose name is `name` (as written in the file). */
function on(document: vscode.TextDocument, name: string, code: string): (d: vscode.Diagnostic) => boolean {
  return (d) => codeOf(d) === code && document.getText(d.range) === name;
}

function workspaceIgnore(): string[] | undefined {
  return vscode.workspace.getConfiguration('pypiStatus').inspect<string[]>('ignore')?.workspaceValue;
}

/** The actions' titles and which ones are preferred, in the order VS Code shows them. */
function described(actions: readonly vscode.CodeAction[]): string[] {
  return actions.map((a) => `${a.isPreferred ? '[preferred] ' : ''}${a.title}`);
}

/** The "Ignore X in this workspace" action on the finding `code` on `name` in `document`. */
/** What VS Code does when an action with a command is picked. */
function runAction(command: vscode.Command): Thenable<unknown> {
  const args: unknown[] = command.arguments ?? [];
  return vscode.commands.executeCommand(command.command, ...args);
}

async function ignoreInWorkspaceAction(document: vscode.TextDocument, name: string, code: string): Promise<vscode.CodeAction> {
  const diagnostics = await waitForDiagnostics(document.uri, (d) => d.some(on(document, name, code)));
  const actions = await quickFixes(document.uri, diagnostics.find(on(document, name, code))!.range);
  const action = actions.find((a) => a.title === `Ignore ${name} in this workspace (pypiStatus.ignore)`);
  assert.ok(action, `actions: ${described(actions).join(' | ')}`);
  return action;
}

suite('Quick fixes', () => {
  suiteSetup(async () => {
    await activeExtension();
  });

  // Whatever a test did or where it failed: the files as on disk, the workspace setting unset.
  teardown(async () => {
    for (const document of vscode.workspace.textDocuments) if (document.isDirty) await revert(document);
    if (workspaceIgnore() !== undefined) {
      await vscode.workspace.getConfiguration('pypiStatus').update('ignore', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
  suiteTeardown(closeAllEditors);

  test('an archived project whose status reason names its successor: replace it (preferred), or ignore it', async () => {
    const { document } = await openInEditor('requirements/dev.txt');
    const original = document.getText();
    const isHaunted = on(document, 'haunted.project', 'archived');
    const before = await waitForDiagnostics(document.uri, (d) => d.some(isHaunted) && d.length >= 2);
    const diagnostic = before.find(isHaunted)!;

    const actions = await quickFixes(document.uri, diagnostic.range);
    assert.deepEqual(described(actions), [
      '[preferred] Replace haunted.project with newproject (named on the index)',
      'Ignore haunted.project on this line',
      'Ignore haunted.project in this workspace (pypiStatus.ignore)',
    ]);
    // (vscode.executeCodeActionProvider does not hand back the actions' diagnostics.)
    for (const action of actions) assert.equal(action.kind?.value, vscode.CodeActionKind.QuickFix.value, action.title);
    // The setting holds the normalized name (PEP 503), whatever the spelling in the file.
    assert.deepEqual(actions[2]!.command?.arguments, ['haunted-project']);

    // The name and its version specifier go (they belong to the old project).
    const preferred = actions.find((a) => a.isPreferred)!;
    assert.ok(preferred.edit, 'the replacement is an edit');
    assert.deepEqual(
      preferred.edit.entries().map(([uri]) => uri.toString()),
      [document.uri.toString()],
      'it edits this file only',
    );
    assert.ok(await vscode.workspace.applyEdit(preferred.edit));
    assert.equal(document.getText(), original.replace('haunted.project ~= 1.2', 'newproject'));
    // newproject is active: the finding goes, the yanked pin on another line stays.
    const after = await waitForDiagnostics(document.uri, (d) => !d.some((x) => codeOf(x) === 'archived'));
    assert.deepEqual(after.map(codeOf), ['yanked']);

    await revert(document);
    assert.equal(document.getText(), original);
    assert.deepEqual(summarize(await waitForDiagnostics(document.uri, (d) => d.some(isHaunted))), summarize(before));
  });

  test('a project named in two open files: replace it here, or in all files (curated alternative)', async () => {
    // An unsaved PIL in requirements.txt, and pil in pyproject.toml's optional dependencies.
    const requirements = (await openInEditor('requirements.txt')).document;
    const requirementsText = requirements.getText();
    const end = requirements.lineAt(requirements.lineCount - 1).range.end;
    const editor = vscode.window.activeTextEditor!;
    assert.ok(await editor.edit((b) => b.insert(end, `${requirements.lineAt(requirements.lineCount - 1).text === '' ? '' : '\n'}PIL\n`)));
    await waitForDiagnostics(requirements.uri, (d) => d.some(on(requirements, 'PIL', 'archived')));
    const pyproject = (await openInEditor('pyproject.toml')).document;
    const pyprojectText = pyproject.getText();
    const isPil = on(pyproject, 'pil', 'archived');
    const diagnostic = (await waitForDiagnostics(pyproject.uri, (d) => d.some(isPil))).find(isPil)!;

    const actions = await quickFixes(pyproject.uri, diagnostic.range);
    assert.deepEqual(described(actions), [
      '[preferred] Replace pil with pillow (from the curated list)',
      'Replace pil with pillow in all files (2 places in 2 files)',
      'Ignore pil on this line',
      'Ignore pil in this workspace (pypiStatus.ignore)',
    ]);

    // Here only: pyproject.toml changes, requirements.txt keeps its PIL.
    const here = actions.find((a) => a.isPreferred)!;
    const withPil = requirements.getText();
    assert.ok(await vscode.workspace.applyEdit(here.edit!));
    assert.equal(pyproject.getText(), pyprojectText.replace('["pil"]', '["pillow"]'));
    assert.equal(requirements.getText(), withPil);
    await revert(pyproject);

    // Everywhere: both files, in one edit.
    const everywhere = actions.find((a) => a.title.includes('in all files'))!;
    assert.deepEqual(
      everywhere
        .edit!.entries()
        .map(([uri]) => uri.toString())
        .sort(),
      [pyproject.uri.toString(), requirements.uri.toString()].sort(),
    );
    assert.ok(await vscode.workspace.applyEdit(everywhere.edit!));
    assert.equal(pyproject.getText(), pyprojectText.replace('["pil"]', '["pillow"]'));
    assert.equal(requirements.getText(), withPil.replace(/^PIL$/m, 'pillow'));
    await waitForDiagnostics(pyproject.uri, (d) => !d.some((x) => pyproject.getText(x.range) === 'pil') && d.length > 0);
    await waitForDiagnostics(requirements.uri, (d) => !d.some((x) => /^pil/i.test(requirements.getText(x.range))) && d.length > 0);

    await revert(pyproject);
    await revert(requirements);
    assert.equal(pyproject.getText(), pyprojectText);
    assert.equal(requirements.getText(), requirementsText);
    await waitForDiagnostics(pyproject.uri, (d) => d.some(isPil));
    await waitForDiagnostics(requirements.uri, (d) => d.length === 2, 10_000); // pepy and aiocpa, without PIL
  });

  test('"Ignore X on this line" appends the comment, and the finding goes', async () => {
    const { document } = await openInEditor('requirements.txt');
    const original = document.getText();
    const isPepy = on(document, 'pepy', 'archived');
    const before = await waitForDiagnostics(document.uri, (d) => d.some(isPepy) && d.length >= 2);
    const actions = await quickFixes(document.uri, before.find(isPepy)!.range);
    // pepy has no known alternative: only the two ways to silence it.
    assert.deepEqual(described(actions), ['Ignore pepy on this line', 'Ignore pepy in this workspace (pypiStatus.ignore)']);

    assert.ok(await vscode.workspace.applyEdit(actions[0]!.edit!));
    assert.equal(document.getText(), original.replace('pepy==2.1.1', 'pepy==2.1.1  # pypi-status: ignore'));
    const after = await waitForDiagnostics(document.uri, (d) => !d.some((x) => codeOf(x) === 'archived'));
    assert.deepEqual(summarize(after), summarize(before.filter((d) => !isPepy(d))), 'the other findings stay');

    await revert(document);
    assert.deepEqual(summarize(await waitForDiagnostics(document.uri, (d) => d.some(isPepy))), summarize(before));
  });

  test('"Ignore X in this workspace" runs the client command, which adds the name to the workspace setting pypiStatus.ignore', async () => {
    const { document } = await openInEditor('requirements.txt');
    const ignore = await ignoreInWorkspaceAction(document, 'aiocpa', 'quarantined');
    assert.equal(ignore.edit, undefined, 'it edits no file');
    assert.ok(ignore.command, 'it runs a command');
    assert.equal(ignore.command.command, 'pypiStatus.addToIgnore');
    assert.equal(workspaceIgnore(), undefined, 'the workspace ignores nothing yet');

    // What VS Code does when the action is picked.
    await runAction(ignore.command);
    await waitForConfiguration(() => workspaceIgnore()?.includes('aiocpa') === true, 'aiocpa in the workspace pypiStatus.ignore');
    assert.deepEqual(workspaceIgnore(), ['aiocpa']);
    assert.deepEqual(vscode.workspace.getConfiguration('pypiStatus').get('ignore'), ['aiocpa']);
    // Picked again (from another file naming it): no duplicate.
    await runAction(ignore.command);
    assert.deepEqual(workspaceIgnore(), ['aiocpa']);
  });

  test('once "Ignore X in this workspace" has added the name to pypiStatus.ignore, the open files lose its findings', async () => {
    const { document } = await openInEditor('requirements.txt');
    const before = summarize(await waitForDiagnostics(document.uri, (d) => d.length >= 2));
    const ignore = await ignoreInWorkspaceAction(document, 'aiocpa', 'quarantined');
    await runAction(ignore.command!);
    await waitForConfiguration(() => workspaceIgnore()?.includes('aiocpa') === true, 'aiocpa in the workspace pypiStatus.ignore');
    // The server hears of the new setting (workspace/didChangeConfiguration) and checks the open files again.
    try {
      const after = await waitForDiagnostics(document.uri, (d) => !d.some((x) => codeOf(x) === 'quarantined'), 10_000);
      assert.deepEqual(
        summarize(after),
        before.filter((f) => f[3] !== 'quarantined'),
      );
    } catch (e) {
      throw new Error(
        `pypiStatus.ignore is ["aiocpa"] in the workspace settings, but the server did not check the open file again without it: ${(e as Error).message}`,
        {
          cause: e,
        },
      );
    }
    // Unset: the finding comes back.
    await vscode.workspace.getConfiguration('pypiStatus').update('ignore', undefined, vscode.ConfigurationTarget.Workspace);
    assert.deepEqual(summarize(await waitForDiagnostics(document.uri, (d) => d.some((x) => codeOf(x) === 'quarantined'), 10_000)), before);
  });
});
