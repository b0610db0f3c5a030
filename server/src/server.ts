#!/usr/bin/env node
/**
 * The language server: LSP over stdio (`--stdio`) or Node IPC (`--node-ipc`).
 * Glue only: documents go through the core pipeline and come back as
 * diagnostics, hovers and document links. This file wires the connection to the
 * session (session/, the state the handlers share) and to the handlers (handlers/).
 */
import { createConnection, ProposedFeatures, type Connection } from 'vscode-languageserver/node';
import { VERSION } from './core/version.js';
import { registerCodeActions } from './handlers/codeActions.js';
import { registerCommands } from './handlers/commands.js';
import { registerConfiguration } from './handlers/configuration.js';
import { registerDocumentLinks } from './handlers/documentLinks.js';
import { registerDocumentSync } from './handlers/documentSync.js';
import { registerHover } from './handlers/hover.js';
import { registerIndexTokens } from './handlers/indexTokens.js';
import { registerLifecycle } from './handlers/lifecycle.js';
import { ScannedFileRefresh } from './handlers/scannedFileRefresh.js';
import { DocumentChecks } from './handlers/validation.js';
import { registerWatchedFiles } from './handlers/workspaceFiles.js';
import { WorkspaceScans } from './handlers/workspaceScans.js';
import { errorText } from './session/log.js';
import { Session } from './session/session.js';

export function startServer(connection: Connection): void {
  const session = new Session(connection);
  const checks = new DocumentChecks(connection, session);
  const refresh = new ScannedFileRefresh(connection, session);
  const scans = new WorkspaceScans(connection, session, checks, refresh);

  registerLifecycle(connection, session, checks, refresh, scans);
  registerConfiguration(connection, session, scans);
  registerDocumentSync(connection, session, checks, refresh);
  registerWatchedFiles(connection, session, checks, refresh);
  registerHover(connection, session);
  registerCodeActions(connection, session);
  registerDocumentLinks(connection, session);
  registerCommands(connection, session, scans);
  registerIndexTokens(connection, session, scans);

  session.documents.listen(connection);
  connection.listen();
}

function main(): void {
  const args = process.argv.slice(2);
  if (args.includes('--version')) {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  if (!args.some((a) => a === '--stdio' || a === '--node-ipc' || a.startsWith('--socket') || a.startsWith('--pipe'))) {
    process.stderr.write(
      'pypi-status-language-server: a language server for requirements files and pyproject.toml.\n' +
        'Usage: pypi-status-language-server --stdio | --node-ipc\n',
    );
    process.exitCode = 2;
    return;
  }
  const connection = createConnection(ProposedFeatures.all);
  // The server must outlive any bug in a handler: log it and carry on.
  process.on('uncaughtException', (e) => connection.console.error(`uncaught exception: ${errorText(e)}`));
  process.on('unhandledRejection', (e) => connection.console.error(`unhandled rejection: ${errorText(e)}`));
  startServer(connection);
}

main();
