/**
 * What the VS Code client and the server say to each other beyond LSP: command ids, the trust
 * notification, initializationOptions, Diagnostic.data and the scan's answer. Pure types and
 * constants with no imports, so that the client can import this file without the server's dependencies.
 */

/** The section of the client's settings the server reads (`pypiStatus.indexUrl`, ...). */
export const CONFIGURATION_SECTION = 'pypiStatus';

/** The `source` of every diagnostic the server publishes. */
export const DIAGNOSTIC_SOURCE = 'pypi-status';

/** Scans the workspace folders; answers with a ScanResponse. A server command the VS Code client runs itself to show its progress. */
export const SCAN_COMMAND = 'pypiStatus.scanWorkspace';
/** Empties the index cache and checks everything again. A server command. */
export const CLEAR_CACHE_COMMAND = 'pypiStatus.clearCache';
/** Shows the manifest line of the direct dependency that pulls a locked package in (window/showDocument); arguments: its URI and range. A server command. */
export const SHOW_DIRECT_DEPENDENCY_COMMAND = 'pypiStatus.showDirectDependency';
/** The client command that adds a name to `pypiStatus.ignore` (VS Code's client provides it). */
export const ADD_TO_IGNORE_COMMAND = 'pypiStatus.addToIgnore';

/** Sent by a client when the user grants the workspace trust after start-up. */
export const TRUST_NOTIFICATION = 'pypiStatus/didGrantWorkspaceTrust';

/**
 * Sent by the server, to a client that says `indexTokenPrompt`, when an index answers 401: once per
 * index and origin, and again only after a token for that origin has arrived (it may be wrong).
 */
export const INDEX_REFUSED_NOTIFICATION = 'pypiStatus/indexRefused';
/** Sent by a client with a token for an origin, or to forget it: the server keeps tokens in memory only. */
export const INDEX_TOKEN_NOTIFICATION = 'pypiStatus/setIndexToken';

/** What the server says about an index that refused a request. Never credentials. */
export interface IndexRefusedParams {
  /** How the index is named to the user: its configured name, else its host. */
  label: string;
  /** Its origin (`https://host:port`), the key a token is given for. */
  origin: string;
}

/** HTTP Basic credentials for an index (a token alone goes as the password of the user `__token__`). */
export interface IndexToken {
  username: string;
  password: string;
}

/**
 * A token for every request to `origin` (an `https://host:port` origin), or null to forget it. A
 * client that passes the server a key (tokenSeal.ts) sends it sealed: `{ sealed }`, never the token.
 */
export interface IndexTokenParams {
  origin: string;
  token: IndexToken | { sealed: string } | null;
}

/** What a client may say in initializationOptions besides the settings (which may also come as `{ pypiStatus: settings }`). */
export interface InitializationOptions {
  /** VS Code's `http.proxy` and `http.proxyStrictSSL`. */
  httpProxy?: string;
  httpProxyStrictSSL?: boolean;
  /** Commands this client implements: the server may offer actions that use them, and does not announce the ones the client runs itself. */
  clientCommands?: string[];
  /** Whether the user trusts the workspace's files (VS Code workspace trust). */
  trusted?: boolean;
  /** Custom notifications this client handles (e.g. UNCHECKED_NOTIFICATION): others are not sent to it. */
  notifications?: string[];
  /** The client asks the user for a token when an index refuses a request (INDEX_REFUSED_NOTIFICATION). */
  indexTokenPrompt?: boolean;
  /** Tokens the client keeps, by origin: there from the start, so that no lookup goes out without them. */
  indexTokens?: IndexTokenParams[];
  /** The client watches DEPENDENCY_FILE_GLOBS itself (the VS Code client's watchers): the server registers none for them. */
  watchesFiles?: boolean;
}

/**
 * The files whose changes on disk the server must hear of (created, changed, deleted): dependency
 * files by the names it reads, lock files, scripts, and (deletions only) anything, since a deleted
 * folder is reported as the folder alone. VS Code matches globs case-sensitively: the server picks
 * the names it reads (Requirements.txt, constraints/base.txt) out of every .txt and .in file.
 */
export const DEPENDENCY_FILE_GLOBS: readonly { glob: string; deletionsOnly?: true }[] = [
  { glob: '**/*.{txt,in}' },
  { glob: '**/pyproject.toml' },
  { glob: '**/{uv.lock,*.py.lock,poetry.lock,pdm.lock,pylock.toml,pylock.*.toml,Pipfile,Pipfile.lock}' },
  { glob: '**/*.py' },
  { glob: '**/*', deletionsOnly: true },
];

/** Carried in Diagnostic.data so that code actions (and the client's report view) know what a diagnostic is about. */
export interface DiagnosticData {
  name: string;
  normalizedName: string;
  /**
   * A lock file's package: the chain of names from the direct dependency that pulls it in (the
   * package alone when it is direct; empty when nothing pulls it in), and whether it is transitive.
   */
  lock?: { transitive: boolean; chain: string[] };
}

/** A range in a document, as LSP has it (zero-based lines, UTF-16 characters). */
export interface ProtocolRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

/** What the scan command returns to the client: the summary, with files as URIs. */
export interface ScanResponse {
  filesScanned: number;
  dependencies: number;
  projects: number;
  unknownProjects: string[];
  findingsByCode: Record<string, number>;
  findings: { uri: string; range: ProtocolRange; name?: string; code: string; severity: string; message: string }[];
  cancelled: boolean;
}

/**
 * Sent with each publication of an open document's diagnostics: its dependencies that could not be
 * checked (index down, credentials missing), which a network fault must never make diagnostics.
 * An empty list says none is left. The VS Code client counts them in the status bar and lists them.
 */
export const UNCHECKED_NOTIFICATION = 'pypiStatus/uncheckedDependencies';

export interface UncheckedDependency {
  name: string;
  range: ProtocolRange;
  reason: string;
}

export interface UncheckedParams {
  uri: string;
  /** The document version the list is about. */
  version?: number;
  unchecked: UncheckedDependency[];
}
