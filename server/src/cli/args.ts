/** The command line: `pypi-status check [options] [PATH ...]`, parsed with node's util.parseArgs. */
import { parseArgs } from 'node:util';
import type { DiagnosticCode, SeverityOrOff } from '../core/settings.js';
import { VERSION } from '../core/version.js';
import { ALL_CODES } from './rules.js';
import { FAIL_ON, FORMATS, UsageError, baseUrl, concurrency, days, oneOf, projectNames, severityPairs, type FailOn, type Format } from './values.js';

export interface CheckFlags {
  paths: string[];
  indexUrl?: string;
  jsonApiUrl?: string;
  noJsonApi: boolean;
  ignore: string[];
  exclude: string[];
  severity: Partial<Record<DiagnosticCode, SeverityOrOff>>;
  cacheDir?: string;
  noCache: boolean;
  offline: boolean;
  concurrency?: number;
  /** Days a pinned release must have been public (new-release). */
  minimumReleaseAge?: number;
  /** Seconds a run may wait, in all, for an index that failed before asking it again. */
  maxWait?: number;
  failOn?: FailOn;
  strict: boolean;
  /** Use --index-url/--extra-index-url written in the scanned files (off: a pull request could name any host). */
  trustIndexOptions: boolean;
  /** Do not read lock files (uv.lock, poetry.lock, ...) nor the graphs of compiled requirements. */
  noLockFiles: boolean;
  format: Format;
  output?: string;
  noColor: boolean;
  /** Print which indexes each PATH would be checked against, and exit. */
  printConfig: boolean;
}

export type Command = { kind: 'help'; text: string } | { kind: 'version' } | { kind: 'check'; flags: CheckFlags };

export const MAIN_HELP = `pypi-status ${VERSION}: flags archived, quarantined, deprecated, yanked, vulnerable,
inactive and missing PyPI dependencies in requirements files and pyproject.toml.

Usage:
  pypi-status check [options] [PATH ...]   scan files and directories (default: .)
  pypi-status check --help                 options of check
  pypi-status --version
  pypi-status --help

For editors, run the language server: pypi-status-language-server --stdio
`;

export const CHECK_HELP = `Usage: pypi-status check [options] [PATH ...]

Scans requirements files (requirements*.txt, requirements/*.txt, *.in,
constraints*.txt), pyproject.toml files, Python scripts with a PEP 723 block, and
lock files (uv.lock and script locks, poetry.lock, pdm.lock, pylock*.toml, Pipfile
and Pipfile.lock) under each PATH
(default: the current directory), following -r/-c includes and the lock of each
manifest, and looks every project up once. Each locked package is checked at its
locked version; a manifest's direct dependency that pulls in a flagged package
is reported as transitive. Skipped: .git, node_modules, virtual environments (any directory with a
pyvenv.cfg), site-packages, caches.

Index:
  --index-url URL          simple repository API (default: https://pypi.org/simple/)
  --json-api-url URL       JSON API for vulnerabilities, yanked reasons, the inactive
                           classifier (default: PyPI's when the index is PyPI, else off)
  --no-json-api            do not use a JSON API
  --cache-dir DIR          disk cache (default: the platform cache directory)
  --no-cache               keep answers in memory only
  --offline                send no request: use only the disk cache; projects not
                           in it are reported as unknown
  --concurrency N          requests in flight at once, 1-64 (default: 16)
  --max-wait SECONDS       after the index fails (5xx, 429, no answer), wait for it
                           at most this long in all before reporting the projects
                           left as unknown (default: 60; 0: at once)
  Environment: PYPI_STATUS_INDEX_URL and PYPI_STATUS_JSON_API_URL set the two
  URLs when the flags do not (they win over [tool.pypi-status] too).

What is reported:
  --ignore NAME[,NAME]     never report these projects (repeatable)
  --exclude GLOB           skip matching paths (repeatable); matched relative to the
                           current directory, to each PATH, and as absolute paths
  --severity CODE=LEVEL    LEVEL: error, warning, information, hint, off (repeatable,
                           comma-separated). CODEs: ${ALL_CODES.join(', ')}
  --minimum-release-age DAYS
                           report exact pins to releases uploaded fewer than DAYS
                           ago (new-release); without it, only where the project
                           sets a cooldown for uv (exclude-newer)

Result:
  --fail-on LEVEL          exit 1 when a finding is at least this severe:
                           error (default), warning, information, hint, never
  --strict                 exit 2 when some projects could not be checked
                           (index unreachable, or --offline and not cached)
  --trust-index-options    look projects up on the indexes the scanned files name
                           (--index-url/--extra-index-url, [[tool.uv.index]], a
                           project's uv.toml, Poetry and PDM sources) and on the
                           registries lock files name besides PyPI (off by
                           default: the files could name any host). The
                           machine's pip, uv and PDM configuration, PIP_*/UV_*
                           variables and ~/.netrc are always read
  --print-config           print which indexes each PATH would be looked up on
                           (from pip, uv, Poetry and PDM configuration; credentials
                           redacted) and exit
  --no-lock-files          read no lock file, nor the graph of compiled requirements
  --format FORMAT          text (default), json, sarif, github
  -o, --output FILE        write the report to FILE instead of standard output (- is
                           standard output)
  --no-color               no colours (also: NO_COLOR=1; FORCE_COLOR=1 forces them)
  -h, --help               this help
  --version                the version

Settings are also read from [tool.pypi-status] in the nearest pyproject.toml
that has one, in the current directory or above: index-url, json-api-url,
ignore, exclude, severity, fail-on, cache-dir, concurrency, minimum-release-age
(kebab-case or camelCase). Flags override single values; --ignore and --exclude add to the
file's lists; --severity overrides the file per code.

Exit status: 0 nothing at or above --fail-on; 1 something was; 2 usage or
configuration error, or with --strict some projects could not be checked;
130 interrupted.
`;

const CHECK_OPTIONS = {
  'index-url': { type: 'string' },
  'json-api-url': { type: 'string' },
  'no-json-api': { type: 'boolean' },
  ignore: { type: 'string', multiple: true },
  exclude: { type: 'string', multiple: true },
  severity: { type: 'string', multiple: true },
  'cache-dir': { type: 'string' },
  'no-cache': { type: 'boolean' },
  offline: { type: 'boolean' },
  concurrency: { type: 'string' },
  'minimum-release-age': { type: 'string' },
  'max-wait': { type: 'string' },
  'fail-on': { type: 'string' },
  strict: { type: 'boolean' },
  'trust-index-options': { type: 'boolean' },
  'no-lock-files': { type: 'boolean' },
  format: { type: 'string', short: 'f' },
  output: { type: 'string', short: 'o' },
  'no-color': { type: 'boolean' },
  'print-config': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

/** Single-valued options given twice are a mistake (parseArgs would silently keep the last). */
const SINGLE = ['index-url', 'json-api-url', 'cache-dir', 'concurrency', 'minimum-release-age', 'max-wait', 'fail-on', 'format', 'output'] as const;

export function parseCommandLine(argv: readonly string[]): Command {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError('missing command (did you mean "pypi-status check"?)');
  if (first === '--help' || first === '-h' || first === 'help') return { kind: 'help', text: first === 'help' && rest[0] === 'check' ? CHECK_HELP : MAIN_HELP };
  if (first === '--version') return { kind: 'version' };
  if (first !== 'check') {
    throw new UsageError(first.startsWith('-') ? `unknown option ${first} before the command` : `unknown command "${first}"`);
  }
  return parseCheck(rest);
}

function parseCheck(args: readonly string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: CHECK_OPTIONS, allowPositionals: true, strict: true, tokens: true });
  } catch (e) {
    throw new UsageError(describeParseError(e));
  }
  const { values, positionals, tokens } = parsed;
  if (values.help) return { kind: 'help', text: CHECK_HELP };
  if (values.version) return { kind: 'version' };
  for (const name of SINGLE) {
    if (tokens.filter((t) => t.kind === 'option' && t.name === name).length > 1) throw new UsageError(`--${name} given more than once`);
  }
  if (values['json-api-url'] !== undefined && values['no-json-api']) throw new UsageError('--json-api-url and --no-json-api contradict each other');
  if (values['cache-dir'] !== undefined && values['no-cache']) throw new UsageError('--cache-dir and --no-cache contradict each other');
  if (values.offline && values['no-cache']) throw new UsageError('--offline reads only the disk cache; it cannot be combined with --no-cache');

  const flags: CheckFlags = {
    paths: positionals,
    noJsonApi: values['no-json-api'] ?? false,
    ignore: projectNames(values.ignore ?? [], '--ignore'),
    exclude: nonEmpty(values.exclude ?? [], '--exclude'),
    severity: severityPairs(values.severity ?? [], '--severity'),
    noCache: values['no-cache'] ?? false,
    offline: values.offline ?? false,
    strict: values.strict ?? false,
    trustIndexOptions: values['trust-index-options'] ?? false,
    noLockFiles: values['no-lock-files'] ?? false,
    format: values.format === undefined ? 'text' : oneOf(values.format, FORMATS, '--format'),
    noColor: values['no-color'] ?? false,
    printConfig: values['print-config'] ?? false,
  };
  if (values['index-url'] !== undefined) flags.indexUrl = baseUrl(values['index-url'], '--index-url');
  if (values['json-api-url'] !== undefined) flags.jsonApiUrl = baseUrl(values['json-api-url'], '--json-api-url');
  if (values['cache-dir'] !== undefined) flags.cacheDir = nonEmpty([values['cache-dir']], '--cache-dir')[0]!;
  if (values.concurrency !== undefined) flags.concurrency = concurrency(values.concurrency, '--concurrency');
  if (values['minimum-release-age'] !== undefined) flags.minimumReleaseAge = days(values['minimum-release-age'], '--minimum-release-age');
  if (values['max-wait'] !== undefined) flags.maxWait = seconds(values['max-wait'], '--max-wait');
  if (values['fail-on'] !== undefined) flags.failOn = oneOf(values['fail-on'], FAIL_ON, '--fail-on');
  // `-o -` is standard output, as for most commands that take an output file.
  if (values.output !== undefined && values.output !== '-') flags.output = nonEmpty([values.output], '--output')[0]!;
  for (const p of flags.paths) if (p === '') throw new UsageError('an empty PATH was given');
  return { kind: 'check', flags };
}

function seconds(value: string, what: string): number {
  if (!/^\s*\d+\s*$/.test(value) || Number(value) > 3600) throw new UsageError(`${what}: expected whole seconds from 0 to 3600, got ${JSON.stringify(value)}`);
  return Number(value);
}

function nonEmpty(values: readonly string[], what: string): string[] {
  for (const v of values) if (v.trim() === '') throw new UsageError(`${what}: empty value`);
  return [...values];
}

/** parseArgs' messages name the API ("To specify a positional argument..."); these name the flag. */
function describeParseError(e: unknown): string {
  const err = e as { code?: string; message?: string };
  const quoted = /'([^']*)'/.exec(err.message ?? '')?.[1] ?? '';
  const option = /--[\w-]+/.exec(quoted)?.[0] ?? /-\w/.exec(quoted)?.[0];
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option ?? ''}`.trim();
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      // A string option without a value, a value that looks like an option, or a value given to a boolean.
      if (/argument missing|ambiguous/.test(err.message ?? '')) return `${option ?? 'an option'} needs a value`;
      return `${option ?? 'an option'} takes no value`;
    default:
      return err.message ?? String(e);
  }
}
