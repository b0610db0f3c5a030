/** initialize, initialized and shutdown: what the server offers, the first read of the settings, the start-up scan, the end. */
import {
  CodeActionKind,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  TextDocumentSyncKind,
  WatchKind,
  type Connection,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { VERSION } from '../core/version.js';
import { uriToPath } from '../paths.js';
import { CLEAR_CACHE_COMMAND, CONFIGURATION_SECTION, DEPENDENCY_FILE_GLOBS, SCAN_COMMAND, SHOW_DIRECT_DEPENDENCY_COMMAND } from '../protocol.js';
import { errorText } from '../session/log.js';
import type { Session } from '../session/session.js';
import type { ScannedFileRefresh } from './scannedFileRefresh.js';
import type { DocumentChecks } from './validation.js';
import { changeFolders } from './workspaceFiles.js';
import type { WorkspaceScans } from './workspaceScans.js';

export function registerLifecycle(connection: Connection, session: Session, checks: DocumentChecks, refresh: ScannedFileRefresh, scans: WorkspaceScans): void {
  connection.onInitialize((params: InitializeParams) => initialize(session, params));

  connection.onInitialized(async () => {
    const { capabilities, configuration } = session;
    // Clients send didChangeConfiguration only to servers that register for it.
    // For these sections only: VS Code's client otherwise sends a notification for any setting of any extension.
    if (capabilities.dynamicConfiguration)
      void connection.client.register(DidChangeConfigurationNotification.type, { section: [CONFIGURATION_SECTION, 'http', 'files'] });
    // Before anything is awaited, so that no change is missed; the library throws for clients
    // that do not announce folder support (they have none to change).
    if (capabilities.clientHasFolders) connection.workspace.onDidChangeWorkspaceFolders((e) => changeFolders(session, refresh, e.added, e.removed));
    // Other editors (Neovim, Helix) watch what the server asks for: a lock rewritten by `uv lock`
    // then re-judges the open manifest beside it, as in VS Code.
    if (capabilities.fileWatching.dynamic && !capabilities.watchesFiles) {
      const watchers = DEPENDENCY_FILE_GLOBS.map(({ glob, deletionsOnly }) =>
        deletionsOnly ? { globPattern: glob, kind: WatchKind.Delete } : { globPattern: glob },
      );
      void connection.client
        .register(DidChangeWatchedFilesNotification.type, { watchers })
        .catch((e: unknown) => session.log(`could not watch files: ${errorText(e)}`));
    }
    if (capabilities.configurationPull) {
      await configuration.loadSettings();
      configuration.markLoaded();
    }
    if (session.settings.scanOnStartup && session.folders.length > 0) {
      void scans.shared().promise.catch((e: unknown) => session.log(`start-up scan failed: ${errorText(e)}`));
    }
  });

  connection.onShutdown(async () => {
    session.shutDown = true;
    scans.stop();
    checks.stopRetries();
    await session.index.close();
  });
}

function initialize(session: Session, params: InitializeParams): InitializeResult {
  session.capabilities.initialize(params);
  session.configuration.initialize(params);
  session.tokens.initialize(params.initializationOptions, session.warn);
  let folders = (params.workspaceFolders ?? []).map((f) => uriToPath(f.uri)).filter((f): f is string => f !== undefined);
  if (folders.length === 0 && params.rootUri) folders = [uriToPath(params.rootUri)].filter((f): f is string => f !== undefined);
  session.folders = folders;
  const clientCommands = session.capabilities.clientCommands;
  return {
    capabilities: {
      workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      textDocumentSync: TextDocumentSyncKind.Incremental,
      hoverProvider: true,
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      documentLinkProvider: { resolveProvider: false },
      // A client that runs a command itself (VS Code's shows the scan's progress its own way) registers it.
      executeCommandProvider: { commands: [CLEAR_CACHE_COMMAND, SCAN_COMMAND, SHOW_DIRECT_DEPENDENCY_COMMAND].filter((c) => !clientCommands.has(c)) },
    },
    serverInfo: { name: 'pypi-status', version: VERSION },
  };
}
