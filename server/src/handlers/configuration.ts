/** workspace/didChangeConfiguration and the client's trust notification: both re-check everything that depends on them. */
import type { Connection } from 'vscode-languageserver/node';
import { TRUST_NOTIFICATION } from '../protocol.js';
import type { Session } from '../session/session.js';
import type { WorkspaceScans } from './workspaceScans.js';

export function registerConfiguration(connection: Connection, session: Session, scans: WorkspaceScans): void {
  connection.onDidChangeConfiguration(async (change) => {
    if (!session.capabilities.configurationPull) {
      // The settings pushed are the whole section: a setting removed there is removed here.
      const raw = (change.settings as { pypiStatus?: unknown } | null)?.pypiStatus;
      if (typeof raw === 'object' && raw !== null) session.configuration.initOptions = raw;
    }
    if (await session.configuration.loadSettings()) scans.recheckAll();
  });

  connection.onNotification(TRUST_NOTIFICATION, () => {
    if (session.capabilities.trusted) return;
    session.capabilities.trusted = true;
    session.log('the workspace is now trusted: index options in its files are used');
    scans.recheckAll();
  });
}
