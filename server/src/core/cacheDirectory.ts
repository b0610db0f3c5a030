/** Where pypi-status keeps what it caches on disk, by platform convention. */
import * as os from 'node:os';
import * as path from 'node:path';

/** The per-user cache directory of the platform. */
export function defaultCacheDirectory(): string {
  const home = os.homedir();
  if (process.platform === 'win32') {
    return path.join(process.env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'pypi-status', 'Cache');
  }
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Caches', 'pypi-status');
  return path.join(process.env.XDG_CACHE_HOME || path.join(home, '.cache'), 'pypi-status');
}
