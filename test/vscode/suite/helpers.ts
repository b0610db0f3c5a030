/**
 * What the extension tests share: the fixture workspace, opening documents, waiting for
 * the language server's diagnostics, reading hovers the way VS Code renders them and the
 * quick fixes VS Code collects, reverting edits, and files read without opening them.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

/** `${publisher}.${name}` from package.json; run.ts defines it when it bundles the suite. */
declare const PYPI_STATUS_EXTENSION_ID: string;
export const EXTENSION_ID = PYPI_STATUS_EXTENSION_ID;

export const SOURCE = 'pypi-status';

export function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the tests run with the fixture workspace open');
  return folder.uri;
}

export function workspaceUri(relative: string): vscode.Uri {
  return vscode.Uri.joinPath(workspaceRoot(), ...relative.split('/'));
}

/** Activates the extension (as opening a matching file would) and returns it. */
export async function activeExtension(): Promise<vscode.Extension<unknown>> {
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(extension, `extension ${EXTENSION_ID} is not loaded`);
  await extension.activate();
  return extension;
}

/** Opens a workspace file in an editor, as a user would. */
export async function openInEditor(relative: string): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument(workspaceUri(relative));
  return vscode.window.showTextDocument(document, { preview: false });
}

export async function closeAllEditors(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

/** The diagnostic code as a string, whether or not the server sent a code description. */
export function codeOf(d: vscode.Diagnostic): string {
  return typeof d.code === 'object' && d.code !== null ? String(d.code.value) : String(d.code);
}

export function ours(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === SOURCE);
}

/** Waits until this extension's diagnostics for `uri` satisfy `predicate`, then returns them. */
export async function waitForDiagnostics(
  uri: vscode.Uri,
  predicate: (diagnostics: vscode.Diagnostic[]) => boolean,
  timeoutMs = 30_000,
): Promise<vscode.Diagnostic[]> {
  const current = ours(uri);
  if (predicate(current)) return current;
  return nextDiagnostics(uri, predicate, timeoutMs);
}

/**
 * Like waitForDiagnostics, but only a change published from now on counts: call it before
 * the action whose effect it waits for (a command, a restart).
 */
export function nextDiagnostics(uri: vscode.Uri, predicate: (diagnostics: vscode.Diagnostic[]) => boolean, timeoutMs = 30_000): Promise<vscode.Diagnostic[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      listener.dispose();
      reject(new Error(`diagnostics for ${uri.toString()} did not arrive within ${timeoutMs} ms; last: ${JSON.stringify(summarize(ours(uri)))}`));
    }, timeoutMs);
    const listener = vscode.languages.onDidChangeDiagnostics((e) => {
      if (!e.uris.some((u) => u.toString() === uri.toString())) return;
      const diagnostics = ours(uri);
      if (!predicate(diagnostics)) return;
      clearTimeout(timer);
      listener.dispose();
      resolve(diagnostics);
    });
  });
}

export type Severity = 'error' | 'warning' | 'information' | 'hint';
const SEVERITY_NAMES: Record<vscode.DiagnosticSeverity, Severity> = {
  [vscode.DiagnosticSeverity.Error]: 'error',
  [vscode.DiagnosticSeverity.Warning]: 'warning',
  [vscode.DiagnosticSeverity.Information]: 'information',
  [vscode.DiagnosticSeverity.Hint]: 'hint',
};

/** [line, first character, end character, code, severity]: one finding, comparable with deepEqual. */
export type Finding = [number, number, number, string, Severity];

export function summarize(diagnostics: readonly vscode.Diagnostic[]): Finding[] {
  return diagnostics
    .map((d): Finding => [d.range.start.line, d.range.start.character, d.range.end.character, codeOf(d), SEVERITY_NAMES[d.severity]])
    .sort(compareFindings);
}

export function compareFindings(a: Finding, b: Finding): number {
  return a[0] - b[0] || a[1] - b[1] || a[3].localeCompare(b[3]);
}

/**
 * The expected finding on `name` in the first line of `document` that contains `lineMarker`
 * (the name itself by default): ranges are computed from the fixture text, not written by hand.
 */
export function findingAt(document: vscode.TextDocument, name: string, code: string, severity: Severity, lineMarker = name): Finding {
  return findingIn(document.getText(), name, code, severity, lineMarker, document.uri.path);
}

/** findingAt for a text (a file read from disk, which must not be opened as a document). */
export function findingIn(text: string, name: string, code: string, severity: Severity, lineMarker = name, what = 'the text'): Finding {
  const lines = text.split(/\r?\n/);
  const line = lines.findIndex((l) => l.includes(lineMarker));
  assert.ok(line >= 0, `${what} has no line with ${lineMarker}`);
  const start = lines[line]!.indexOf(name, lines[line]!.indexOf(lineMarker));
  return [line, start, start + name.length, code, severity];
}

/** A position inside `name` on the first line that contains `lineMarker`. */
export function positionOf(document: vscode.TextDocument, name: string, lineMarker = name): vscode.Position {
  const [line, start] = findingAt(document, name, '', 'hint', lineMarker);
  return new vscode.Position(line, start + 1);
}

/** The Markdown of every hover VS Code would show at `position` (all providers), joined. */
export async function hoverText(uri: vscode.Uri, position: vscode.Position): Promise<string> {
  const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, position)) ?? [];
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : c.value))
    .join('\n---\n');
}

/** Markdown escapes punctuation (`2\.1\.1`, `by\:`); tests compare the text a reader sees. Any ASCII punctuation may be escaped (CommonMark). */
export function unescapeMarkdown(markdown: string): string {
  return markdown.replace(/\\([!-/:-@[-`{-~])/g, '$1');
}

/** The text of a workspace file on disk, read without opening it as a document (the language server would hear of that). */
export async function readWorkspaceFile(relative: string): Promise<string> {
  return new TextDecoder().decode(await vscode.workspace.fs.readFile(workspaceUri(relative)));
}

/** Quick fixes VS Code collects from every provider for `range` (the diagnostics there are in their context). */
export async function quickFixes(uri: vscode.Uri, range: vscode.Range): Promise<vscode.CodeAction[]> {
  const actions =
    (await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>(
      'vscode.executeCodeActionProvider',
      uri,
      range,
      vscode.CodeActionKind.QuickFix.value,
    )) ?? [];
  return actions.filter((a): a is vscode.CodeAction => !('command' in a && typeof a.command === 'string'));
}

/**
 * Reverts a document to the file on disk, through the active editor (the revert command acts
 * on it): undo would depend on the focus, which a headless window does not guarantee.
 */
export async function revert(document: vscode.TextDocument): Promise<void> {
  if (!document.isDirty) return;
  await vscode.window.showTextDocument(document, { preview: false });
  await vscode.commands.executeCommand('workbench.action.files.revert');
  assert.equal(document.isDirty, false, `${document.uri.path} was reverted`);
}

/** Waits until `predicate` holds, checking after each configuration change. */
export async function waitForConfiguration(predicate: () => boolean, description: string, timeoutMs = 10_000): Promise<void> {
  if (predicate()) return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      listener.dispose();
      reject(new Error(`configuration: ${description} did not happen within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = vscode.workspace.onDidChangeConfiguration(() => {
      if (!predicate()) return;
      clearTimeout(timer);
      listener.dispose();
      resolve();
    });
  });
}
