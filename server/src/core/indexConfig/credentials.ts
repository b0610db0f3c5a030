/**
 * Credentials for indexes that have none from their own configuration: a secret the user entered
 * in the editor, else the `.netrc` entry for the host (NETRC, else ~/.netrc, or ~/_netrc on
 * Windows), as pip and uv find them. A secret the user entered wins over everything: it was
 * entered because the index refused what was there.
 */
import type { ConfigContext, Credentials, IndexRef } from './model.js';
import { netrcFor, readNetrc, type Netrc } from './netrc.js';
import { displayPath, paths } from './urls.js';

/** Credentials kept outside any file (VS Code's SecretStorage), by index URL without credentials. */
export type SecretLookup = (indexUrl: string) => Credentials | undefined;

export function loadNetrc(ctx: ConfigContext): { netrc: Netrc; file: string } | undefined {
  const p = paths(ctx);
  const files = ctx.env.NETRC ? [ctx.env.NETRC] : [p.join(ctx.home, '.netrc'), ...(ctx.platform === 'win32' ? [p.join(ctx.home, '_netrc')] : [])];
  for (const file of files) {
    const text = ctx.readFile(file);
    if (text !== undefined) return { netrc: readNetrc(text), file: displayPath(ctx, file) };
  }
  return undefined;
}

export function withMachineCredentials(ref: IndexRef, netrc: ReturnType<typeof loadNetrc>, secret?: SecretLookup): IndexRef {
  const stored = secret?.(ref.url);
  if (stored) return { ...ref, credentials: stored };
  if (ref.credentials || !netrc) return ref;
  const entry = netrcFor(netrc.netrc, new URL(ref.url).hostname);
  if (!entry) return ref;
  return { ...ref, credentials: { username: entry.login, password: entry.password, from: netrc.file } };
}
