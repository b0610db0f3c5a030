/**
 * Looks projects and releases up on the index, through the cache. Identical
 * concurrent lookups share one request, requests in flight are bounded, a
 * fresh entry is never re-fetched, a stale one is revalidated with its ETag,
 * and an index that fails is backed off from and never read as "not found".
 */
import { isValidProjectName, normalizeName } from '../pep508.js';
import type { CacheEntry, IndexCache } from './cache.js';
import type { HttpClient, HttpResult } from './http.js';
import { redactUrl, withoutCredentials } from '../redact.js';
import { decodeRelease } from './jsonapi.js';
import type { ProjectInfo, ReleaseInfo } from './model.js';
import { decodeProvenance, type AttestationBundle } from './provenance.js';
import { nextTurn } from './turns.js';
import { DecodeError, decodeSimpleHtml, decodeSimpleJson } from './simple.js';

export type Lookup<T> =
  | { state: 'found'; data: T; fetchedAt: number; stale?: string }
  | { state: 'not-found'; fetchedAt: number; stale?: string }
  | { state: 'unknown'; reason: string };

/** Where project and release answers come from: one index, or several tried in order. */
export interface IndexSource {
  /** Identifies the source (its index URLs, credentials redacted) for grouping lookups. */
  readonly key: string;
  readonly hasJsonApi: boolean;
  /** Milliseconds until failed lookups can be tried again (0 when nothing is backed off). */
  retryDelay(): number;
  project(name: string): Promise<Lookup<ProjectInfo>>;
  release(name: string, version: string): Promise<Lookup<ReleaseInfo>>;
  /** The answer when the cache (memory or disk) holds a fresh one, without waiting or asking the index; else undefined. */
  peekProject(name: string): Lookup<ProjectInfo> | undefined;
  peekRelease(name: string, version: string): Lookup<ReleaseInfo> | undefined;
  /** The project's page on the website of the index that answers for it, when that layout is known. */
  projectPage(name: string): string | undefined;
  /** The index that answers for the project (its configured name, else its host), once known from the cache. */
  answeredBy?(name: string): string | undefined;
  /**
   * A PEP 740 provenance object, from a URL the project's page gave (relative to that page). Asked
   * only when a hover shows the project: never by opening or scanning a file.
   */
  provenance?(name: string, url: string): Promise<Lookup<AttestationBundle[]>>;
}

export interface IndexClientOptions {
  /** Simple API base URL ending in `/`. */
  indexUrl: string;
  /** JSON API base URL ending in `/`, or null when the index has none. */
  jsonApiUrl: string | null;
  http: HttpClient;
  cache: IndexCache;
  ttlMs: number;
  concurrency: number;
  /** Shared by every client of one configuration, so that `concurrency` bounds them together. */
  limiter?: Limiter;
  /** Use only what the cache holds; never send a request. */
  offline?: boolean;
  /**
   * A one-shot run (the CLI) never checks again later, so a lookup waits for a back-off to end
   * instead of giving up, as long as all such waits end within this many ms of the first.
   */
  patienceMs?: number;
  /** Why this index cannot be asked at all (a settings error): every lookup is unknown, with this reason. */
  unusable?: string;
  /** How the index is named to the user: its configured name, else its host. */
  label?: string;
  /** Where credentials for it go, for the message when it refuses a request (401, 403); '' for none, unset for the generic one. */
  credentialHint?: string;
  /** Told when the index first refuses the credentials it was sent, or their absence (401): its label and origin, never the credentials. */
  onRefused?: (refusal: { label: string; origin: string }) => void;
  log?: (message: string) => void;
  now?: () => number;
}

const SIMPLE_ACCEPT = 'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01';
const JSON_ACCEPT = 'application/json';
/** The first wait after an outage; it doubles for each outage that follows, up to the maximum. */
const MIN_BACKOFF_MS = 4_000;
const MAX_BACKOFF_MS = 5 * 60_000;
/**
 * A release's JSON API document is revalidated at most daily (or after the TTL, if
 * longer). Its files never change, and a yank shows on the project's simple page,
 * which keeps the normal TTL; what can lag is its vulnerability list, by a day at most.
 * Without this, revalidating a project costs three conditional requests instead of one.
 */
export const RELEASE_MIN_TTL_MS = 24 * 3600_000;

/** The reason a release lookup gives when it was refused without asking (nothing failed). */
export const RELEASE_NOT_ASKED = 'not a valid project name and version';

export class IndexClient implements IndexSource {
  private readonly inflight = new Map<string, Promise<Lookup<unknown>>>();
  private readonly limiter: Limiter;
  /** Per origin: no request before this time (after 429/5xx/network failures). */
  private readonly backoff = new Map<string, { until: number; failures: number }>();
  private readonly now: () => number;
  private readonly log: (message: string) => void;
  /** Waits out back-offs until this time (set by the first wait, with `patienceMs`). */
  private patientUntil?: number;
  /** Why the index refused its credentials (401): no lookup asks it again, the answer would be the same. */
  private refused?: string;
  private refusalLogged = false;
  /** Counters for logs, benchmarks and tests. */
  readonly stats = { requests: 0, bytes: 0, notModified: 0, failures: 0 };

  /** Cache key prefixes, built once: a keystroke peeks at every dependency's entries. */
  private readonly simplePrefix: string;
  private readonly releasePrefix: string;
  private readonly releaseTtlMs: number;

  constructor(private readonly options: IndexClientOptions) {
    this.limiter = options.limiter ?? new Limiter(Math.max(1, options.concurrency));
    this.now = options.now ?? Date.now;
    this.log = options.log ?? (() => undefined);
    // Cache keys name the index without its credentials (never stored) but with the rest of its URL.
    this.simplePrefix = `simple ${withoutCredentials(options.indexUrl)} `;
    this.releasePrefix = options.jsonApiUrl === null ? '' : `release ${withoutCredentials(options.jsonApiUrl)} `;
    this.releaseTtlMs = Math.max(options.ttlMs, RELEASE_MIN_TTL_MS);
  }

  get indexUrl(): string {
    return this.options.indexUrl;
  }

  get key(): string {
    // An unusable client answers differently from a client of the same URL: lookups must not be shared.
    return this.options.unusable ? `unusable: ${this.options.unusable}` : withoutCredentials(this.options.indexUrl);
  }

  get hasJsonApi(): boolean {
    return this.options.jsonApiUrl !== null;
  }

  get label(): string {
    if (this.options.label !== undefined) return this.options.label;
    try {
      return new URL(this.options.indexUrl).host;
    } catch {
      return redactUrl(this.options.indexUrl);
    }
  }

  answeredBy(): string | undefined {
    return this.options.unusable ? undefined : this.label;
  }

  project(name: string): Promise<Lookup<ProjectInfo>> {
    const normalized = normalizeName(name);
    if (this.options.unusable) return Promise.resolve({ state: 'unknown', reason: this.options.unusable });
    if (!isValidProjectName(name)) return Promise.resolve({ state: 'unknown', reason: `"${name}" is not a valid project name` });
    const url = `${this.options.indexUrl}${encodeURIComponent(normalized)}/`;
    return this.lookup(this.simplePrefix + normalized, url, SIMPLE_ACCEPT, this.options.ttlMs, (res) => {
      const looksJson = res.contentType.includes('json') || (!res.contentType.includes('html') && /^\s*\{/.test(res.body));
      return looksJson ? decodeSimpleJson(res.body, normalized) : decodeSimpleHtml(res.body, normalized);
    });
  }

  release(name: string, version: string): Promise<Lookup<ReleaseInfo>> {
    const base = this.options.jsonApiUrl;
    if (base === null) return Promise.resolve({ state: 'unknown', reason: 'no JSON API is configured' });
    if (!isValidProjectName(name) || !/^[A-Za-z0-9.!+_-]+$/.test(version)) {
      return Promise.resolve({ state: 'unknown', reason: RELEASE_NOT_ASKED });
    }
    const normalized = normalizeName(name);
    const url = `${base}${encodeURIComponent(normalized)}/${encodeURIComponent(version)}/json`;
    return this.lookup(`${this.releasePrefix}${normalized} ${version}`, url, JSON_ACCEPT, this.releaseTtlMs, (res) => decodeRelease(res.body));
  }

  provenance(name: string, url: string): Promise<Lookup<AttestationBundle[]>> {
    if (this.options.unusable) return Promise.resolve({ state: 'unknown', reason: this.options.unusable });
    const target = provenanceTarget(this.options.indexUrl, normalizeName(name), url);
    if (target === undefined) return Promise.resolve({ state: 'unknown', reason: 'the index gave a provenance URL that is not http(s)' });
    // A file's provenance never changes once uploaded: it is kept as long as a release document.
    return this.lookup(`provenance ${withoutCredentials(target)}`, target, JSON_ACCEPT, this.releaseTtlMs, (res) => {
      const decoded = decodeProvenance(res.body);
      if (!decoded.ok) throw new DecodeError(decoded.message);
      return decoded.bundles;
    });
  }

  projectPage(name: string): string | undefined {
    return this.options.unusable ? undefined : projectPageUrl(this.options.indexUrl, normalizeName(name));
  }

  peekProject(name: string): Lookup<ProjectInfo> | undefined {
    return this.peek<ProjectInfo>(this.simplePrefix + normalizeName(name), this.options.ttlMs);
  }

  peekRelease(name: string, version: string): Lookup<ReleaseInfo> | undefined {
    if (this.options.jsonApiUrl === null) return undefined;
    return this.peek<ReleaseInfo>(`${this.releasePrefix}${normalizeName(name)} ${version}`, this.releaseTtlMs);
  }

  private peek<T>(key: string, ttlMs: number): Lookup<T> | undefined {
    if (this.options.unusable) return undefined;
    const entry = this.options.cache.get<T>(key);
    if (!entry || (!this.options.offline && !this.fresh(entry, ttlMs))) return undefined;
    return toLookup(entry);
  }

  /** Fetched less than the TTL ago. An entry from the future (a clock that was ahead) has no known age. */
  private fresh(entry: CacheEntry<unknown>, ttlMs: number): boolean {
    const age = this.now() - entry.fetchedAt;
    return age >= 0 && age < ttlMs;
  }

  private lookup<T>(key: string, url: string, accept: string, ttlMs: number, decode: (res: Extract<HttpResult, { kind: 'ok' }>) => T): Promise<Lookup<T>> {
    const running = this.inflight.get(key);
    if (running) return running as Promise<Lookup<T>>;
    const promise = this.resolve(key, url, accept, ttlMs, decode)
      .catch((e: unknown): Lookup<T> => {
        // A bug here must cost one lookup, not the server.
        this.log(`index lookup crashed: ${redactUrl(url)}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        return { state: 'unknown', reason: 'internal error' };
      })
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, promise);
    return promise;
  }

  private async resolve<T>(
    key: string,
    url: string,
    accept: string,
    ttlMs: number,
    decode: (res: Extract<HttpResult, { kind: 'ok' }>) => T,
  ): Promise<Lookup<T>> {
    const cached = this.options.cache.get<T>(key);
    if (cached && (this.options.offline || this.fresh(cached, ttlMs))) return toLookup(cached);
    if (this.options.offline) return { state: 'unknown', reason: 'offline and not in the cache' };
    if (this.refused !== undefined) return fallback(cached, this.refused);

    const origin = originOf(url);
    // Checked without a wait first: nearly every lookup finds the index not backed off.
    const blocked = this.backoff.get(origin);
    if (blocked && blocked.until > this.now() && !(await this.backoffOver(origin))) {
      const until = this.backoff.get(origin)?.until ?? this.now();
      return fallback(cached, `the index is backed off after errors (retrying in ${Math.ceil((until - this.now()) / 1000)} s)`);
    }

    const result = await this.limiter.run(
      () => this.options.http.get(url, cached?.etag ? { accept, etag: cached.etag } : { accept }),
      accept === SIMPLE_ACCEPT,
    );
    // Decoding and storing wait for a turn of their own, so that other answers already
    // arrived first free their connections for the next requests (see turns.ts).
    await nextTurn();
    this.stats.requests++;
    this.stats.bytes += result.bytes;
    const now = this.now();
    switch (result.kind) {
      case 'ok': {
        let data: T;
        try {
          data = decode(result);
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
          this.fail(origin, redactUrl(url), e.message);
          return fallback(cached, e.message);
        }
        this.backoff.delete(origin);
        const entry: CacheEntry<T> = { key, fetchedAt: now, state: 'found', data };
        if (result.etag) entry.etag = result.etag;
        this.options.cache.set(entry);
        return toLookup(entry);
      }
      case 'not-modified': {
        this.stats.notModified++;
        this.backoff.delete(origin);
        if (!cached) return { state: 'unknown', reason: 'the index answered 304 to an unconditional request' };
        const entry: CacheEntry<T> = { ...cached, fetchedAt: now };
        if (result.etag) entry.etag = result.etag;
        this.options.cache.set(entry);
        return toLookup(entry);
      }
      case 'not-found': {
        this.backoff.delete(origin);
        const entry: CacheEntry<T> = { key, fetchedAt: now, state: 'not-found' };
        this.options.cache.set(entry);
        return toLookup(entry);
      }
      case 'failed': {
        if (result.status === 401 || result.status === 403) return fallback(cached, this.refusal(result.status, redactUrl(url)));
        this.fail(origin, redactUrl(url), result.reason, result.retryAfterMs, result.status);
        return fallback(cached, result.reason);
      }
    }
  }

  /**
   * A refused request is said once per index, with where credentials go. A 401 (no or wrong
   * credentials) holds for every project; a 403 may be one project's (a repository manager's
   * block), so the index is still asked for the others.
   */
  private refusal(status: number, url: string): string {
    // An index without a hint of its own (the settings', a requirements file's) takes what works for any.
    const where = this.options.credentialHint ?? `a ~/.netrc entry for ${new URL(this.options.indexUrl).hostname}, or the index URL`;
    const hint = where ? `: set credentials in ${where}` : '';
    const reason = `index \`${this.label}\` refused the request (HTTP ${status})${hint}`;
    if (!this.refusalLogged) this.log(`index lookup failed: ${url}: ${reason}`);
    this.refusalLogged = true;
    if (status === 401 && this.refused === undefined) this.options.onRefused?.({ label: this.label, origin: originOf(this.options.indexUrl) });
    if (status === 401) this.refused = reason;
    this.stats.failures++;
    return reason;
  }

  /** Whether the origin may be asked now: it is not backed off, or the wait was worth it and is over. */
  private async backoffOver(origin: string): Promise<boolean> {
    for (;;) {
      const blocked = this.backoff.get(origin);
      const now = this.now();
      if (!blocked || blocked.until <= now) return true;
      if (this.options.patienceMs === undefined) return false;
      this.patientUntil ??= now + this.options.patienceMs;
      if (blocked.until > this.patientUntil) return false;
      await new Promise((resolve) => setTimeout(resolve, blocked.until - now));
    }
  }

  private fail(origin: string, url: string, reason: string, retryAfterMs?: number, status?: number): void {
    this.stats.failures++;
    const now = this.now();
    const previous = this.backoff.get(origin);
    // Requests that were in flight together fail together: that is one outage, not many,
    // so the delay doubles only for a failure after the previous wait is over.
    const sameOutage = previous !== undefined && previous.until > now;
    const failures = sameOutage ? previous.failures : (previous?.failures ?? 0) + 1;
    // Client errors other than 429 say nothing about the index's health; anything else
    // (no answer, 429, 5xx, a damaged or oversized body even with a 200) is an outage.
    const transient = status === undefined || status === 429 || status >= 500 || status < 400;
    const delay = retryAfterMs ?? (transient ? Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** (failures - 1)) : 0);
    const until = Math.max(previous?.until ?? 0, now + Math.min(delay, MAX_BACKOFF_MS));
    if (delay > 0) this.backoff.set(origin, { until, failures });
    this.log(`index lookup failed: ${url}: ${reason}${delay > 0 ? `; next attempt in ${Math.round((until - now) / 1000)} s` : ''}`);
  }

  /** How long until this source asks the index again after failures (0 when it is not backing off). */
  retryDelay(): number {
    const now = this.now();
    let longest = 0;
    for (const { until } of this.backoff.values()) longest = Math.max(longest, until - now);
    return longest;
  }
}

/** The project's page on PyPI (or TestPyPI); other indexes have no known page layout. */
export function projectPageUrl(indexUrl: string, name: string): string | undefined {
  let host: string;
  try {
    host = new URL(indexUrl).host;
  } catch {
    return undefined;
  }
  if (host === 'pypi.org' || host === 'test.pypi.org') return `https://${host}/project/${encodeURIComponent(name)}/`;
  return undefined;
}

/**
 * The provenance URL resolved against the project's page. The index's credentials go with it only
 * to the index's own origin, as pip sends them; any the page itself wrote into the URL are dropped.
 */
export function provenanceTarget(indexUrl: string, normalized: string, url: string): string | undefined {
  try {
    const index = new URL(indexUrl);
    const target = new URL(url, new URL(`${encodeURIComponent(normalized)}/`, index));
    if (target.protocol !== 'https:' && target.protocol !== 'http:') return undefined;
    const own = target.origin === index.origin;
    target.username = own ? index.username : '';
    target.password = own ? index.password : '';
    return target.href;
  } catch {
    return undefined;
  }
}

function toLookup<T>(entry: CacheEntry<T>): Lookup<T> {
  return entry.state === 'found' ? { state: 'found', data: entry.data as T, fetchedAt: entry.fetchedAt } : { state: 'not-found', fetchedAt: entry.fetchedAt };
}

/** After a failure, an expired answer is still the best knowledge; without one the state is unknown. */
function fallback<T>(cached: CacheEntry<T> | undefined, reason: string): Lookup<T> {
  if (cached?.state === 'found') return { state: 'found', data: cached.data as T, fetchedAt: cached.fetchedAt, stale: reason };
  if (cached?.state === 'not-found') return { state: 'not-found', fetchedAt: cached.fetchedAt, stale: reason };
  return { state: 'unknown', reason };
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/**
 * At most `limit` tasks at once, the rest queued in order; urgent tasks (the
 * simple-API lookups that decide a project's status) jump ahead of the JSON API
 * lookups, so statuses arrive first on a cold open.
 */
export class Limiter {
  private active = 0;
  private readonly queue: (() => void)[] = [];
  private readonly urgent: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>, isUrgent = false): Promise<T> {
    // A finishing task hands its slot straight to the next waiter, so the limit is never exceeded.
    if (this.active >= this.limit) await new Promise<void>((resolve) => (isUrgent ? this.urgent : this.queue).push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.urgent.shift() ?? this.queue.shift();
      if (next) next();
      else this.active--;
    }
  }
}
