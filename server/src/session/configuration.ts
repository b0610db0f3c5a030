/** The user's configuration: settings, proxy, files.exclude, initializationOptions, read one at a time. */
import type { Connection, InitializeParams } from 'vscode-languageserver/node';
import { resolveSettings, type Settings } from '../core/settings.js';
import { CONFIGURATION_SECTION, type InitializationOptions } from '../protocol.js';
import type { ClientCapabilities } from './capabilities.js';

export class Configuration {
  settings: Settings = resolveSettings({});
  proxy: { url?: string; strictSSL?: boolean } = {};
  filesExclude: string[] = [];
  /** The settings a client without workspace/configuration gave (initializationOptions, then what it pushes). */
  initOptions: unknown;
  /**
   * Nothing is looked up before the user's settings are known: a private index
   * user's dependency names must never reach the default index first.
   */
  readonly ready: Promise<void>;
  private settingsLoaded!: () => void;
  private loading: Promise<boolean> = Promise.resolve(false);

  /** `replaceIndex` drops the index client of the old settings, before a change is reported. */
  constructor(
    private readonly connection: Connection,
    private readonly capabilities: ClientCapabilities,
    private readonly warn: (message: string) => void,
    private readonly replaceIndex: () => Promise<void>,
  ) {
    this.ready = new Promise<void>((resolve) => (this.settingsLoaded = resolve));
  }

  initialize(params: InitializeParams): void {
    this.initOptions = unwrapInitOptions(params.initializationOptions);
    const init = params.initializationOptions as { [K in keyof InitializationOptions]?: unknown } | undefined;
    if (typeof init?.httpProxy === 'string' && init.httpProxy) this.proxy.url = init.httpProxy;
    if (typeof init?.httpProxyStrictSSL === 'boolean') this.proxy.strictSSL = init.httpProxyStrictSSL;
    this.settings = resolveSettings(this.initOptions, this.warn);
    if (!this.capabilities.configurationPull) this.settingsLoaded();
  }

  /** Lets the lookups waiting for `ready` go (the first read of a pulled configuration is over). */
  markLoaded(): void {
    this.settingsLoaded();
  }

  /**
   * New credentials change what the index answers: checks under way compare the settings object
   * to tell they are current, so a copy (same values) makes them stale, as a settings change does.
   */
  async credentialsChanged(): Promise<void> {
    this.settings = { ...this.settings };
    await this.replaceIndex();
  }

  /** The patterns a scan skips: `files.exclude` (those that are on) and `pypiStatus.exclude`. */
  exclude(): string[] {
    return [...this.filesExclude, ...this.settings.exclude];
  }

  /** What the checks depend on, to tell a configuration change that matters from one that does not. */
  private configurationKey(): string {
    return JSON.stringify([this.settings, this.proxy, this.filesExclude], (_key, value: unknown) =>
      value instanceof Map || value instanceof Set ? [...value] : value,
    );
  }

  /**
   * Reads the configuration; true when it changed what the checks depend on (the index client is
   * then replaced). One read at a time: VS Code's client sends a change notification as soon as
   * the server registers for it, while the first read may still be waiting for its answer.
   */
  loadSettings(): Promise<boolean> {
    this.loading = this.loading.catch(() => false).then(() => this.readSettings());
    return this.loading;
  }

  private async readSettings(): Promise<boolean> {
    const before = this.configurationKey();
    const previous = this.settings;
    let raw: unknown = this.initOptions;
    if (this.capabilities.configurationPull) {
      try {
        const [section, http, files] = (await this.connection.workspace.getConfiguration([
          { section: CONFIGURATION_SECTION },
          { section: 'http' },
          { section: 'files' },
        ])) as unknown[];
        const exclude = (files as { exclude?: unknown } | null)?.exclude;
        this.filesExclude =
          typeof exclude === 'object' && exclude !== null
            ? Object.entries(exclude)
                .filter(([, on]) => on === true)
                .map(([glob]) => glob)
            : [];
        // The client's current configuration wins whole; initializationOptions are for clients that have none.
        raw = typeof section === 'object' && section !== null ? section : this.initOptions;
        const h = (http ?? {}) as { proxy?: unknown; proxyStrictSSL?: unknown };
        this.proxy = {};
        if (typeof h.proxy === 'string' && h.proxy) this.proxy.url = h.proxy;
        if (typeof h.proxyStrictSSL === 'boolean') this.proxy.strictSSL = h.proxyStrictSSL;
      } catch (e) {
        this.warn(`could not read the configuration: ${String(e)}`);
      }
    }
    this.settings = resolveSettings(raw, this.warn);
    // Unchanged, the settings object stays the same: checks under way compare it to tell they are current.
    if (this.configurationKey() === before) {
      this.settings = previous;
      return false;
    }
    await this.replaceIndex();
    return true;
  }
}

/** initializationOptions may be the settings themselves or `{ pypiStatus: settings }`. */
function unwrapInitOptions(options: unknown): unknown {
  if (typeof options === 'object' && options !== null && 'pypiStatus' in options) return options.pypiStatus;
  return options;
}
