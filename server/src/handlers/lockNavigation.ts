/**
 * "Go to the direct dependency": from a package in a lock file to the manifest line that pulls it
 * in. The code action names a server command, which asks the client to show that line
 * (window/showDocument), so that it works in any editor that supports showDocument.
 */
import type { CodeAction, Connection } from 'vscode-languageserver/node';
import { CodeActionKind } from 'vscode-languageserver/node';
import * as path from 'node:path';
import { lockOf } from '../core/analyze.js';
import { lockPlace } from '../core/lockFindings.js';
import type { Dependency } from '../core/types.js';
import { pathToUri } from '../paths.js';
import { SHOW_DIRECT_DEPENDENCY_COMMAND, type ProtocolRange } from '../protocol.js';
import type { DocumentState } from '../session/documents.js';
import type { Session } from '../session/session.js';
import { joinOpenLock } from './lockContext.js';

/** The action for a locked package some direct dependency pulls in, or none (not a lock entry, no manifest line, a client that cannot show documents). */
export async function directDependencyAction(
  session: Session,
  state: DocumentState,
  file: string | undefined,
  dep: Dependency,
): Promise<CodeAction | undefined> {
  if (file === undefined || dep.lockPackage === undefined || !session.capabilities.showDocument || !session.settings.lockFiles || !lockOf(state.parsed))
    return undefined;
  if (!state.parsed.lock) await (state.lockJoined ??= joinOpenLock(session, file, state));
  const view = state.parsed.lock;
  const declared = view && lockPlace(view, dep)?.declared;
  if (!declared) return undefined;
  const title = `Go to ${declared.name}, the direct dependency in ${path.basename(declared.file)}`;
  const range: ProtocolRange = declared.range;
  return { title, kind: CodeActionKind.QuickFix, command: { title, command: SHOW_DIRECT_DEPENDENCY_COMMAND, arguments: [pathToUri(declared.file), range] } };
}

/** The command's arguments, checked: a URI and a range. */
function target(args: unknown[] | undefined): { uri: string; range: ProtocolRange } | undefined {
  const [uri, range] = args ?? [];
  const isPosition = (p: unknown) =>
    typeof p === 'object' && p !== null && typeof (p as { line?: unknown }).line === 'number' && typeof (p as { character?: unknown }).character === 'number';
  if (typeof uri !== 'string' || typeof range !== 'object' || range === null) return undefined;
  const { start, end } = range as { start?: unknown; end?: unknown };
  return isPosition(start) && isPosition(end) ? { uri, range: range as ProtocolRange } : undefined;
}

/** Runs the command: whether the client showed the line. */
export async function showDirectDependency(connection: Connection, session: Session, args: unknown[] | undefined): Promise<boolean> {
  const at = target(args);
  if (!at) {
    session.warn(`${SHOW_DIRECT_DEPENDENCY_COMMAND}: expected a URI and a range, got ${JSON.stringify(args)}`);
    return false;
  }
  const shown = await connection.window.showDocument({ uri: at.uri, selection: at.range, takeFocus: true }).catch(() => ({ success: false }));
  return shown.success;
}
