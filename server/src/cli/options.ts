/** Flags and [tool.pypi-status] merged into one run's options; flags win. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { resolveSettings, type Settings } from '../core/settings.js';
import type { CheckFlags } from './args.js';
import type { FileConfig } from './config.js';
import { UsageError, baseUrl, type FailOn, type Format } from './values.js';

export interface RunOptions {
  cwd: string;
  /** Absolute paths of the files and directories to scan. */
  roots: string[];
  settings: Settings;
  exclude: string[];
  failOn: FailOn;
  strict: boolean;
  offline: boolean;
  format: Format;
  /** Absolute path of the report file; undefined: standard output. */
  output?: string;
  color: boolean;
  configFile?: string;
}

export interface Terminal {
  env: Record<string, string | undefined>;
  stdoutIsTTY: boolean;
}

export async function resolveRunOptions(flags: CheckFlags, config: FileConfig | undefined, cwd: string, terminal: Terminal): Promise<RunOptions> {
  const named = (flags.paths.length > 0 ? flags.paths : ['.']).map((p) => path.resolve(cwd, p));
  const roots: string[] = [];
  for (const [i, root] of named.entries()) {
    // A missing PATH is a typo on the command line, not a finding in a file.
    await fs.stat(root).catch(() => {
      throw new UsageError(`${flags.paths[i] ?? root}: no such file or directory`);
    });
    roots.push(root);
  }

  const raw: Record<string, unknown> = {};
  const fromEnv = indexUrlsFromEnv(terminal.env);
  // As pip's PIP_INDEX_URL: a flag wins over the environment, and the environment over a file.
  const indexUrl = flags.indexUrl ?? fromEnv.indexUrl ?? config?.indexUrl;
  if (indexUrl !== undefined) raw.indexUrl = indexUrl;
  if (flags.noJsonApi) raw.jsonApiUrl = null;
  else if (flags.jsonApiUrl !== undefined) raw.jsonApiUrl = flags.jsonApiUrl;
  else if (fromEnv.jsonApiUrl !== undefined) raw.jsonApiUrl = fromEnv.jsonApiUrl;
  else if (config?.jsonApiUrl !== undefined) raw.jsonApiUrl = config.jsonApiUrl;
  // Left undefined, core picks the JSON API: PyPI's for PyPI, none for any other index.

  let cacheDirectory: string | null | undefined;
  if (flags.noCache) cacheDirectory = null;
  else if (flags.cacheDir !== undefined) cacheDirectory = path.resolve(cwd, flags.cacheDir);
  else if (config?.cacheDir !== undefined) cacheDirectory = config.cacheDir;
  if (cacheDirectory !== undefined) raw.cache = { directory: cacheDirectory };

  const concurrency = flags.concurrency ?? config?.concurrency;
  if (concurrency !== undefined) raw.concurrency = concurrency;
  const minimumReleaseAge = flags.minimumReleaseAge ?? config?.minimumReleaseAge;
  if (minimumReleaseAge !== undefined) raw.minimumReleaseAge = minimumReleaseAge;
  raw.severity = { ...config?.severity, ...flags.severity };
  raw.ignore = [...(config?.ignore ?? []), ...flags.ignore];
  if (flags.noLockFiles || config?.lockFiles === false) raw.lockFiles = false;

  // Every value was validated above; a complaint here is a bug of this module, so it is not swallowed.
  const settings = resolveSettings(raw, (message) => {
    throw new Error(`settings rejected after validation: ${message}`);
  });

  const exclude = [
    // Flags: as core matches them (relative to each PATH, or absolute), and relative to the current directory.
    ...flags.exclude.flatMap((p) => [p, anchor(cwd, p)]),
    // The file's patterns are relative to the file, wherever the command runs.
    ...(config?.exclude ?? []).map((p) => anchor(path.dirname(config!.file), p)),
  ];

  const options: RunOptions = {
    cwd,
    roots,
    settings,
    exclude: [...new Set(exclude)],
    failOn: flags.failOn ?? config?.failOn ?? 'error',
    strict: flags.strict,
    offline: flags.offline,
    format: flags.format,
    color: flags.format === 'text' && flags.output === undefined && useColor(flags.noColor, terminal),
  };
  if (flags.output !== undefined) options.output = path.resolve(cwd, flags.output);
  if (config) options.configFile = config.file;
  return options;
}

/** PYPI_STATUS_INDEX_URL and PYPI_STATUS_JSON_API_URL, for a hook or CI job that cannot change the command line; empty is unset. */
export function indexUrlsFromEnv(env: Record<string, string | undefined>): { indexUrl?: string; jsonApiUrl?: string } {
  const urls: { indexUrl?: string; jsonApiUrl?: string } = {};
  const { PYPI_STATUS_INDEX_URL: index, PYPI_STATUS_JSON_API_URL: jsonApi } = env;
  if (index !== undefined && index.trim() !== '') urls.indexUrl = baseUrl(index, 'PYPI_STATUS_INDEX_URL');
  if (jsonApi !== undefined && jsonApi.trim() !== '') urls.jsonApiUrl = baseUrl(jsonApi, 'PYPI_STATUS_JSON_API_URL');
  return urls;
}

/** NO_COLOR (no-color.org) and FORCE_COLOR (force-color.org) as other tools read them; --no-color wins over both. */
function useColor(noColor: boolean, terminal: Terminal): boolean {
  if (noColor) return false;
  const { NO_COLOR, FORCE_COLOR, TERM } = terminal.env;
  if (NO_COLOR !== undefined && NO_COLOR !== '') return false;
  if (FORCE_COLOR !== undefined && FORCE_COLOR !== '') return FORCE_COLOR !== '0' && FORCE_COLOR !== 'false';
  return terminal.stdoutIsTTY && TERM !== 'dumb';
}

/** A glob made absolute under `dir`, with the directory's own glob characters escaped. */
export function anchor(dir: string, pattern: string): string {
  const posix = (p: string) => p.split(path.sep).join('/');
  if (path.isAbsolute(pattern)) return posix(pattern);
  // Leading `./` and `../` are resolved: picomatch matches paths, which never contain them.
  let rest = pattern;
  for (let step = /^\.\.?\//.exec(rest); step; step = /^\.\.?\//.exec(rest)) {
    if (step[0] === '../') dir = path.dirname(dir);
    rest = rest.slice(step[0].length);
  }
  pattern = rest;
  const base = posix(dir).replace(/[\\*?[\]{}()!+@|]/g, '\\$&');
  return `${base.replace(/\/$/, '')}/${pattern}`;
}
