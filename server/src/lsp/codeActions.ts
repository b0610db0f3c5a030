/** Quick fixes: replace a flagged dependency with an alternative, or silence it. */
import { CodeActionKind, type CodeAction, type Diagnostic, type TextEdit, type WorkspaceEdit } from 'vscode-languageserver';
import { replacementTitle, type Alternative } from '../core/alternatives.js';
import { ignoreCommentEdit, replacementEdits } from '../core/edits.js';
import type { Dependency } from '../core/types.js';
import { ADD_TO_IGNORE_COMMAND } from '../protocol.js';

export interface DependencyInFile {
  uri: string;
  dependency: Dependency;
}

export interface ActionInput {
  uri: string;
  dependency: Dependency;
  /** Our diagnostics on this dependency (from the request's context). */
  diagnostics: Diagnostic[];
  /** Whether a replacement is a fix here: a replaceable finding, or a request from the user on the name. */
  replaceable: boolean;
  alternatives: Alternative[];
  /** Every place in the workspace (this one included) that names the same project. */
  everywhere: DependencyInFile[];
  clientCanIgnoreInSettings: boolean;
}

export function codeActions(input: ActionInput): CodeAction[] {
  const { uri, dependency: dep, diagnostics } = input;
  const actions: CodeAction[] = [];
  const withDiagnostics = (action: CodeAction): CodeAction => (diagnostics.length > 0 ? { ...action, diagnostics } : action);
  if (input.replaceable) {
    input.alternatives.forEach((alt, i) => {
      actions.push(
        withDiagnostics({
          title: replacementTitle(dep, alt),
          kind: CodeActionKind.QuickFix,
          isPreferred: i === 0,
          edit: { changes: { [uri]: replacementEdits(dep, alt.name) } },
        }),
      );
      const files = new Set(input.everywhere.map((d) => d.uri));
      if (files.size > 1) {
        const changes: WorkspaceEdit['changes'] = {};
        for (const place of input.everywhere) {
          (changes[place.uri] ??= []).push(...(replacementEdits(place.dependency, alt.name) as TextEdit[]));
        }
        actions.push(
          withDiagnostics({
            title: `Replace ${dep.name} with ${alt.name} in all files (${input.everywhere.length} places in ${files.size} files)`,
            kind: CodeActionKind.QuickFix,
            edit: { changes },
          }),
        );
      }
    });
  }
  if (diagnostics.length > 0) {
    const comment = ignoreCommentEdit(dep);
    if (comment) {
      actions.push(withDiagnostics({ title: `Ignore ${dep.name} on this line`, kind: CodeActionKind.QuickFix, edit: { changes: { [uri]: [comment] } } }));
    }
    if (input.clientCanIgnoreInSettings) {
      actions.push(
        withDiagnostics({
          title: `Ignore ${dep.name} in this workspace (pypiStatus.ignore)`,
          kind: CodeActionKind.QuickFix,
          command: { title: 'Ignore in workspace settings', command: ADD_TO_IGNORE_COMMAND, arguments: [dep.normalizedName] },
        }),
      );
    }
  }
  return actions;
}
