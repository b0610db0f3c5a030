/** Tokens for indexes that refuse requests: the client hears of a 401 once per index, and hands tokens over (memory only). */
import type { Connection } from 'vscode-languageserver/node';
import { INDEX_REFUSED_NOTIFICATION, INDEX_TOKEN_NOTIFICATION, type IndexRefusedParams } from '../protocol.js';
import { errorText } from '../session/log.js';
import { readTokenParams } from '../session/indexTokens.js';
import type { Session } from '../session/session.js';
import type { WorkspaceScans } from './workspaceScans.js';

export function registerIndexTokens(connection: Connection, session: Session, scans: WorkspaceScans): void {
  session.onIndexRefused = (refusal: IndexRefusedParams) => {
    // Only a client that asks for tokens hears of it: the log and the hover say it to everyone.
    if (!session.capabilities.indexTokenPrompt || session.shutDown || !session.tokens.shouldTell(refusal)) return;
    void connection.sendNotification(INDEX_REFUSED_NOTIFICATION, refusal).catch(() => undefined);
  };

  connection.onNotification(INDEX_TOKEN_NOTIFICATION, async (params: unknown) => {
    const read = readTokenParams(params, session.tokens.key);
    if ('error' in read) return session.warn(read.error);
    if (!session.tokens.set(read.origin, read.token)) return;
    // The token itself is never logged: only whose it is.
    session.log(read.token ? `a token for ${read.origin} was given: its index is asked again` : `the token for ${read.origin} was forgotten`);
    try {
      await session.configuration.credentialsChanged();
    } catch (e) {
      session.log(`replacing the index client failed: ${errorText(e)}`);
    }
    scans.recheckAll();
  });
}
