/**
 * Index sources per file. A requirements file may name its own index
 * (`--index-url`, `--extra-index-url`); pip then looks in all of them, and so
 * do we, but only where the user trusts the file: a cloned repository must not
 * be able to send its reader's dependency names to a host of its choosing.
 */
import { PYPI_JSON_API_URL, PYPI_SIMPLE_URL, type Settings } from '../settings.js';
import { normalizeName } from '../pep508.js';
import type { ParsedFile } from '../types.js';
import type { IndexCache } from './cache.js';
import { IndexClient, Limiter, type IndexClientOptions, type IndexSource, type Lookup } from './client.js';
import type { HttpClient } from './http.js';
import { redactText, redactUrl } from '../redact.js';
import { NotCheckedSource, untrustedRegistry } from './notChecked.js';
import type { ProjectInfo, ReleaseInfo } from './model.js';
import type { AttestationBundle } from './provenance.js';
import { resolveIndexPlan } from '../indexConfig/resolve.js';
import type { SecretLookup } from '../indexConfig/credentials.js';
import { indexLabel, type ConfigContext, type IndexPlan, type IndexRef } from '../indexConfig/model.js';
import { splitIndexUrl, withCredentials } from '../indexConfig/urls.js';
import { fileKind } from '../analyze.js';
import { RoutingSource } from './routing.js';

/**
 * Tries the primary index, then the extra ones: a project is "not found" only when none has it.
 * The JSON API belongs to the primary index: a project found on an extra one is not asked there
 * (that would send a private project's name and versions to, say, pypi.org, and describe another
 * project of the same name).
 */
export class FallbackSource implements IndexSource {
  readonly key: string;
  /** Normalized names found on an extra index, not the primary, and that index. */
  private readonly onExtra = new Map<string, IndexClient>();

  constructor(
    private readonly primary: IndexClient,
    private readonly extras: IndexClient[],
  ) {
    this.key = [primary, ...extras].map((c) => c.key).join(' + ');
  }

  get hasJsonApi(): boolean {
    return this.primary.hasJsonApi;
  }

  async project(name: string): Promise<Lookup<ProjectInfo>> {
    let unknown: Lookup<ProjectInfo> | undefined;
    let notFound: Lookup<ProjectInfo> | undefined;
    for (const client of [this.primary, ...this.extras]) {
      const lookup = await client.project(name);
      if (lookup.state === 'found') return this.foundOn(client, name, lookup);
      if (lookup.state === 'unknown') unknown ??= lookup;
      else notFound ??= lookup;
    }
    // An index that could not be asked might have had it: that is not "not found".
    return unknown ?? notFound!;
  }

  private foundOn(client: IndexClient, name: string, lookup: Lookup<ProjectInfo>): Lookup<ProjectInfo> {
    if (client === this.primary) this.onExtra.delete(normalizeName(name));
    else this.onExtra.set(normalizeName(name), client);
    return lookup;
  }

  /** No release document for a project of an extra index: nothing to learn, and nothing to retry. */
  private noJsonApi(): Lookup<ReleaseInfo> {
    return { state: 'not-found', fetchedAt: Date.now() };
  }

  release(name: string, version: string): Promise<Lookup<ReleaseInfo>> {
    if (this.onExtra.has(normalizeName(name))) return Promise.resolve(this.noJsonApi());
    return this.primary.release(name, version);
  }

  peekProject(name: string): Lookup<ProjectInfo> | undefined {
    let notFound: Lookup<ProjectInfo> | undefined;
    for (const client of [this.primary, ...this.extras]) {
      const lookup = client.peekProject(name);
      // An index in the order whose answer is not in memory could be the one that has it.
      if (lookup === undefined) return undefined;
      if (lookup.state === 'found') return this.foundOn(client, name, lookup);
      notFound ??= lookup;
    }
    return notFound;
  }

  peekRelease(name: string, version: string): Lookup<ReleaseInfo> | undefined {
    if (this.onExtra.has(normalizeName(name))) return this.noJsonApi();
    return this.primary.peekRelease(name, version);
  }

  projectPage(name: string): string | undefined {
    // A source is made per file and per use: what it knows of where the project was found comes from the cache.
    this.peekProject(name);
    return (this.onExtra.get(normalizeName(name)) ?? this.primary).projectPage(name);
  }

  provenance(name: string, url: string): Promise<Lookup<AttestationBundle[]>> {
    // The URL came from the page of the index that has the project: only that one is asked.
    this.peekProject(name);
    return (this.onExtra.get(normalizeName(name)) ?? this.primary).provenance(name, url);
  }

  answeredBy(name: string): string | undefined {
    const found = this.peekProject(name);
    if (found?.state !== 'found') return undefined;
    return (this.onExtra.get(normalizeName(name)) ?? this.primary).answeredBy();
  }

  retryDelay(): number {
    return Math.max(...[this.primary, ...this.extras].map((c) => c.retryDelay()));
  }
}

export interface PoolOptions {
  http: HttpClient;
  cache: IndexCache;
  settings: Settings;
  offline: boolean;
  /** See IndexClientOptions.patienceMs. */
  patienceMs?: number;
  log: (message: string) => void;
  /**
   * Where the index configuration of pip, uv, Poetry and PDM is read (the machine, or a test's
   * temporary home); without it, only the settings and a requirements file's own options count.
   */
  config?: { ctx: ConfigContext; secret?: SecretLookup };
  /** See IndexClientOptions.onRefused. */
  onRefused?: IndexClientOptions['onRefused'];
}

/** One client per index URL, all sharing the HTTP pool and the cache. */
export class IndexPool {
  private readonly clients = new Map<string, IndexClient>();
  readonly default: IndexClient;
  /** `concurrency` counts requests to every index together (a file may name its own). */
  private readonly limiter: Limiter;
  /** Configuration problems already logged: a file's plan is resolved at every keystroke. */
  private readonly warned = new Set<string>();

  constructor(private readonly options: PoolOptions) {
    this.limiter = new Limiter(Math.max(1, options.settings.concurrency));
    // An index the settings name but that cannot be asked is not replaced by another.
    const unusable = options.settings.indexUnusable;
    this.default = unusable ? this.unusable(unusable) : this.client(options.settings.indexUrl, options.settings.jsonApiUrl);
  }

  client(indexUrl: string, jsonApiUrl: string | null, named: { label?: string; credentialHint?: string } = {}): IndexClient {
    const key = `${indexUrl} ${jsonApiUrl ?? ''} ${named.label ?? ''}`;
    let client = this.clients.get(key);
    if (!client) {
      const { patienceMs, onRefused } = this.options;
      client = new IndexClient({
        ...this.shared(),
        indexUrl,
        jsonApiUrl,
        ...(patienceMs === undefined ? {} : { patienceMs }),
        ...(onRefused === undefined ? {} : { onRefused }),
        ...named,
      });
      this.clients.set(key, client);
    }
    return client;
  }

  /** Which indexes answer for a file, by its installer's configuration (see indexConfig/resolve.ts). */
  planFor(parsed: ParsedFile, file: string, trusted: boolean): IndexPlan | undefined {
    const config = this.options.config;
    const settings = this.options.settings;
    if (!config || settings.indexUnusable) return undefined;
    const input: Parameters<typeof resolveIndexPlan>[0] = { file, kind: fileKind(file) === 'pyproject' ? 'pyproject' : 'requirements', parsed, trusted };
    if (settings.indexUrlSet) input.override = { url: settings.indexUrl, from: 'pypiStatus.indexUrl' };
    if (config.secret) input.secret = config.secret;
    const plan = resolveIndexPlan(input, config.ctx);
    for (const warning of plan.warnings) {
      if (!this.warned.has(warning)) this.options.log(`index configuration: ${redactText(warning)}`);
      this.warned.add(warning);
    }
    return plan;
  }

  /** The source that follows a plan: its indexes in order, and each pinned dependency's own. */
  sourceForPlan(plan: IndexPlan): IndexSource {
    if (plan.unusable) return this.unusable(plan.unusable);
    const general = this.chain(plan.indexes);
    if (plan.pinned.size === 0) return general;
    return new RoutingSource(general, new Map([...plan.pinned].map(([name, refs]) => [name, this.chain(refs)])));
  }

  private chain(refs: IndexRef[]): IndexSource {
    const [first, ...rest] = refs.map((ref) => this.clientFor(ref));
    if (!first) return this.unusable('no index is configured');
    return rest.length === 0 ? first : new FallbackSource(first, rest);
  }

  /** The settings' own index, whether or not its URL carries credentials (they are split off into the ref). */
  private isSettingsIndex(ref: IndexRef): boolean {
    const own = splitIndexUrl(this.options.settings.indexUrl, 'settings');
    if (!own || own.url !== ref.url) return ref.url === this.options.settings.indexUrl && !ref.credentials;
    return own.credentials?.username === ref.credentials?.username && own.credentials?.password === ref.credentials?.password;
  }

  private clientFor(ref: IndexRef): IndexClient {
    // The settings' own index keeps the settings' JSON API (pypiStatus.jsonApiUrl).
    if (!ref.name && this.isSettingsIndex(ref)) return this.default;
    const jsonApi = ref.url === PYPI_SIMPLE_URL ? PYPI_JSON_API_URL : null;
    const named: { label?: string; credentialHint?: string } = { label: indexLabel(ref) };
    if (ref.credentialHint) named.credentialHint = ref.credentialHint;
    return this.client(withCredentials(ref.url, ref.credentials), jsonApi, named);
  }

  /**
   * The source for a file. With a file path and the configuration readers: what its installer
   * would use. Otherwise its own index options when the file is trusted, else the configured index.
   */
  sourceFor(parsed: ParsedFile, trusted: boolean, file?: string): IndexSource {
    const plan = file === undefined ? undefined : this.planFor(parsed, file, trusted);
    if (plan) return this.sourceForPlan(plan);
    if (!trusted || (parsed.indexUrls.length === 0 && !parsed.noIndex)) return this.default;
    // pip installs this file's projects from somewhere no lookup can reach (a local directory, a
    // file: index): asking another index would call private projects "not found".
    const unreadable = parsed.noIndex ? 'this file installs with --no-index' : parsed.indexUrls.find((u) => normalizeIndexUrl(u.url) === undefined)?.url;
    if (unreadable !== undefined) return this.unusable(parsed.noIndex ? unreadable : `this file's index ${redactUrl(unreadable)} is not an http(s) index`);
    const urls = parsed.indexUrls.map((u) => ({ ...u, url: normalizeIndexUrl(u.url)! }));
    // pip: the last --index-url wins; every --extra-index-url adds to it.
    const fileIndex = urls.filter((u) => !u.extra).at(-1)?.url;
    const primaryUrl = fileIndex ?? this.options.settings.indexUrl;
    const extras = [...new Set(urls.filter((u) => u.extra).map((u) => u.url))].filter((u) => u !== primaryUrl);
    // Without an --index-url of its own the file uses the configured index, usable or not (an
    // unusable one must not turn into the PyPI URL that stands in for it).
    const configured = fileIndex === undefined || (fileIndex === this.options.settings.indexUrl && !this.options.settings.indexUnusable);
    const primary = configured ? this.default : this.client(primaryUrl, primaryUrl === PYPI_SIMPLE_URL ? PYPI_JSON_API_URL : null);
    if (extras.length === 0) return primary;
    return new FallbackSource(
      primary,
      extras.map((u) => this.client(u, null)),
    );
  }

  /**
   * The source for a package a lock file locks from a registry other than PyPI: that registry in a
   * trusted workspace (as a file's own index options), otherwise nothing is asked.
   */
  registry(url: string, trusted: boolean): IndexSource {
    const normalized = normalizeIndexUrl(url);
    if (!trusted) return untrustedRegistry(url);
    if (normalized === undefined) return new NotCheckedSource(`locked from ${redactUrl(url)}, which is not an http(s) index`);
    return this.client(normalized, null);
  }

  private unusable(reason: string): IndexClient {
    return new IndexClient({ ...this.shared(), indexUrl: this.options.settings.indexUrl, jsonApiUrl: null, unusable: reason });
  }

  /** What every index client of this pool shares: transport, cache, limits, log. */
  private shared() {
    const { http, cache, settings, offline, log } = this.options;
    return { http, cache, ttlMs: settings.ttlMs, concurrency: settings.concurrency, limiter: this.limiter, offline, log };
  }

  get all(): IndexClient[] {
    return [...this.clients.values()];
  }
}

/** An index URL from a file, or undefined when it is not an http(s) URL. */
function normalizeIndexUrl(raw: string): string | undefined {
  try {
    const url = new URL(raw);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
    return url.href.endsWith('/') ? url.href : `${url.href}/`;
  } catch {
    return undefined;
  }
}
