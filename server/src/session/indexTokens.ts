/**
 * Tokens a client handed over for indexes, by origin, kept in memory only (never logged, never
 * written), and which refusals the client has been told of. A token applies to its own origin
 * only; the HTTP client sends it to that origin alone, never across a redirect.
 */
import type { Credentials } from '../core/indexConfig/model.js';
import type { IndexRefusedParams, IndexTokenParams } from '../protocol.js';
import { isSealed, openToken } from '../tokenSeal.js';

/** Where a token from the client is said to come from (hovers and --print-config show this, never the token). */
export const TOKEN_SOURCE = 'a token entered in the editor';

/** The origin of an http(s) URL or origin, lower-cased as URL does it; undefined for anything else. */
export function originOf(raw: string): string | undefined {
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A client's token message, checked: the token (or null) for an origin, or why it cannot be used
 * (without the token). With a key (the VS Code client passes one in the environment), a token must
 * be sealed with it; without one, it comes as it is (clients that do not seal).
 */
export function readTokenParams(params: unknown, key?: Buffer): { origin: string; token: Credentials | null } | { error: string } {
  const p = (typeof params === 'object' && params !== null ? params : {}) as { [K in keyof IndexTokenParams]?: unknown };
  const origin = typeof p.origin === 'string' ? originOf(p.origin) : undefined;
  if (origin === undefined)
    return { error: `a token was given for ${typeof p.origin === 'string' ? `"${p.origin.slice(0, 200)}", which is not an http(s) origin` : 'no origin'}` };
  if (p.token === null || p.token === undefined) return { origin, token: null };
  let t = p.token as { username?: unknown; password?: unknown };
  if (key || isSealed(p.token)) {
    const opened = key && isSealed(p.token) ? openToken(p.token, p.origin as string, key) : undefined;
    if (!opened) return { error: `the token given for ${origin} is not sealed with this server's key (or was altered); it is not used` };
    t = opened;
  }
  const valid = (v: unknown): v is string => typeof v === 'string' && v !== '' && !/[\r\n]/.test(v);
  if (typeof t !== 'object' || !valid(t.username) || !valid(t.password) || t.username.includes(':')) {
    return { error: `the token given for ${origin} is not a user name (without ":") and a password, each on one line; it is not used` };
  }
  return { origin, token: { username: t.username, password: t.password, from: TOKEN_SOURCE } };
}

export class IndexTokens {
  private readonly tokens = new Map<string, Credentials>();
  /** The key sealed tokens are opened with (TOKEN_KEY_ENV), when the client gave one. */
  readonly key: Buffer | undefined;

  constructor(key?: Buffer) {
    this.key = key;
  }
  /** `label origin` of the refusals the client has been told of. */
  private readonly told = new Set<string>();

  /** The token for an index URL's origin (a SecretLookup; a property, as it is handed on). */
  readonly lookup = (indexUrl: string): Credentials | undefined => {
    const origin = originOf(indexUrl);
    return origin === undefined ? undefined : this.tokens.get(origin);
  };

  /** The tokens a client gives in initializationOptions (`indexTokens`): there before any lookup. */
  initialize(init: unknown, warn: (message: string) => void): void {
    const list = typeof init === 'object' && init !== null ? (init as { indexTokens?: unknown }).indexTokens : undefined;
    if (list === undefined) return;
    if (!Array.isArray(list)) return warn('initializationOptions.indexTokens is not a list; no token is used');
    for (const item of list) {
      const read = readTokenParams(item, this.key);
      if ('error' in read) warn(read.error);
      else this.set(read.origin, read.token);
    }
  }

  /** Stores or forgets a token; true when that changes what is sent. A new token may be wrong too: its refusal is told again. */
  set(origin: string, token: Credentials | null): boolean {
    const before = this.tokens.get(origin);
    if (token) this.tokens.set(origin, token);
    else this.tokens.delete(origin);
    for (const key of this.told) if (key.endsWith(` ${origin}`)) this.told.delete(key);
    return token ? before?.username !== token.username || before.password !== token.password : before !== undefined;
  }

  /** Whether the client should hear of this refusal: once per index and origin (per token). */
  shouldTell(refusal: IndexRefusedParams): boolean {
    const key = `${refusal.label} ${refusal.origin}`;
    if (this.told.has(key)) return false;
    this.told.add(key);
    return true;
  }
}
