/** Builds the index client for a set of settings: the one place that wires HTTP, cache and client together. */
import { IndexCache } from './pypi/cache.js';
import type { IndexClient } from './pypi/client.js';
import { IndexPool, type PoolOptions } from './pypi/sources.js';
import { HttpClient } from './pypi/http.js';
import type { Settings } from './settings.js';
import { USER_AGENT } from './version.js';

export interface ClientOptions {
  proxy?: string;
  proxyStrictSSL?: boolean;
  offline?: boolean;
  /** See IndexClientOptions.patienceMs (for one-shot runs). */
  patienceMs?: number;
  log?: (message: string) => void;
  /** Where pip's, uv's, Poetry's and PDM's index configuration is read; without it only the settings count. */
  config?: PoolOptions['config'];
  /** See IndexClientOptions.onRefused. */
  onRefused?: PoolOptions['onRefused'];
}

export interface IndexEnvironment {
  /** The configured index. */
  client: IndexClient;
  /** Clients for the indexes that trusted files name. */
  pool: IndexPool;
  cache: IndexCache;
  close(): Promise<void>;
}

export function createIndexEnvironment(settings: Settings, options: ClientOptions = {}): IndexEnvironment {
  const log = options.log ?? (() => undefined);
  const httpOptions: ConstructorParameters<typeof HttpClient>[0] = { userAgent: USER_AGENT, connections: settings.concurrency };
  if (options.proxy) httpOptions.proxy = options.proxy;
  if (options.proxyStrictSSL !== undefined) httpOptions.proxyStrictSSL = options.proxyStrictSSL;
  const http = new HttpClient(httpOptions);
  const cache = new IndexCache({ directory: settings.cacheDirectory, onError: log });
  const pool = new IndexPool({
    http,
    cache,
    settings,
    offline: options.offline ?? false,
    log,
    ...(options.patienceMs === undefined ? {} : { patienceMs: options.patienceMs }),
    ...(options.config === undefined ? {} : { config: options.config }),
    ...(options.onRefused === undefined ? {} : { onRefused: options.onRefused }),
  });
  return {
    client: pool.default,
    pool,
    cache,
    close: async () => {
      await Promise.all([cache.flush(), http.close()]);
    },
  };
}
