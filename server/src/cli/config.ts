/**
 * `[tool.pypi-status]` in pyproject.toml. Like ruff, the nearest pyproject.toml
 * at or above the current directory that HAS the table wins, so a package's
 * own pyproject.toml inside a monorepo does not hide the repository's settings.
 * The TOML is read with toml-eslint-parser, the parser the scan itself uses.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { getStaticTOMLValue, parseTOML, ParseError, type AST } from 'toml-eslint-parser';
import { deepValues, MAX_TOML_NESTING, tomlTooLarge, withoutDeepValues } from '../core/pyproject.js';
import type { DiagnosticCode, SeverityOrOff } from '../core/settings.js';
import { FAIL_ON, UsageError, baseUrl, concurrency, days, oneOf, projectNames, severityEntry, type FailOn } from './values.js';

export interface FileConfig {
  /** Absolute path of the pyproject.toml the settings come from. */
  file: string;
  indexUrl?: string;
  /** null: no JSON API (`json-api-url = false` or `""`). */
  jsonApiUrl?: string | null;
  ignore?: string[];
  /** Glob patterns, relative to the directory of `file`. */
  exclude?: string[];
  severity?: Partial<Record<DiagnosticCode, SeverityOrOff>>;
  failOn?: FailOn;
  /** Absolute; null: memory only (`cache-dir = false`). */
  cacheDir?: string | null;
  concurrency?: number;
  minimumReleaseAge?: number;
  /** false: read no lock file (`lock-files = false`), as --no-lock-files. */
  lockFiles?: boolean;
}

/** Canonical (camelCase) key for each accepted spelling. */
const KEYS: Record<string, keyof Omit<FileConfig, 'file'>> = {
  'index-url': 'indexUrl',
  indexUrl: 'indexUrl',
  'json-api-url': 'jsonApiUrl',
  jsonApiUrl: 'jsonApiUrl',
  ignore: 'ignore',
  exclude: 'exclude',
  severity: 'severity',
  'fail-on': 'failOn',
  failOn: 'failOn',
  'cache-dir': 'cacheDir',
  cacheDir: 'cacheDir',
  concurrency: 'concurrency',
  'minimum-release-age': 'minimumReleaseAge',
  minimumReleaseAge: 'minimumReleaseAge',
  'lock-files': 'lockFiles',
  lockFiles: 'lockFiles',
};

const KNOWN = 'index-url, json-api-url, ignore, exclude, severity, fail-on, cache-dir, concurrency, minimum-release-age, lock-files';

/** Walks up from `start` to the filesystem root; undefined when no pyproject.toml has the table. */
export async function findConfig(start: string): Promise<FileConfig | undefined> {
  let dir = path.resolve(start);
  for (;;) {
    const file = path.join(dir, 'pyproject.toml');
    const text = await fs.readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR' || e.code === 'EACCES') return undefined;
      throw new UsageError(`cannot read ${file}: ${e.code ?? e.message}`);
    });
    if (text !== undefined) {
      const config = parseConfig(text, file);
      if (config) return config;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The settings of one pyproject.toml, or undefined when it has no [tool.pypi-status] table. */
export function parseConfig(text: string, file: string): FileConfig | undefined {
  let doc: unknown;
  const tooLarge = tomlTooLarge(text);
  if (tooLarge !== undefined) {
    if (/pypi-status/.test(text)) throw new UsageError(`${file}: ${tooLarge}`);
    return undefined;
  }
  // The parser and getStaticTOMLValue recurse into values: deep ones are emptied first (they are
  // garbage to any TOML reader), unless they sit where the settings are.
  const deep = deepValues(text);
  try {
    const program = parseTOML(withoutDeepValues(text, deep));
    const inSettings = deep.find((v) => holdsSettings(program, v.start));
    if (inSettings) {
      const line = text.slice(0, inSettings.start).split('\n').length;
      throw new UsageError(
        `${file}:${line}: a value nests more than ${MAX_TOML_NESTING} arrays and inline tables deep where [tool.pypi-status] may be; pypi-status cannot read it`,
      );
    }
    doc = getStaticTOMLValue(program);
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    // A broken file that may hold our settings cannot be ignored: the check would run with the
    // wrong ones. One that cannot is passed over (the scan reports its syntax error if it is in scope).
    if (/pypi-status/.test(text)) throw new UsageError(`${file}:${e.lineNumber}:${e.column + 1}: invalid TOML: ${e.message}`);
    return undefined;
  }
  const tool = isTable(doc) ? doc.tool : undefined;
  if (!isTable(tool) || !('pypi-status' in tool)) return undefined;
  const table = tool['pypi-status'];
  const where = `${file}: [tool.pypi-status]`;
  if (!isTable(table)) throw new UsageError(`${where} must be a table`);

  const config: FileConfig = { file };
  const dir = path.dirname(file);
  const seen = new Map<string, string>();
  for (const [key, value] of Object.entries(table)) {
    const canonical = KEYS[key];
    if (!canonical) throw new UsageError(`${where}: unknown key "${key}" (known: ${KNOWN})`);
    const other = seen.get(canonical);
    if (other !== undefined) throw new UsageError(`${where}: "${other}" and "${key}" are the same setting`);
    seen.set(canonical, key);
    const what = `${where} ${key}`;
    switch (canonical) {
      case 'indexUrl':
        config.indexUrl = baseUrl(string(value, what), what);
        break;
      case 'jsonApiUrl':
        config.jsonApiUrl = value === false || value === '' ? null : baseUrl(string(value, what, 'a URL, "" or false'), what);
        break;
      case 'ignore':
        config.ignore = projectNames(strings(value, what), what);
        break;
      case 'exclude':
        config.exclude = strings(value, what).map((p) => {
          if (p.trim() === '') throw new UsageError(`${what}: empty pattern`);
          return p;
        });
        break;
      case 'severity': {
        if (!isTable(value)) throw new UsageError(`${what}: expected a table such as { archived = "error" }`);
        config.severity = {};
        for (const [code, level] of Object.entries(value)) Object.assign(config.severity, severityEntry(code, level, what));
        break;
      }
      case 'failOn':
        config.failOn = oneOf(string(value, what), FAIL_ON, what);
        break;
      case 'cacheDir':
        // Relative to the file, as every path in a configuration file is.
        config.cacheDir = value === false ? null : path.resolve(dir, nonEmpty(string(value, what, 'a directory or false'), what));
        break;
      case 'concurrency':
        config.concurrency = concurrency(value, what);
        break;
      case 'minimumReleaseAge':
        config.minimumReleaseAge = days(value, what);
        break;
      case 'lockFiles':
        if (typeof value !== 'boolean') throw new UsageError(`${what}: expected true or false`);
        config.lockFiles = value;
        break;
    }
  }
  return config;
}

/** Whether the top-level table or key/value at `offset` is, or may hold, `tool.pypi-status`. */
function holdsSettings(program: AST.TOMLProgram, offset: number): boolean {
  for (const node of program.body[0].body) {
    if (offset < node.range[0] || offset >= node.range[1]) continue;
    const key = node.type === 'TOMLTable' ? node.resolvedKey : node.key.keys.map((k) => (k.type === 'TOMLBare' ? k.name : k.value));
    return key[0] === 'tool' && (key.length === 1 || key[1] === 'pypi-status');
  }
  return false;
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function string(value: unknown, what: string, expected = 'a string'): string {
  if (typeof value !== 'string') throw new UsageError(`${what}: expected ${expected}`);
  return value;
}

function nonEmpty(value: string, what: string): string {
  if (value.trim() === '') throw new UsageError(`${what}: empty value`);
  return value;
}

function strings(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
    throw new UsageError(`${what}: expected an array of strings`);
  }
  return value;
}
