/** The index client of the current settings: made on first use, replaced when they change, closed at shutdown. */
import { createIndexEnvironment, type IndexEnvironment } from '../core/environment.js';
import { machineContext } from '../core/indexConfig/context.js';
import type { SecretLookup } from '../core/indexConfig/credentials.js';
import type { IndexClientOptions } from '../core/pypi/client.js';
import { redactUrl } from '../core/redact.js';
import type { Configuration } from './configuration.js';
import { errorText } from './log.js';

const PRUNE_DELAY_MS = 60_000;

export class CurrentIndex {
  private env: IndexEnvironment | undefined;

  constructor(
    private readonly configuration: Configuration,
    private readonly log: (message: string) => void,
    private readonly folders: () => readonly string[] = () => [],
    /** Tokens the client handed over, and who hears of an index that refuses a request. */
    private readonly credentials: { secret?: SecretLookup; onRefused?: IndexClientOptions['onRefused'] } = {},
  ) {}

  get(): IndexEnvironment {
    if (!this.env) {
      const { settings, proxy } = this.configuration;
      const log = this.log;
      // The machine's pip, uv and PDM configuration and .netrc: the server's environment is the user's.
      const { secret, onRefused } = this.credentials;
      const options: Parameters<typeof createIndexEnvironment>[1] = {
        log,
        config: { ctx: machineContext(process.env, this.folders()), ...(secret ? { secret } : {}) },
      };
      if (onRefused) options.onRefused = onRefused;
      if (proxy.url) options.proxy = proxy.url;
      if (proxy.strictSSL !== undefined) options.proxyStrictSSL = proxy.strictSSL;
      this.env = createIndexEnvironment(settings, options);
      // Housekeeping of the shared disk cache, once the start-up work is over (at most daily across processes).
      const cache = this.env.cache;
      setTimeout(() => {
        void cache.prune().then((r) => r && r.removed > 0 && log(`cache: removed ${r.removed} old entries, ${r.kept} kept`));
      }, PRUNE_DELAY_MS).unref();
      const index = settings.indexUnusable ? `unusable (${settings.indexUnusable}): nothing is looked up` : redactUrl(settings.indexUrl);
      log(`index ${index}; JSON API ${settings.jsonApiUrl ? redactUrl(settings.jsonApiUrl) : 'off'}; cache ${settings.cacheDirectory ?? 'memory only'}`);
    }
    return this.env;
  }

  /** Closes the index client of the old settings; the next get() makes one for the new. */
  async replace(): Promise<void> {
    const old = this.env;
    this.env = undefined;
    await this.closeEnvironment(old);
  }

  async close(): Promise<void> {
    await this.closeEnvironment(this.env);
  }

  /** Closing the index client of old settings must not stop the new ones from applying. */
  private async closeEnvironment(old: IndexEnvironment | undefined): Promise<void> {
    await old?.close().catch((e: unknown) => this.log(`closing the index client failed: ${errorText(e)}`));
  }
}
