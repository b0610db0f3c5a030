/**
 * uv's indexes for a project: UV_INDEX / UV_EXTRA_INDEX_URL first, then the project's `[[index]]`
 * and `extra-index-url` (its uv.toml, else its pyproject's [tool.uv]), then the user's and the
 * system's uv.toml, each in the order written; the first `default = true` index, `index-url`,
 * UV_DEFAULT_INDEX or UV_INDEX_URL replaces PyPI as the last one. `explicit` indexes serve only
 * the dependencies [tool.uv.sources] pins to them. uv stops at the first index that has a project.
 */
import { PYPI_SIMPLE_URL } from '../settings.js';
import type { ConfigContext, IndexRef } from './model.js';
import { readUvToml, type NamedIndex, type UvLayer } from './project.js';
import { displayPath, inWorkspace, paths, splitIndexUrl } from './urls.js';

export interface UvSource {
  layer: UvLayer;
  /** e.g. `pyproject.toml [tool.uv]` or `~/.config/uv/uv.toml`. */
  from: string;
  workspace: boolean;
  /** Its indexes only serve pins (a pyproject's [tool.uv] beside a uv.toml, whose settings win). */
  namesOnly?: boolean;
}

export interface UvIndexes {
  /** Looked up in this order for every dependency not pinned; the default index last. */
  general: IndexRef[];
  /** Every named index, explicit ones included, for pins. */
  named: Map<string, IndexRef>;
  warnings: string[];
}

/** The user's and the system's uv.toml (UV_CONFIG_FILE instead of both; UV_NO_CONFIG: none). */
export function uvMachineFiles(ctx: ConfigContext): UvSource[] {
  const { env } = ctx;
  if (env.UV_NO_CONFIG && env.UV_NO_CONFIG !== '0' && env.UV_NO_CONFIG.toLowerCase() !== 'false') return [];
  const p = paths(ctx);
  const candidates: string[] = [];
  if (env.UV_CONFIG_FILE) candidates.push(env.UV_CONFIG_FILE);
  else if (ctx.platform === 'win32') {
    candidates.push(p.join(env.APPDATA ?? p.join(ctx.home, 'AppData', 'Roaming'), 'uv', 'uv.toml'));
    candidates.push(p.join(`${env.SYSTEMDRIVE ?? 'C:'}\\`, 'ProgramData', 'uv', 'uv.toml'));
  } else {
    candidates.push(p.join(env.XDG_CONFIG_HOME?.trim() || p.join(ctx.home, '.config'), 'uv', 'uv.toml'));
    const system = (env.XDG_CONFIG_DIRS?.trim() || '')
      .split(':')
      .filter((d) => d !== '')
      .map((d) => p.join(d, 'uv', 'uv.toml'));
    candidates.push(system.find((f) => ctx.readFile(f) !== undefined) ?? '/etc/uv/uv.toml');
  }
  const found: UvSource[] = [];
  for (const file of candidates) {
    const text = ctx.readFile(file);
    if (text !== undefined) found.push({ layer: readUvToml(text), from: displayPath(ctx, file), workspace: inWorkspace(ctx, file) });
  }
  return found;
}

/** UV_INDEX_<NAME>_USERNAME: the name upper-cased, every other character than A-Z and 0-9 an underscore. */
export function uvCredentialVariable(name: string, part: 'USERNAME' | 'PASSWORD'): string {
  return `UV_INDEX_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_${part}`;
}

export function uvIndexes(ctx: ConfigContext, layers: UvSource[]): UvIndexes {
  const warnings: string[] = [];
  const general: IndexRef[] = [];
  const named = new Map<string, IndexRef>();
  let defaultIndex: IndexRef | undefined;
  const make = (raw: string, from: string, workspace: boolean, name?: string): IndexRef | undefined => {
    const split = splitIndexUrl(raw, from);
    if (!split) {
      warnings.push(`${from}: ${JSON.stringify(raw)} is not an http(s) index URL; ignored`);
      return undefined;
    }
    const ref: IndexRef = { url: split.url, from, workspace, credentialHint: credentialHint(name, split.url) };
    if (name !== undefined) ref.name = name;
    const username = name === undefined ? undefined : ctx.env[uvCredentialVariable(name, 'USERNAME')];
    const password = name === undefined ? undefined : ctx.env[uvCredentialVariable(name, 'PASSWORD')];
    if (username !== undefined || password !== undefined) {
      ref.credentials = {
        username: username ?? split.credentials?.username ?? '',
        password: password ?? split.credentials?.password ?? '',
        from: 'UV_INDEX_*_USERNAME/PASSWORD',
      };
    } else if (split.credentials) ref.credentials = split.credentials;
    return ref;
  };
  const add = (ref: IndexRef | undefined, index?: NamedIndex, namesOnly = false) => {
    if (!ref) return;
    if (ref.name !== undefined) {
      // An index of the same name higher up (the environment, the project) replaces this one.
      if (named.has(ref.name)) return;
      named.set(ref.name, ref);
    }
    if (index?.explicit || namesOnly) return;
    if (index?.default) defaultIndex ??= ref;
    else if (!general.some((g) => g.url === ref.url)) general.push(ref);
  };
  const { env } = ctx;
  for (const entry of (env.UV_INDEX ?? '').split(/\s+/).filter((e) => e !== '')) {
    const eq = /^([A-Za-z0-9_.-]+)=(.+)$/.exec(entry);
    const name = eq?.[1];
    add(make(eq ? eq[2]! : entry, 'UV_INDEX', false, name));
  }
  for (const url of (env.UV_EXTRA_INDEX_URL ?? '').split(/\s+/).filter((e) => e !== '')) add(make(url, 'UV_EXTRA_INDEX_URL', false));
  const envDefault = env.UV_DEFAULT_INDEX?.trim() ? 'UV_DEFAULT_INDEX' : env.UV_INDEX_URL?.trim() ? 'UV_INDEX_URL' : undefined;
  if (envDefault) defaultIndex = make(env[envDefault]!, envDefault, false);
  for (const { layer, from, workspace, namesOnly } of layers) {
    for (const index of layer.indexes) add(make(index.url, `${from} [[index]]`, workspace, index.name), index, namesOnly);
    if (namesOnly) continue;
    for (const url of layer.extraIndexUrls) add(make(url, `${from} extra-index-url`, workspace));
    if (layer.indexUrl !== undefined) defaultIndex ??= make(layer.indexUrl, `${from} index-url`, workspace);
  }
  general.push(defaultIndex ?? { url: PYPI_SIMPLE_URL, from: "uv's default (PyPI)", workspace: false, credentialHint: '' });
  return { general, named, warnings };
}

function credentialHint(name: string | undefined, url: string): string {
  const host = new URL(url).hostname;
  const variables = name === undefined ? '' : `${uvCredentialVariable(name, 'USERNAME')} and ${uvCredentialVariable(name, 'PASSWORD')}, `;
  return `${variables}a ~/.netrc entry for ${host}, or the index URL`;
}
