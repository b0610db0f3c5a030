/**
 * The dependencies of each open document that the server could not check (index down, credentials
 * missing). A network fault is never a diagnostic, so they come in their own notification, kept here
 * per URI for the status bar and the report view.
 */
import * as vscode from 'vscode';
import type { UncheckedDependency, UncheckedParams } from '../../server/src/protocol.js';

export interface UncheckedUse extends UncheckedDependency {
  uri: vscode.Uri;
}

export class UncheckedDependencies implements vscode.Disposable {
  private readonly byUri = new Map<string, UncheckedUse[]>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  // A closed document's list goes with it (its diagnostics go too).
  private readonly closing = vscode.workspace.onDidCloseTextDocument((doc) => this.forget(doc.uri.toString()));

  update(params: UncheckedParams): void {
    const uri = vscode.Uri.parse(params.uri);
    const list = params.unchecked.map((u) => ({ ...u, uri }));
    if (list.length === 0 && !this.byUri.has(uri.toString())) return;
    if (list.length === 0) this.byUri.delete(uri.toString());
    else this.byUri.set(uri.toString(), list);
    this.changed.fire();
  }

  all(): UncheckedUse[] {
    return [...this.byUri.values()].flat();
  }

  /** At a server restart: what the old one said no longer holds. */
  clear(): void {
    this.byUri.clear();
    this.changed.fire();
  }

  private forget(uri: string): void {
    if (this.byUri.delete(uri)) this.changed.fire();
  }

  dispose(): void {
    this.closing.dispose();
    this.changed.dispose();
  }
}
