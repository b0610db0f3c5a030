/** What the index configuration readers share: where they read from, and what they find. */

/** The machine as the readers see it: tests hand them a temporary home and environment. */
export interface ConfigContext {
  env: Record<string, string | undefined>;
  /** The user's home directory. */
  home: string;
  platform: NodeJS.Platform;
  /** A file's text, or undefined when it does not exist or cannot be read. */
  readFile(file: string): string | undefined;
  /** Whether a file exists (lock files are only looked for, never read: they run to megabytes). */
  exists(file: string): boolean;
  /** Folders that belong to the workspace: a configuration file inside one is the workspace's, not the machine's. */
  workspaceRoots: readonly string[];
}

export interface Credentials {
  username: string;
  password: string;
  /** Where they were found (never the credentials themselves). */
  from: string;
}

/** One index, as a tool's configuration names it. */
export interface IndexRef {
  /** Its name in the configuration (uv, Poetry, PDM), if it has one. */
  name?: string;
  /** Simple API base URL, ending in `/`, without credentials. */
  url: string;
  /** Where it is configured, e.g. `PIP_INDEX_URL` or `pyproject.toml [[tool.uv.index]]`. */
  from: string;
  /** Named inside the workspace: used only when the workspace is trusted. */
  workspace: boolean;
  credentials?: Credentials;
  /** Where a user would put credentials for it. */
  credentialHint: string;
}

export type Tool = 'pip' | 'uv' | 'poetry' | 'pdm';

/** Which indexes answer for a file's dependencies, and in what order. */
export interface IndexPlan {
  /** The tool whose rules chose the indexes. */
  tool: Tool;
  /** Every dependency not pinned elsewhere is looked up here, in this order; the first is the primary. */
  indexes: IndexRef[];
  /** Normalized name → the only indexes it is looked up on. */
  pinned: Map<string, IndexRef[]>;
  /** Nothing can be looked up (pip's `no-index`): why. */
  unusable?: string;
  /** Indexes the workspace names that are not used because it is not trusted, described for the hover. */
  untrusted: string[];
  /** Configuration that could not be read, for logs. */
  warnings: string[];
}

/** The label a user sees for an index: its name, else its host. */
export function indexLabel(ref: Pick<IndexRef, 'name' | 'url'>): string {
  if (ref.name) return ref.name;
  try {
    return new URL(ref.url).host;
  } catch {
    return ref.url;
  }
}
