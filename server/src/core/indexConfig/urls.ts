/** Index URLs as configurations write them: normalized, with any credentials taken out. */
import * as path from 'node:path';
import type { ConfigContext, Credentials } from './model.js';
import { decodeLoosely } from '../pypi/http.js';

/** An http(s) URL ending in `/` without user name or password, and those credentials; undefined when it is not http(s). */
export function splitIndexUrl(raw: string, from: string): { url: string; credentials?: Credentials } | undefined {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  let credentials: Credentials | undefined;
  if (url.username || url.password) {
    credentials = { username: decodeLoosely(url.username), password: decodeLoosely(url.password), from: `the URL in ${from}` };
    url.username = '';
    url.password = '';
  }
  const href = url.href.endsWith('/') ? url.href : `${url.href}/`;
  return credentials ? { url: href, credentials } : { url: href };
}

/** The URL with credentials as userinfo, which the HTTP client sends to that origin only. */
export function withCredentials(url: string, credentials: Credentials | undefined): string {
  if (!credentials) return url;
  const u = new URL(url);
  // Encoded first: the URL setters leave `%` as it is, and the HTTP client decodes every escape.
  u.username = encodeURIComponent(credentials.username);
  u.password = encodeURIComponent(credentials.password);
  return u.href;
}

/** The path module of the context's platform (tests read Windows' places on Linux). */
export function paths(ctx: ConfigContext): path.PlatformPath {
  return ctx.platform === 'win32' ? path.win32 : path.posix;
}

/** Whether a file lies in one of the workspace's folders. */
export function inWorkspace(ctx: ConfigContext, file: string): boolean {
  const p = paths(ctx);
  return ctx.workspaceRoots.some((root) => {
    const rel = p.relative(root, file);
    return rel !== '' && !rel.startsWith('..') && !p.isAbsolute(rel);
  });
}

/** `~` shown for the home directory, so that messages name the file a user knows. */
export function displayPath(ctx: ConfigContext, file: string): string {
  const p = paths(ctx);
  const rel = p.relative(ctx.home, file);
  return rel !== '' && !rel.startsWith('..') && !p.isAbsolute(rel) ? `~${p.sep}${rel}` : file;
}
