/** The real machine as the index configuration readers see it. */
import { readFileSync, statSync } from 'node:fs';
import * as os from 'node:os';
import type { ConfigContext } from './model.js';

/** Configuration files are small; anything larger is not one, and is not read. */
const MAX_CONFIG_BYTES = 1024 * 1024;
/** Files are read again after this long: a keystroke resolves indexes, an edit of pip.conf shows soon. */
const FRESH_MS = 3000;

export function machineContext(env: Record<string, string | undefined>, workspaceRoots: readonly string[] = []): ConfigContext {
  const memo = new Map<string, { at: number; text: string | undefined }>();
  const home = (process.platform === 'win32' ? env.USERPROFILE : env.HOME) || os.homedir();
  return {
    env,
    home,
    platform: process.platform,
    workspaceRoots,
    readFile(file) {
      const now = Date.now();
      const known = memo.get(file);
      if (known && now - known.at < FRESH_MS) return known.text;
      let text: string | undefined;
      try {
        text = statSync(file).size <= MAX_CONFIG_BYTES ? readFileSync(file, 'utf8') : undefined;
      } catch {
        text = undefined;
      }
      memo.set(file, { at: now, text });
      return text;
    },
    exists(file) {
      try {
        return statSync(file).isFile();
      } catch {
        return false;
      }
    },
  };
}
