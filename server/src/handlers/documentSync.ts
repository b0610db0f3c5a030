/** textDocument/didOpen, didChange and didClose: what the open documents are, and when each is checked. */
import type { Connection } from 'vscode-languageserver/node';
import type { Session } from '../session/session.js';
import type { ScannedFileRefresh } from './scannedFileRefresh.js';
import type { DocumentChecks } from './validation.js';

const EDIT_DEBOUNCE_MS = 150;

export function registerDocumentSync(connection: Connection, session: Session, checks: DocumentChecks, refresh: ScannedFileRefresh): void {
  const documents = session.documents;
  // TextDocuments reports an opened document as a content change too: one handler, so an
  // open is validated once (at once), and edits after it are debounced.
  documents.documents.onDidChangeContent((e) => {
    const state = documents.states.get(e.document.uri);
    if (state?.version === e.document.version) return;
    checks.schedule(e.document, state ? EDIT_DEBOUNCE_MS : 0);
  });
  documents.documents.onDidOpen((e) => documents.opened(e.document.uri));
  documents.documents.onDidClose((e) => {
    const inert = documents.states.get(e.document.uri)?.inert === true;
    const published = checks.takePublished(e.document.uri);
    const file = documents.closed(e.document);
    checks.forget(e.document.uri);
    // A scanned file keeps its findings from the file on disk once the editor lets go of it.
    if (file && session.scanned.has(file)) void refresh.refreshFromDisk(file);
    // A Python file without a block was never published: closing it says nothing either.
    else if (published || !inert) void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });
}
