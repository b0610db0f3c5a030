/** What the client can do and says about itself: progress, file watching, hover format, folders, its own commands, trust. */
import type { InitializeParams } from 'vscode-languageserver/node';
import type { InitializationOptions } from '../protocol.js';

export class ClientCapabilities {
  /** The client answers workspace/configuration (otherwise settings come from initializationOptions and pushes). */
  configurationPull = false;
  dynamicConfiguration = false;
  clientCommands = new Set<string>();
  /** Custom notifications the client handles; other editors are sent none. */
  notifications = new Set<string>();
  /** Whether the user trusts the workspace's files (VS Code workspace trust; other clients say so in initializationOptions). */
  trusted = false;
  /** The client asks the user for a token when an index refuses a request. */
  indexTokenPrompt = false;
  progressSupport = false;
  /** How the client lets the server ask for file events beyond the ones it watches by itself. */
  fileWatching: { dynamic: boolean; relativePatterns: boolean } = { dynamic: false, relativePatterns: false };
  /** The client watches the dependency files by itself (DEPENDENCY_FILE_GLOBS). */
  watchesFiles = false;
  clientHasFolders = false;
  /** Clients that say which hover formats they render and leave out Markdown get plain text. */
  hoverFormat: 'markdown' | 'plaintext' = 'markdown';
  /** The client can show a document at the server's request (window/showDocument). */
  showDocument = false;

  initialize(params: InitializeParams): void {
    this.configurationPull = params.capabilities?.workspace?.configuration === true;
    this.dynamicConfiguration = params.capabilities?.workspace?.didChangeConfiguration?.dynamicRegistration === true;
    // What the client says, unchecked: each field is tested before it is used.
    const init = params.initializationOptions as { [K in keyof InitializationOptions]?: unknown } | undefined;
    this.trusted = init?.trusted === true;
    this.indexTokenPrompt = init?.indexTokenPrompt === true;
    this.watchesFiles = init?.watchesFiles === true;
    if (Array.isArray(init?.clientCommands)) this.clientCommands = new Set(init.clientCommands.filter((c): c is string => typeof c === 'string'));
    if (Array.isArray(init?.notifications)) this.notifications = new Set(init.notifications.filter((c): c is string => typeof c === 'string'));
    this.progressSupport = params.capabilities?.window?.workDoneProgress === true;
    const watched = params.capabilities?.workspace?.didChangeWatchedFiles;
    this.fileWatching = { dynamic: watched?.dynamicRegistration === true, relativePatterns: watched?.relativePatternSupport === true };
    this.showDocument = params.capabilities?.window?.showDocument?.support === true;
    this.clientHasFolders = params.capabilities?.workspace?.workspaceFolders === true;
    const formats = params.capabilities?.textDocument?.hover?.contentFormat;
    if (Array.isArray(formats) && formats.length > 0 && !formats.includes('markdown')) this.hoverFormat = 'plaintext';
  }
}
