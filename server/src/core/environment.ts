/** Builds the index client for a set of settings: the one place that wires HTTP, cache and client together. */
import { IndexCache } from './index/cache.js';
import { IndexClient } from './index/client.js';
import { HttpClient } from './index/http.js';
import type { Settings } from './settings.js';
import { USER_AGENT } from './version.js';

export interface ClientOptions {
  proxy?: string;
  proxyStrictSSL?: boolean;
  offline?: boolean;
  log?: (message: string) => void;
}

export interface IndexEnvironment {
  client: IndexClient;
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
  const client = new IndexClient({
    indexUrl: settings.indexUrl,
    jsonApiUrl: settings.jsonApiUrl,
    http,
    cache,
    ttlMs: settings.ttlMs,
    concurrency: settings.concurrency,
    offline: options.offline ?? false,
    log,
  });
  return { client, cache, close: () => http.close() };
}
