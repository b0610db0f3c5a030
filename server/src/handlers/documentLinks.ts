/** textDocument/documentLink: each `-r`/`-c` include links to the file (or URL) it names. */
import type { Connection, DocumentLink } from 'vscode-languageserver/node';
import { includeTarget } from '../core/workspaceScan.js';
import { pathToUri, uriToPath } from '../paths.js';
import type { Session } from '../session/session.js';

export function registerDocumentLinks(connection: Connection, session: Session): void {
  connection.onDocumentLinks((params): DocumentLink[] => {
    session.notShutDown();
    const doc = session.documents.get(params.textDocument.uri);
    const state = doc && session.documents.parse(doc);
    // Includes are relative to a local file (`file://host/...` has none here).
    const file = doc && uriToPath(doc.uri);
    if (!doc || !state || !file) return [];
    return state.parsed.includes.map((inc) => {
      // An include pip downloads links to its URL; any other is a local file, as pip reads it.
      const target = includeTarget(inc.path, file);
      return {
        range: inc.range,
        target: typeof target === 'string' ? pathToUri(target) : inc.path,
        tooltip: inc.kind === 'constraint' ? 'Open constraints file' : 'Open requirements file',
      };
    });
  });
}
