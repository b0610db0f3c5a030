/**
 * User settings (section `pypiStatus`), validated. The same shape comes from
 * `workspace/configuration`, from `initializationOptions`, and from CLI flags.
 */
import { defaultCacheDirectory } from './cacheDirectory.js';
import { DEFAULT_SEVERITY, isDiagnosticCode, type DiagnosticCode, type Severity } from './codes.js';
import { isValidProjectName, normalizeName } from './pep508.js';
import { redactText } from './redact.js';

export const PYPI_SIMPLE_URL = 'https://pypi.org/simple/';
export const PYPI_JSON_API_URL = 'https://pypi.org/pypi/';

export type SeverityOrOff = Severity | 'off';
export type { DiagnosticCode } from './codes.js';

export interface Settings {
  indexUrl: string;
  /** indexUrl was set by the user: it replaces the index configuration of pip, uv, Poetry and PDM. */
  indexUrlSet?: boolean;
  /**
   * Why the configured index cannot be used (its URL is not an http(s) URL). Nothing is then
   * looked up: falling back to PyPI would send a private index's dependency names there.
   */
  indexUnusable?: string;
  /** null: no JSON API (no vulnerability, yanked-reason or inactive checks). */
  jsonApiUrl: string | null;
  cacheDirectory: string | null;
  ttlMs: number;
  concurrency: number;
  severity: Record<DiagnosticCode, SeverityOrOff>;
  /** Normalized names never reported. */
  ignore: Set<string>;
  /** Normalized name → alternatives, as configured. */
  alternatives: Map<string, string[]>;
  /** Globs of files and folders the workspace scan skips. */
  exclude: string[];
  scanOnStartup: boolean;
  /** Read lock files (uv.lock, poetry.lock, ...) and compiled requirements' graphs; default true. */
  lockFiles: boolean;
  /** Days a pinned release must have been public before it is used (`new-release`); absent: only a cooldown the project states. */
  minimumReleaseAge?: number;
}

const SEVERITIES = new Set(['error', 'warning', 'information', 'hint', 'off']);

/** Turns whatever a client sent into settings, reporting what it had to ignore. */
export function resolveSettings(raw: unknown, warn: (message: string) => void = () => undefined): Settings {
  const r = isRecord(raw) ? raw : {};
  const givenIndex = baseUrl(r.indexUrl, 'indexUrl', warn);
  const indexUrl = givenIndex ?? PYPI_SIMPLE_URL;
  const indexUnusable =
    givenIndex === undefined && !isUnset(r.indexUrl) ? `pypiStatus.indexUrl is not an http(s) URL: ${redactText(String(r.indexUrl))}` : undefined;
  // The JSON API defaults to PyPI's only when the index is PyPI: a private
  // index must not leak its dependency names to pypi.org. Unset, null and ""
  // differ: VS Code sends every setting's default, and "" is that default (automatic).
  let jsonApiUrl: string | null = indexUrl === PYPI_SIMPLE_URL && !indexUnusable ? PYPI_JSON_API_URL : null;
  if (r.jsonApiUrl === null) jsonApiUrl = null;
  else if (!isUnset(r.jsonApiUrl)) jsonApiUrl = baseUrl(r.jsonApiUrl, 'jsonApiUrl', warn) ?? jsonApiUrl;

  const cache = isRecord(r.cache) ? r.cache : {};
  // As for the JSON API: null keeps the cache in memory, "" (VS Code's default) or unset is the platform's directory.
  let cacheDirectory: string | null = defaultCacheDirectory();
  if (cache.directory === null) cacheDirectory = null;
  else if (typeof cache.directory === 'string' && cache.directory.trim() !== '') cacheDirectory = cache.directory;
  const ttlSeconds = positiveNumber(cache.ttlSeconds, 'cache.ttlSeconds', 3600, warn);
  const concurrency = Math.min(64, Math.round(positiveNumber(r.concurrency, 'concurrency', 16, warn)));

  const severity: Record<DiagnosticCode, SeverityOrOff> = { ...DEFAULT_SEVERITY };
  if (isRecord(r.severity)) {
    for (const [code, level] of Object.entries(r.severity)) {
      if (!isDiagnosticCode(code)) warn(`pypiStatus.severity: unknown code "${code}" (known: ${Object.keys(severity).join(', ')})`);
      else if (typeof level !== 'string' || !SEVERITIES.has(level)) warn(`pypiStatus.severity.${code}: expected error, warning, information, hint or off`);
      else severity[code] = level as SeverityOrOff;
    }
  }
  const ignore = new Set<string>();
  if (Array.isArray(r.ignore)) for (const n of r.ignore) if (typeof n === 'string' && n.trim()) ignore.add(normalizeName(n.trim()));

  const alternatives = new Map<string, string[]>();
  if (isRecord(r.alternatives)) {
    for (const [name, value] of Object.entries(r.alternatives)) {
      const list: string[] = [];
      for (const v of Array.isArray(value) ? value : [value]) {
        if (typeof v !== 'string' || v.trim() === '') continue;
        // The quick fix writes the name into the file: anything but a project name would change what the file says.
        if (isValidProjectName(v.trim())) list.push(v.trim());
        else warn(`pypiStatus.alternatives.${name}: ${JSON.stringify(v)} is not a project name; ignored`);
      }
      if (list.length > 0) alternatives.set(normalizeName(name), list);
    }
  }
  const exclude = Array.isArray(r.exclude) ? r.exclude.filter((g): g is string => typeof g === 'string' && g.trim() !== '') : [];
  const scanOnStartup = r.scanOnStartup === true;
  const lockFiles = r.lockFiles !== false;
  const settings: Settings = {
    indexUrl,
    jsonApiUrl,
    cacheDirectory,
    ttlMs: ttlSeconds * 1000,
    concurrency,
    severity,
    ignore,
    alternatives,
    exclude,
    scanOnStartup,
    lockFiles,
  };
  if (indexUnusable) settings.indexUnusable = indexUnusable;
  const age = r.minimumReleaseAge;
  // 0 and null are VS Code's way of saying "not set"; a cooldown past a century is a typo.
  if (typeof age === 'number' && Number.isFinite(age) && age > 0 && age <= 36_500) settings.minimumReleaseAge = age;
  else if (age !== undefined && age !== null && age !== 0) warn('pypiStatus.minimumReleaseAge: expected a number of days between 0 and 36500; not set');
  if (givenIndex !== undefined) settings.indexUrlSet = true;
  return settings;
}

function isUnset(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

function baseUrl(value: unknown, name: string, warn: (m: string) => void): string | undefined {
  if (isUnset(value)) return undefined;
  if (typeof value !== 'string') {
    warn(`pypiStatus.${name}: expected a URL string`);
    return undefined;
  }
  try {
    const url = new URL(value.trim());
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('scheme');
    return url.href.endsWith('/') ? url.href : `${url.href}/`;
  } catch {
    warn(
      `pypiStatus.${name}: "${redactText(value)}" is not an http(s) URL${name === 'indexUrl' ? '; nothing is looked up until it is fixed' : '; using the default'}`,
    );
    return undefined;
  }
}

function positiveNumber(value: unknown, name: string, fallback: number, warn: (m: string) => void): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    warn(`pypiStatus.${name}: expected a positive number; using ${fallback}`);
    return fallback;
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
