/**
 * pip's index configuration: its configuration files in pip's order (pip/_internal/configuration.py),
 * then PIP_* variables. Across files a later one wins key by key; within the merged result an
 * `[install]` value wins over a `[global]` one, and a variable over both.
 */
import { IniError, readIni } from './ini.js';
import type { ConfigContext } from './model.js';
import { displayPath, inWorkspace, paths } from './urls.js';

export interface PipSetting<T> {
  value: T;
  /** Where it was set, e.g. `PIP_INDEX_URL` or `~/.config/pip/pip.conf [global]`. */
  from: string;
  workspace: boolean;
}

export interface PipConfig {
  indexUrl?: PipSetting<string>;
  extraIndexUrls?: PipSetting<string[]>;
  noIndex?: PipSetting<boolean>;
  /** The files pip would read, in order (present or not). */
  files: string[];
  warnings: string[];
}

/** pip's configuration files, lowest priority first; an empty list when PIP_CONFIG_FILE is the null device. */
export function pipConfigFiles(ctx: ConfigContext): string[] {
  const p = paths(ctx);
  const { env, home, platform } = ctx;
  const base = platform === 'win32' ? 'pip.ini' : 'pip.conf';
  const configFile = env.PIP_CONFIG_FILE;
  if (configFile !== undefined && configFile === (platform === 'win32' ? 'nul' : '/dev/null')) return [];
  let global: string[];
  let user: string[];
  if (platform === 'win32') {
    global = [p.join(env.ProgramData ?? env.ALLUSERSPROFILE ?? 'C:\\ProgramData', 'pip', base)];
    user = [p.join(home, 'pip', base), p.join(env.APPDATA ?? p.join(home, 'AppData', 'Roaming'), 'pip', base)];
  } else if (platform === 'darwin') {
    global = [p.join('/Library/Application Support/pip', base)];
    // pip uses ~/Library/Application Support/pip when that folder exists, else ~/.config/pip.
    const library = p.join(home, 'Library/Application Support/pip', base);
    user = [p.join(home, '.pip', base), ctx.readFile(library) !== undefined ? library : p.join(home, '.config/pip', base)];
  } else {
    const dirs = (env.XDG_CONFIG_DIRS?.trim() || '/etc/xdg').split(':').filter((d) => d !== '');
    global = [...dirs.map((d) => p.join(d, 'pip', base)), p.join('/etc', base)];
    const configHome = env.XDG_CONFIG_HOME?.trim() || p.join(home, '.config');
    user = [p.join(home, '.pip', base), p.join(configHome, 'pip', base)];
  }
  const files = [...global];
  // An existing PIP_CONFIG_FILE replaces the user's files (and is read last but for the variables).
  const envFileExists = configFile !== undefined && configFile !== '' && ctx.readFile(configFile) !== undefined;
  if (!envFileExists) files.push(...user);
  const venv = env.VIRTUAL_ENV?.trim();
  if (venv) files.push(p.join(venv, base));
  if (envFileExists) files.push(configFile);
  return files;
}

const TRUE = new Set(['y', 'yes', 't', 'true', 'on', '1']);
const FALSE = new Set(['n', 'no', 'f', 'false', 'off', '0']);

export function readPipConfig(ctx: ConfigContext): PipConfig {
  const files = pipConfigFiles(ctx);
  const warnings: string[] = [];
  /** `section.key` → value and where it came from, later files replacing earlier ones. */
  const merged = new Map<string, PipSetting<string>>();
  for (const file of files) {
    const text = ctx.readFile(file);
    if (text === undefined) continue;
    try {
      for (const [section, options] of readIni(text)) {
        for (const [key, value] of options) {
          const name = key.replace(/^--/, '').replace(/_/g, '-');
          merged.set(`${section}.${name}`, { value, from: `${displayPath(ctx, file)} [${section}]`, workspace: inWorkspace(ctx, file) });
        }
      }
    } catch (e) {
      if (!(e instanceof IniError)) throw e;
      warnings.push(`${displayPath(ctx, file)}: ${e.message}; pip would refuse to run, and none of it is used`);
    }
  }
  const setting = (name: string): PipSetting<string> | undefined => {
    const variable = `PIP_${name.toUpperCase().replace(/-/g, '_')}`;
    const value = ctx.env[variable];
    // pip ignores empty values wherever they come from.
    if (value !== undefined && value !== '') return { value, from: variable, workspace: false };
    for (const section of ['install', 'global']) {
      const found = merged.get(`${section}.${name}`);
      if (found && found.value !== '') return found;
    }
    return undefined;
  };
  const config: PipConfig = { files, warnings };
  const index = setting('index-url');
  if (index) config.indexUrl = index;
  const extra = setting('extra-index-url');
  if (extra) config.extraIndexUrls = { ...extra, value: extra.value.split(/\s+/).filter((u) => u !== '') };
  const noIndex = setting('no-index');
  if (noIndex) {
    const word = noIndex.value.trim().toLowerCase();
    if (TRUE.has(word) || FALSE.has(word)) config.noIndex = { ...noIndex, value: TRUE.has(word) };
    else warnings.push(`${noIndex.from}: no-index = ${JSON.stringify(noIndex.value)} is not a yes/no value; pip would refuse to run`);
  }
  return config;
}
