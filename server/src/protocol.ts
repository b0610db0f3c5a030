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

/** What a client may say in initializationOptions besides the settings (which may also come as `{ pypiStatus: settings }`). */
export interface InitializationOptions {
  /** VS Code's `http.proxy` and `http.proxyStrictSSL`. */
  httpProxy?: string;
  httpProxyStrictSSL?: boolean;
  /** Commands this client implements: the server may offer actions that use them, and does not announce the ones the client runs itself. */
  clientCommands?: string[];
  /** Whether the user trusts the workspace's files (VS Code workspace trust). */
  trusted?: boolean;
}

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
