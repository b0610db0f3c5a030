/** Quick fixes that move a pin: off a yanked or missing release, past a vulnerable one; and all of a file's at once. */
import { CodeActionKind, type CodeAction, type Diagnostic } from 'vscode-languageserver';
import type { PinFix } from '../core/pinFixes.js';

export interface PinFixInput {
  uri: string;
  /** The fixes of the dependency the request is about, the most useful first. */
  fixes: readonly PinFix[];
  /** Our diagnostics on that dependency (from the request's context). */
  diagnostics: readonly Diagnostic[];
  /** Whether another action (a replacement) is already the preferred one. */
  preferredTaken: boolean;
  /** The first fix of every dependency of the file that has one. */
  fileFixes: readonly PinFix[];
}

export function pinFixActions(input: PinFixInput): CodeAction[] {
  const actions: CodeAction[] = input.fixes.map((fix, i) => {
    const action: CodeAction = { title: fix.title, kind: CodeActionKind.QuickFix, edit: { changes: { [input.uri]: fix.edits } } };
    if (i === 0 && !input.preferredTaken) action.isPreferred = true;
    const fixed = input.diagnostics.filter((d) => d.code === fix.code);
    if (fixed.length > 0) action.diagnostics = fixed;
    return action;
  });
  // One edit for the whole file, offered where it does more than the single fix.
  if (input.fileFixes.length > 1 && input.fixes.length > 0) {
    actions.push({
      // As each fix's own title does: an edit that drops hashes says so.
      title: `Apply all pin fixes in this file (${input.fileFixes.length} pins)${input.fileFixes.some((f) => f.dropsHashes) ? '; their --hash options are removed, regenerate them' : ''}`,
      kind: CodeActionKind.QuickFix,
      edit: { changes: { [input.uri]: input.fileFixes.flatMap((f) => f.edits) } },
    });
  }
  return actions;
}
