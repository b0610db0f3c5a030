/** What the user types when an index asks for a token, and where the client keeps it: no VS Code API, so that it can be tested alone. */
import type { IndexToken } from '../../server/src/protocol.js';

/** The user name a bare token goes with, as PyPI-style indexes (and many managers') take an API token. */
export const TOKEN_USER = '__token__';

/** globalState key of the origins that have a token (the list only: the tokens are in SecretStorage). */
export const ORIGINS_KEY = 'pypiStatus.indexTokenOrigins';

/** SecretStorage key of an origin's token. */
export function secretKey(origin: string): string {
  return `pypiStatus.indexToken:${origin}`;
}

/** A bare token, or `user:token`; undefined for an empty or multi-line input. */
export function tokenFromInput(text: string): IndexToken | undefined {
  const value = text.trim();
  if (value === '' || /[\r\n]/.test(value)) return undefined;
  const colon = value.indexOf(':');
  if (colon <= 0 || colon === value.length - 1) return { username: TOKEN_USER, password: value };
  return { username: value.slice(0, colon), password: value.slice(colon + 1) };
}

/** Why the input box's text cannot be used, or undefined when it can. */
export function validateTokenInput(text: string): string | undefined {
  return tokenFromInput(text) ? undefined : 'Enter a token, or user:token, on one line';
}

/** A token read back from SecretStorage (JSON of an IndexToken); undefined when it is not one. */
export function storedToken(text: string | undefined): IndexToken | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as { username?: unknown; password?: unknown } | null;
    if (typeof value?.username === 'string' && typeof value.password === 'string' && value.username !== '' && value.password !== '') {
      return { username: value.username, password: value.password };
    }
  } catch {
    // Not ours: treated as no token.
  }
  return undefined;
}

/** The origins list as stored; what is not a string (a damaged list) is dropped. */
export function knownOrigins(list: unknown): string[] {
  return Array.isArray(list) ? [...new Set(list.filter((o): o is string => typeof o === 'string' && o !== ''))] : [];
}

/** The origins list with one added or removed, without duplicates. */
export function updateOrigins(list: unknown, origin: string, add: boolean): string[] {
  const known = knownOrigins(list).filter((o) => o !== origin);
  return add ? [...known, origin] : known;
}
