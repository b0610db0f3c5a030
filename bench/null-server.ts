/**
 * A language server that does no work: it keeps the open documents (as every server built on
 * vscode-languageserver does) and answers each open with an empty publication. The lock scenario
 * reopens the same document in it and in pypi-status, so that what any Node language server pays
 * to receive a document of megabytes on this machine is measured beside what pypi-status adds.
 */
import { createConnection, ProposedFeatures, TextDocuments, TextDocumentSyncKind } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
connection.onInitialize(() => ({ capabilities: { textDocumentSync: TextDocumentSyncKind.Incremental, hoverProvider: true } }));
// The harness's readiness probe is a hover.
connection.onHover(() => null);
documents.onDidOpen((e) => void connection.sendDiagnostics({ uri: e.document.uri, version: e.document.version, diagnostics: [] }));
documents.listen(connection);
connection.listen();
