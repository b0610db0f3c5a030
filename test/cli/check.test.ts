/**
 * `pypi-status check`, the BUILT command (server/dist/cli.cjs, the npm bin) in a child process, against the
 * local index: which files are scanned, what is found where, every output format, every exit
 * status, the cache, offline mode, failures of the index, and what is never printed.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveSettings } from '../../server/src/core/settings.js';
import { REPO_ROOT } from '../support/index-catalog.js';
import { startIndexServer, type IndexServer } from '../support/index-server.js';
import { sarifValidator } from '../support/sarif.js';
import { TEST_CA_FILE } from '../support/tls.js';
import { SERVER_JS } from '../support/lsp-client.js';
import { CLI, baseEnv, locate, makeWorkspace, read, runCli, runProcess, tempDir, write, type Run } from './support.js';

/** What the JSON format promises (see server/src/cli/formats/json.ts). */
interface JsonFinding {
  file: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  name?: string;
  code: string;
  severity: string;
  message: string;
}
/** The version server/package.json declares, which the command reports. */
function declaredVersion(): string {
  const pkg: unknown = JSON.parse(read(REPO_ROOT, 'server/package.json'));
  assert.ok(typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string', 'server/package.json has no version');
  return pkg.version;
}

interface JsonReport {
  version: string;
  filesScanned: number;
  dependencies: number;
  projects: number;
  unknownProjects: string[];
  unknownReasons: Record<string, string>;
  findingsByCode: Record<string, number>;
  findings: JsonFinding[];
  cancelled: boolean;
  files: string[];
  failOn: string;
  failed: boolean;
}

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: string;
  message: { text: string };
  locations: {
    physicalLocation: {
      artifactLocation: { uri: string; uriBaseId: string };
      region: { startLine: number; startColumn: number; endLine: number; endColumn: number };
    };
  }[];
  partialFingerprints: Record<string, string>;
}
interface SarifLog {
  $schema: string;
  version: string;
  runs: {
    tool: {
      driver: {
        name: string;
        version: string;
        informationUri: string;
        rules: {
          id: string;
          shortDescription: { text: string };
          fullDescription: { text: string };
          helpUri: string;
          defaultConfiguration: { level: string };
        }[];
      };
    };
    results: SarifResult[];
    invocations: { toolExecutionNotifications: { message: { text: string } }[] }[];
  }[];
}

const EXPECTED_FILES = [
  'constraints.txt',
  'pyproject.toml',
  'requirements.txt',
  'requirements/base.txt',
  'requirements/dev.in',
  'services/api/requirements.txt',
  'services/worker/pyproject.toml',
  'shared/pinned.txt',
  'vendor/requirements.txt',
];

/** Normalized names of every project the workspace's scanned files look up. */
const EXPECTED_PROJECTS = [
  'aiocpa',
  'black',
  'deprecated-project',
  'django',
  'haunted-project',
  'isodate',
  'no-such-internal-package',
  'no-such-vendored-package',
  'pepy',
  'pil',
  'pycrypto',
  'six',
  'snowchange',
];

/** Names in files that must not be scanned, or that the configuration or a comment silences. */
const NEVER_LOOKED_UP = [
  'nonexistent-legacy-package', // legacy/: [tool.pypi-status] exclude
  'no-such-venv-package', // py-env/ has a pyvenv.cfg
  'no-such-node-modules-package',
  'no-such-git-package',
  'tablib', // [tool.pypi-status] ignore
  'requests', // # pypi-status: ignore
];

type Expected = { file: string; line: number; column: number; endColumn: number; code: string; severity: string; name?: string };

function expectedFindings(ws: string): Expected[] {
  /** project: null for a finding that names no project. */
  const at = (file: string, name: string, code: string, severity: string, project: string | null = name): Expected => {
    const p = locate(ws, file, name);
    const e: Expected = { file, line: p.line, column: p.column, endColumn: p.endColumn, code, severity };
    if (project !== null) e.name = project;
    return e;
  };
  return [
    at('pyproject.toml', 'haunted.project', 'archived', 'warning'),
    at('requirements.txt', 'pepy', 'archived', 'warning'),
    at('requirements.txt', 'aiocpa', 'quarantined', 'error'),
    at('requirements/base.txt', 'PIL', 'archived', 'warning'),
    // A parse problem spans the whole bad text and names no project.
    at('requirements/base.txt', 'not a requirement!', 'invalid-requirement', 'warning', null),
    at('requirements/dev.in', 'black', 'yanked', 'warning'),
    at('services/api/requirements.txt', 'pil', 'archived', 'warning'),
    at('services/api/requirements.txt', 'no-such-internal-package', 'not-found', 'warning'),
    at('services/worker/pyproject.toml', 'deprecated-project', 'deprecated', 'warning'),
    // Information by default; [tool.pypi-status] severity makes it a warning.
    at('services/worker/pyproject.toml', 'snowchange', 'inactive', 'warning'),
    at('services/worker/pyproject.toml', 'pycrypto', 'vulnerable', 'warning'),
    at('shared/pinned.txt', 'isodate', 'yanked', 'warning'),
    at('vendor/requirements.txt', 'no-such-vendored-package', 'not-found', 'warning'),
  ];
}

function actualFindings(report: JsonReport): Expected[] {
  return report.findings.map((f) => {
    const e: Expected = { file: f.file, line: f.line, column: f.column, endColumn: f.endColumn, code: f.code, severity: f.severity };
    if (f.name !== undefined) e.name = f.name;
    return e;
  });
}

const FULL_SUMMARY =
  '4 archived, 2 not-found, 2 yanked, 1 quarantined, 1 deprecated, 1 vulnerable, 1 inactive, 1 invalid-requirement in 9 files; 19 dependencies, 13 projects';

function simpleNames(index: IndexServer): string[] {
  return index.requests.filter((r) => r.path.startsWith('/simple/')).map((r) => decodeURIComponent(r.path.split('/')[2]!));
}

describe('pypi-status check (built CLI)', () => {
  let index: IndexServer;
  let ws: string;
  let xdg: string;
  let env: Record<string, string | undefined>;
  const temps: string[] = [];

  it("is what the npm package's bins run, and the language server these tests start is the other", () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'server', 'package.json'), 'utf8')) as { bin: Record<string, string>; files: string[] };
    assert.equal(path.join(REPO_ROOT, 'server', pkg.bin['pypi-status']!), CLI);
    assert.equal(path.join(REPO_ROOT, 'server', pkg.bin['pypi-status-language-server']!), SERVER_JS);
    assert.ok(pkg.files.includes('dist/*.cjs') && pkg.files.includes('dist/data/*.json'), 'the bundles and their data are in the package');
  });

  before(async () => {
    assert.ok(existsSync(CLI), `${CLI} is missing: run npm run build`);
    index = await startIndexServer();
    ws = makeWorkspace();
    xdg = tempDir('xdg');
    env = baseEnv(xdg);
    temps.push(path.dirname(ws), xdg);
  });
  after(async () => {
    await index.close();
    for (const t of temps) rmSync(t, { recursive: true, force: true });
  });

  function freshCache(): string {
    const dir = tempDir('cache');
    temps.push(dir);
    return dir;
  }
  function indexArgs(cacheDir: string): string[] {
    return ['--index-url', index.simpleUrl, '--json-api-url', index.jsonApiUrl, '--cache-dir', cacheDir];
  }
  async function check(args: string[], options: { cwd?: string; cache?: string; env?: Record<string, string | undefined> } = {}): Promise<Run> {
    return runCli(['check', ...indexArgs(options.cache ?? freshCache()), ...args], { cwd: options.cwd ?? ws, env: { ...env, ...options.env } });
  }
  /** The case's own flags, plus the local index and a fresh cache where the case does not set (or forbid) them. */
  function withIndex(args: string[]): string[] {
    const has = (flag: string) => args.some((a) => a === flag || a.startsWith(`${flag}=`));
    const extra: string[] = [];
    if (!has('--index-url')) extra.push('--index-url', index.simpleUrl);
    if (!has('--json-api-url') && !has('--no-json-api')) extra.push('--json-api-url', index.jsonApiUrl);
    if (!has('--cache-dir') && !has('--no-cache')) extra.push('--cache-dir', freshCache());
    return ['check', ...extra, ...args];
  }
  function json(run: Run): JsonReport {
    assert.equal(run.stdout.trimStart()[0], '{', `not JSON:\n${run.stdout}\n${run.stderr}`);
    return JSON.parse(run.stdout) as JsonReport;
  }

  it('scans exactly the expected files and reports exactly the expected findings (JSON)', async () => {
    const run = await check(['--format', 'json']);
    assert.equal(run.stderr, '', 'nothing on stderr: no progress line when stderr is not a terminal');
    assert.equal(run.code, 1, 'aiocpa is quarantined, an error');
    const report = json(run);
    assert.deepEqual(report.files, EXPECTED_FILES);
    assert.deepEqual(actualFindings(report), expectedFindings(ws));
    for (const f of report.findings) {
      // 1-based positions beside the 0-based LSP range.
      assert.equal(f.line, f.range.start.line + 1);
      assert.equal(f.column, f.range.start.character + 1);
      assert.equal(f.endLine, f.range.end.line + 1);
      assert.equal(f.endColumn, f.range.end.character + 1);
      assert.ok(!path.isAbsolute(f.file) && !f.file.includes('\\'));
    }
    assert.match(report.findings.find((f) => f.code === 'quarantined')!.message, /^aiocpa is quarantined: .*Reason given: Malware/);
    assert.match(report.findings.find((f) => f.code === 'vulnerable')!.message, /4 known vulnerabilities: PYSEC-2017-94/);
    assert.equal(report.filesScanned, 9);
    assert.equal(report.dependencies, 19);
    assert.equal(report.projects, EXPECTED_PROJECTS.length);
    assert.deepEqual(report.findingsByCode, {
      archived: 4,
      quarantined: 1,
      'invalid-requirement': 1,
      yanked: 2,
      'not-found': 2,
      deprecated: 1,
      inactive: 1,
      vulnerable: 1,
    });
    assert.deepEqual(report.unknownProjects, []);
    assert.equal(report.cancelled, false);
    assert.equal(report.failOn, 'error');
    assert.equal(report.failed, true);
    assert.equal(report.version, declaredVersion());
  });

  it('reports the same over HTTPS with HTTP/2, trusting a certificate from NODE_EXTRA_CA_CERTS, and exits at once', async () => {
    const secure = await startIndexServer({ tls: 'h2' });
    try {
      const args = ['check', '--index-url', secure.simpleUrl, '--json-api-url', secure.jsonApiUrl, '--cache-dir', freshCache(), '--format', 'json'];
      const run = await runCli(args, { cwd: ws, env: { ...env, NODE_EXTRA_CA_CERTS: TEST_CA_FILE } });
      assert.equal(run.code, 1, run.stderr);
      assert.deepEqual(actualFindings(json(run)), expectedFindings(ws));
      assert.ok(secure.requests.length > 0 && secure.requests.every((r) => r.httpVersion === '2.0'));
      assert.equal(secure.connections, 1, 'one connection carried every request');
      // Without the certificate nothing is trusted: every project is unknown, none "not found".
      const untrusted = json(
        await runCli(
          args.map((a, i) => (args[i - 1] === '--cache-dir' ? freshCache() : a)),
          { cwd: ws, env },
        ),
      );
      assert.equal(untrusted.findingsByCode['not-found'], undefined);
      assert.deepEqual([...untrusted.unknownProjects].sort(), EXPECTED_PROJECTS);
    } finally {
      await secure.close();
    }
  });

  it('asks the index about each project once across files, and never about skipped files or ignored names', async () => {
    index.resetLog();
    const run = await check(['--format', 'json']);
    assert.equal(run.code, 1);
    const paths = index.requests.map((r) => r.path);
    assert.equal(new Set(paths).size, paths.length, `a URL was requested twice:\n${paths.sort().join('\n')}`);
    // And the alternatives of flagged projects, confirmed on the index before they are offered (as the editor's quick fixes are).
    assert.deepEqual([...new Set(simpleNames(index))].sort(), [...EXPECTED_PROJECTS, 'newproject', 'pillow', 'schemachange'].sort());
    for (const name of NEVER_LOOKED_UP) assert.ok(!paths.some((p) => p.includes(name)), `${name} was looked up`);
    // six is named by three files; PIL and pil are one project.
    assert.equal(paths.filter((p) => p === '/simple/six/').length, 1);
    assert.equal(paths.filter((p) => p === '/simple/pil/').length, 1);
    assert.equal(paths.filter((p) => p === '/pypi/six/1.16.0/json').length, 1);
    for (const r of index.requests) assert.match(r.headers['user-agent'] ?? '', /^pypi-status\/\d/);
  });

  it('excludes paths with --exclude (relative to the current directory or a PATH) and with [tool.pypi-status] exclude', async () => {
    const cache = freshCache();
    const flag = json(await check(['--format', 'json', '--exclude', 'vendor/**'], { cache }));
    assert.deepEqual(
      flag.files,
      EXPECTED_FILES.filter((f) => f !== 'vendor/requirements.txt'),
    );
    assert.ok(!flag.findings.some((f) => f.name === 'no-such-vendored-package'));

    // Repeatable; a plain directory name prunes the directory.
    const two = json(await check(['--format', 'json', '--exclude', 'vendor', '--exclude', 'services/worker/**'], { cache }));
    assert.deepEqual(
      two.files,
      EXPECTED_FILES.filter((f) => f !== 'vendor/requirements.txt' && !f.startsWith('services/worker/')),
    );

    // Relative to a PATH argument, as well as to the current directory.
    const underPath = json(await check(['--format', 'json', 'services', '--exclude', 'worker'], { cache }));
    assert.deepEqual(underPath.files, ['services/api/requirements.txt']);
    const fromCwd = json(await check(['--format', 'json', 'services', '--exclude', 'services/api'], { cache }));
    assert.deepEqual(fromCwd.files, ['services/worker/pyproject.toml']);

    // The file's exclude is relative to the file: it still applies when the command runs in a subdirectory.
    const api = path.join(ws, 'services', 'api');
    const sub = json(await check(['--format', 'json', '../..'], { cwd: api, cache }));
    assert.ok(!sub.files.some((f) => f.includes('legacy')), sub.files.join(' '));
    // Paths are relative to the current directory, wherever the scanned root is.
    const fromApi = EXPECTED_FILES.map((f) => path.relative(api, path.join(ws, f)).split(path.sep).join('/'));
    assert.deepEqual(sub.files, [...fromApi].sort());
    assert.ok(sub.files.includes('requirements.txt') && sub.files.includes('../worker/pyproject.toml'));
    // A file named on the command line is scanned even inside an excluded directory.
    const named = json(await check(['--format', 'json', 'legacy/requirements.txt'], { cache }));
    assert.deepEqual(named.files, ['legacy/requirements.txt']);
    assert.deepEqual(
      named.findings.map((f) => [f.name, f.code]),
      [['nonexistent-legacy-package', 'not-found']],
    );
  });

  it('prints path:line:col: severity code message, grouped by file, with a summary (text)', async () => {
    const run = await check([]);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, '');
    assert.ok(!run.stdout.includes('\u001b['), 'no colour when stdout is not a terminal');
    const lines = run.stdout.split('\n');
    assert.equal(lines.pop(), '', 'ends with a newline');
    assert.equal(lines.at(-1), FULL_SUMMARY);
    assert.equal(lines.at(-2), '', 'a blank line before the summary');
    const findingLines = lines.slice(0, -2);
    const parsed: Expected[] = [];
    let previous: string | undefined;
    for (const [i, line] of findingLines.entries()) {
      if (line === '') {
        // Blank lines separate files, and only files.
        assert.notEqual(findingLines[i + 1]!.split(':')[0], previous);
        continue;
      }
      // A finding's fix is an indented line under it.
      if (/^ {2}(fix|did you mean|alternative): /.test(line)) {
        assert.match(findingLines[i - 1] ?? '', /^(\S| {2}\S)/, `a fix line under no finding: ${line}`);
        continue;
      }
      const m = /^([^:]+):(\d+):(\d+): (error|warning|information|hint) ([a-z-]+) (.+)$/.exec(line);
      assert.ok(m, `not path:line:col: severity code message: ${line}`);
      if (previous !== undefined && previous !== m[1] && findingLines[i - 1] !== '') assert.fail(`no blank line before ${m[1]}`);
      previous = m[1];
      parsed.push({ file: m[1]!, line: Number(m[2]), column: Number(m[3]), endColumn: 0, code: m[5]!, severity: m[4]! });
    }
    assert.deepEqual(
      parsed,
      expectedFindings(ws).map((e) => ({ file: e.file, line: e.line, column: e.column, endColumn: 0, code: e.code, severity: e.severity })),
    );
    assert.ok(
      findingLines.includes(
        `requirements.txt:${locate(ws, 'requirements.txt', 'pepy').line}:1: warning archived pepy is archived: its maintainers will publish nothing more, security fixes included.`,
      ),
    );

    // Paths are relative to the current directory, wherever the files are.
    const sub = await check(['../requirements/base.txt'], { cwd: path.join(ws, 'services') });
    assert.match(sub.stdout, /^\.\.\/requirements\/base\.txt:2:1: warning archived PIL is archived/m);
    assert.match(sub.stdout, /^1 archived, 1 invalid-requirement in 1 file; 2 dependencies, 2 projects$/m);
  });

  it('colours text only on request or on a terminal, and never with NO_COLOR or --no-color', async () => {
    const cache = freshCache();
    const forced = await check(['services'], { cache, env: { FORCE_COLOR: '1' } });
    assert.match(forced.stdout, /\u001b\[33mwarning\u001b\[39m/);
    assert.equal((await check(['services'], { cache, env: { FORCE_COLOR: '1', NO_COLOR: '1' } })).stdout.includes('\u001b['), false);
    assert.equal((await check(['services', '--no-color'], { cache, env: { FORCE_COLOR: '1' } })).stdout.includes('\u001b['), false);
    assert.equal((await check(['services', '--format', 'json'], { cache, env: { FORCE_COLOR: '1' } })).stdout.includes('\u001b['), false);
  });

  it('shows a progress line on a terminal and colours the report (through a pseudo-terminal)', async () => {
    // util-linux `script` gives the command a terminal on stdout and stderr. The index is slowed
    // down so the scan outlasts the progress line's delay.
    index.setLatency(400);
    try {
      const cache = freshCache();
      const command = [process.execPath, CLI, 'check', 'services', ...indexArgs(cache)].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
      const run = await runProcess('script', ['-q', '-e', '-c', command, '/dev/null'], { cwd: ws, env: { ...env, TERM: 'xterm' } });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.match(run.stdout, /\r\u001b\[Kpypi-status: files \d+\/\d+, projects \d+\/\d+/, 'a progress line rewritten with \\r');
      assert.match(run.stdout, /\r\u001b\[K(\r\n)?services\/api\/requirements\.txt:1:1: /, 'the progress line is erased before the report');
      assert.match(run.stdout, /\u001b\[33mwarning\u001b\[39m/, 'coloured on a terminal');
    } finally {
      index.setLatency(0);
    }
  });

  it('validates against the SARIF 2.1.0 schema and meets what GitHub code scanning requires', async () => {
    const cache = freshCache();
    const run = await check(['--format', 'sarif'], { cache });
    assert.equal(run.code, 1);
    const log = JSON.parse(run.stdout) as SarifLog;
    const validate = sarifValidator();
    assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
    assert.equal(log.version, '2.1.0');
    assert.match(log.$schema, /^https:\/\/.*sarif-schema-2\.1\.0\.json$/);
    assert.equal(log.runs.length, 1);
    const driver = log.runs[0]!.tool.driver;
    assert.equal(driver.name, 'pypi-status');
    assert.equal(driver.version, declaredVersion());
    assert.match(driver.informationUri, /^https:\/\//);
    // A rule for every code core can report (its severity table is the list of codes).
    const ruleIds = driver.rules.map((r) => r.id);
    assert.deepEqual([...ruleIds].sort(), Object.keys(resolveSettings({}).severity).sort());
    for (const rule of driver.rules) {
      assert.ok(rule.shortDescription.text && rule.fullDescription.text, rule.id);
      assert.match(rule.helpUri, /^https:\/\//);
      assert.ok(['error', 'warning', 'note', 'none'].includes(rule.defaultConfiguration.level));
    }
    assert.equal(driver.rules.find((r) => r.id === 'inactive')!.defaultConfiguration.level, 'warning', 'the configured level');
    assert.equal(driver.rules.find((r) => r.id === 'quarantined')!.defaultConfiguration.level, 'error');

    const results = log.runs[0]!.results;
    const expected = expectedFindings(ws);
    assert.equal(results.length, expected.length);
    const levels: Record<string, string> = { error: 'error', warning: 'warning', information: 'note', hint: 'note' };
    for (const [i, r] of results.entries()) {
      const e = expected[i]!;
      assert.equal(r.ruleId, e.code);
      assert.equal(driver.rules[r.ruleIndex]!.id, r.ruleId);
      assert.equal(r.level, levels[e.severity]);
      assert.ok(r.message.text.length > 10);
      const loc = r.locations[0]!.physicalLocation;
      assert.deepEqual(loc.artifactLocation, { uri: e.file, uriBaseId: '%SRCROOT%' });
      assert.deepEqual(loc.region, { startLine: e.line, startColumn: e.column, endLine: e.line, endColumn: e.endColumn });
      assert.match(r.partialFingerprints['pypiStatus/v1']!, /^[0-9a-f]{32}$/);
    }
    const fingerprints = results.map((r) => r.partialFingerprints['pypiStatus/v1']);
    assert.equal(new Set(fingerprints).size, fingerprints.length, 'fingerprints are unique');

    // Stable: the same alerts after lines are inserted above them.
    const original = read(ws, 'requirements.txt');
    writeFileSync(path.join(ws, 'requirements.txt'), `# a new comment\n# and another\n${original}`);
    try {
      const moved = (JSON.parse((await check(['--format', 'sarif'], { cache })).stdout) as SarifLog).runs[0]!.results;
      assert.deepEqual(moved.map((r) => r.partialFingerprints['pypiStatus/v1']).sort(), [...fingerprints].sort());
      const pepy = (rs: SarifResult[]) => rs.find((r) => r.message.text.startsWith('pepy'))!;
      assert.equal(pepy(moved).locations[0]!.physicalLocation.region.startLine, pepy(results).locations[0]!.physicalLocation.region.startLine + 2);
      assert.equal(pepy(moved).partialFingerprints['pypiStatus/v1'], pepy(results).partialFingerprints['pypiStatus/v1']);
    } finally {
      writeFileSync(path.join(ws, 'requirements.txt'), original);
    }
  });

  it('writes GitHub workflow commands, escaped, a summary, and the step summary', async () => {
    const summaryFile = path.join(freshCache(), 'step-summary.md');
    const run = await check(['--format', 'github', 'services'], { env: { GITHUB_STEP_SUMMARY: summaryFile } });
    assert.equal(run.code, 0);
    const loc = (file: string, name: string) => {
      const p = locate(ws, file, name);
      return `file=${file},line=${p.line},col=${p.column},endLine=${p.line},endColumn=${p.endColumn}`;
    };
    assert.deepEqual(run.stdout.split('\n'), [
      `::warning ${loc('services/api/requirements.txt', 'pil')},title=pypi-status%3A archived::pil is archived: its maintainers will publish nothing more, security fixes included.`,
      `::warning ${loc('services/api/requirements.txt', 'no-such-internal-package')},title=pypi-status%3A not-found::no-such-internal-package was not found on the package index. Check the spelling, or whether it was removed or lives on another index.`,
      `::warning ${loc('services/worker/pyproject.toml', 'deprecated-project')},title=pypi-status%3A deprecated::deprecated-project is deprecated: it is obsolete and may have been superseded. Reason given: This project is haunted 👻.`,
      `::warning ${loc('services/worker/pyproject.toml', 'snowchange')},title=pypi-status%3A inactive::snowchange: its latest release (2.8.1) declares "Development Status :: 7 - Inactive".`,
      `::warning ${loc('services/worker/pyproject.toml', 'pycrypto')},title=pypi-status%3A vulnerable::pycrypto 2.6.1 has 4 known vulnerabilities: PYSEC-2017-94, PYSEC-2018-97, GHSA-6528-wvf6-f6qg, GHSA-cq27-v7xp-c356.`,
      'pypi-status: 1 archived, 1 deprecated, 1 not-found, 1 vulnerable, 1 inactive in 2 files; 6 dependencies, 6 projects',
      '',
    ]);
    const summary = readFileSync(summaryFile, 'utf8');
    assert.match(summary, /^### pypi-status\n\n1 archived, 1 deprecated/);
    assert.match(summary, /\| `vulnerable` \| warning \| 1 \|/);

    // Properties escape % , : and newlines; the message escapes % and newlines.
    const odd = path.join(tempDir('odd'), 'repo');
    temps.push(path.dirname(odd));
    write(odd, 'odd, 50%:dir/requirements.txt', 'pepy\n');
    const escaped = await check(['--format', 'github'], { cwd: odd });
    assert.equal(
      escaped.stdout.split('\n')[0],
      '::warning file=odd%2C 50%25%3Adir/requirements.txt,line=1,col=1,endLine=1,endColumn=5,title=pypi-status%3A archived::pepy is archived: its maintainers will publish nothing more, security fixes included.',
    );
  });

  describe('exit status', { concurrency: 3 }, () => {
    const cases: [string, string[], number][] = [
      ['0: only warnings, --fail-on error (the default)', ['services'], 0],
      ['1: an error (quarantined)', [], 1],
      ['1: a warning with --fail-on warning', ['services', '--fail-on', 'warning'], 1],
      ['0: --fail-on never', ['--fail-on', 'never'], 0],
      [
        '0: an information finding under --fail-on warning',
        ['services/worker', '--severity', 'deprecated=off,vulnerable=off', '--severity', 'inactive=information', '--fail-on', 'warning'],
        0,
      ],
      [
        '1: an information finding under --fail-on information',
        ['services/worker', '--severity', 'deprecated=off,vulnerable=off', '--severity', 'inactive=information', '--fail-on', 'information'],
        1,
      ],
      ['1: a hint under --fail-on hint', ['services/worker', '--severity', 'deprecated=off,vulnerable=off,inactive=hint', '--fail-on', 'hint'], 1],
      ['0: --severity quarantined=warning removes the only error', ['--severity', 'quarantined=warning'], 0],
      ['0: --ignore (repeatable, comma-separated) silences the error', ['--ignore', 'six,aiocpa', '--ignore', 'pepy'], 0],
      ['1: --severity archived=error on an archived project', ['requirements/base.txt', '--severity', 'archived=error'], 1],
    ];
    let cache: string;
    before(() => {
      cache = freshCache();
    });
    for (const [title, args, code] of cases) {
      it(title, async () => {
        const run = await check(args, { cache });
        assert.equal(run.code, code, `${args.join(' ')}\n${run.stdout}\n${run.stderr}`);
      });
    }

    it('flags override [tool.pypi-status] fail-on', async () => {
      const dir = path.join(tempDir('failon'), 'repo');
      temps.push(path.dirname(dir));
      write(dir, 'pyproject.toml', '[tool.pypi-status]\nfail-on = "warning"\n');
      write(dir, 'requirements.txt', 'pepy\n');
      assert.equal((await check([], { cwd: dir, cache })).code, 1);
      assert.equal((await check(['--fail-on', 'error'], { cwd: dir, cache })).code, 0);
    });
  });

  // The cases are independent processes that send no request: a few run side by side (more
  // would only compete for the CPU on a small CI machine).
  describe('usage errors: a message on stderr, nothing on stdout, exit status 2, no request', { concurrency: 3 }, () => {
    const cases: [string[], RegExp][] = [
      [['--bogus'], /unknown option --bogus/],
      [['-x'], /unknown option -x/],
      [['--format', 'xml'], /--format: "xml" is not one of text, json, sarif, github/],
      [['--format'], /--format needs a value/],
      [['--format', '--strict'], /--format needs a value/],
      [['--fail-on', 'fatal'], /--fail-on: "fatal" is not one of error, warning, information, hint, never/],
      [['--severity', 'archived'], /--severity: expected CODE=LEVEL, got "archived"/],
      [['--severity', 'archvied=error'], /--severity: unknown code "archvied"/],
      [['--severity', 'archived=fatal'], /--severity archived: "fatal" is not one of error, warning, information, hint, off/],
      [['--concurrency', '0'], /--concurrency: expected a whole number from 1 to 64/],
      [['--concurrency', 'many'], /--concurrency: expected a whole number/],
      [['--ignore', 'not a name'], /--ignore: "not a name" is not a valid project name/],
      [['--index-url', 'ftp://example.com/simple/'], /--index-url: "ftp:\/\/example.com\/simple\/" is not an http\(s\) URL/],
      [['--json-api-url', 'x', '--no-json-api'], /contradict/],
      [['--cache-dir', 'x', '--no-cache'], /contradict/],
      [['--no-cache', '--offline'], /--offline reads only the disk cache/],
      [['--strict=yes'], /--strict takes no value/],
      [['--format', 'json', '--format', 'text'], /--format given more than once/],
      [['does-not-exist/'], /does-not-exist\/: no such file or directory/],
      [['--output', ''], /--output: empty value/],
    ];
    for (const [args, message] of cases) {
      it(args.join(' ') || '(nothing)', async () => {
        const before = index.requests.length;
        const run = await runCli(withIndex(args), { cwd: ws, env });
        assert.equal(run.code, 2, run.stdout + run.stderr);
        assert.equal(run.stdout, '');
        assert.match(run.stderr, message);
        assert.match(run.stderr, /^pypi-status: /);
        assert.equal(index.requests.length, before);
      });
    }

    it('no command, an unknown command, --help and --version', async () => {
      const none = await runCli([], { cwd: ws, env });
      assert.equal(none.code, 2);
      assert.match(none.stderr, /missing command[\s\S]*Usage:/);
      const unknown = await runCli(['scan'], { cwd: ws, env });
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /unknown command "scan"/);
      for (const args of [['--help'], ['check', '--help'], ['help', 'check']]) {
        const help = await runCli(args, { cwd: ws, env });
        assert.equal(help.code, 0);
        assert.match(help.stdout, /Usage: pypi-status check|pypi-status check \[options\]/);
        assert.equal(help.stderr, '');
      }
      const checkHelp = await runCli(['check', '-h'], { cwd: ws, env });
      for (const flag of [
        '--index-url',
        '--json-api-url',
        '--no-json-api',
        '--ignore',
        '--exclude',
        '--severity',
        '--cache-dir',
        '--no-cache',
        '--offline',
        '--concurrency',
        '--fail-on',
        '--strict',
        '--format',
        '--output',
        '--no-color',
      ]) {
        assert.ok(checkHelp.stdout.includes(flag), `help does not mention ${flag}`);
      }
      for (const args of [['--version'], ['check', '--version']]) {
        const version = await runCli(args, { cwd: ws, env });
        assert.equal(version.code, 0);
        assert.equal(version.stdout, `${declaredVersion()}\n`);
      }
    });
  });

  describe('[tool.pypi-status]', () => {
    let cache: string;
    before(() => {
      cache = freshCache();
    });
    function repo(pyproject: string, requirements = 'pepy\nPIL\n'): string {
      const dir = path.join(tempDir('config'), 'repo');
      temps.push(path.dirname(dir));
      write(dir, 'pyproject.toml', pyproject);
      write(dir, 'requirements.txt', requirements);
      return dir;
    }

    it('accepts camelCase keys, resolves cache-dir against the file, and applies severity and ignore', async () => {
      const dir = repo('[tool.pypi-status]\nfailOn = "warning"\nignore = ["pil"]\ncacheDir = ".cache/pypi-status"\nseverity = { archived = "information" }\n');
      const run = await runCli(['check', '--index-url', index.simpleUrl, '--json-api-url', index.jsonApiUrl, '--format', 'json'], { cwd: dir, env });
      const report = json(run);
      assert.equal(run.code, 0, 'archived is information now, below fail-on warning');
      assert.deepEqual(
        report.findings.map((f) => [f.name, f.code, f.severity]),
        [['pepy', 'archived', 'information']],
      );
      assert.equal(report.failOn, 'warning');
      assert.ok(readdirSync(path.join(dir, '.cache', 'pypi-status')).length > 0, 'the cache is where the file says');
    });

    it('is read from the nearest pyproject.toml that has the table, at or above the current directory', async () => {
      const dir = repo('[tool.pypi-status]\nseverity = { archived = "error" }\n');
      // A package's own pyproject.toml without the table does not hide the repository's settings.
      write(dir, 'pkg/pyproject.toml', '[project]\nname = "pkg"\ndependencies = ["pepy"]\n');
      const run = await check(['--format', 'json'], { cwd: path.join(dir, 'pkg'), cache });
      assert.equal(run.code, 1);
      assert.deepEqual(
        json(run).findings.map((f) => [f.file, f.severity]),
        [['pyproject.toml', 'error']],
      );
      // A nearer table wins over the repository's.
      write(dir, 'pkg/pyproject.toml', '[project]\nname = "pkg"\ndependencies = ["pepy"]\n[tool.pypi-status]\nseverity = { archived = "hint" }\n');
      const nearer = await check(['--format', 'json'], { cwd: path.join(dir, 'pkg'), cache });
      assert.deepEqual(
        json(nearer).findings.map((f) => [f.file, f.severity]),
        [['pyproject.toml', 'hint']],
      );
      // Flags override the table per code.
      const flagged = await check(['--format', 'json', '--severity', 'archived=warning'], { cwd: path.join(dir, 'pkg'), cache });
      assert.deepEqual(
        json(flagged).findings.map((f) => f.severity),
        ['warning'],
      );
    });

    const bad: [string, string, RegExp][] = [
      ['an unknown key', '[tool.pypi-status]\nfail_on = "error"\n', /unknown key "fail_on" \(known: index-url, /],
      ['both spellings of a key', '[tool.pypi-status]\nfail-on = "error"\nfailOn = "warning"\n', /"fail-on" and "failOn" are the same setting/],
      ['a bad level', '[tool.pypi-status]\nseverity = { archived = "loud" }\n', /severity archived: "loud" is not one of/],
      ['an unknown code', '[tool.pypi-status]\nseverity = { archive = "error" }\n', /unknown code "archive"/],
      ['a string for a list', '[tool.pypi-status]\nignore = "pepy"\n', /ignore: expected an array of strings/],
      ['a bad URL', '[tool.pypi-status]\nindex-url = "not a url"\n', /index-url: "not a url" is not a URL/],
      ['a bad concurrency', '[tool.pypi-status]\nconcurrency = 100\n', /concurrency: expected a whole number from 1 to 64/],
      ['a table that is not a table', '[tool]\npypi-status = 3\n', /\[tool.pypi-status\] must be a table/],
      ['invalid TOML in a file that mentions pypi-status', '[tool.pypi-status\nfail-on = "error"\n', /pyproject\.toml:2:1: invalid TOML/],
      [
        'a value nested 5,000 arrays deep inside the table',
        `[tool.pypi-status]\nfail-on = ${'['.repeat(5000)}${']'.repeat(5000)}\n`,
        /pyproject\.toml:2: a value nests more than 100 /,
      ],
    ];
    for (const [title, text, message] of bad) {
      it(`refuses ${title} (exit status 2)`, async () => {
        const dir = repo(text);
        const run = await check([], { cwd: dir, cache });
        assert.equal(run.code, 2, run.stdout + run.stderr);
        assert.equal(run.stdout, '');
        assert.match(run.stderr, message);
        assert.ok(run.stderr.includes(path.join(dir, 'pyproject.toml')), 'the message names the file');
      });
    }

    for (const [shape, value] of [
      ['arrays', `${'['.repeat(5000)}${']'.repeat(5000)}`],
      ['inline tables', `${'{ a = '.repeat(2000)}1${' }'.repeat(2000)}`],
    ]) {
      it(`reads a pyproject.toml whose [tool.x] nests 5,000 ${shape} deep, reports it, and still reports every other file`, async () => {
        const dir = repo(
          `[project]\nname = "x"\ndependencies = ["pepy"]\n[tool.x]\na = ${value}\n[tool.pypi-status]\nseverity = { archived = "error" }\n`,
          'pepy\n',
        );
        write(dir, 'sub/requirements.txt', 'PIL\n');
        const run = await check(['--format', 'json'], { cwd: dir, cache });
        assert.equal(run.code, 1, run.stderr);
        const findings = json(run).findings.map((f) => [f.file, f.line, f.code, f.severity]);
        assert.deepEqual(findings, [
          ['pyproject.toml', 3, 'archived', 'error'],
          ['pyproject.toml', 5, 'syntax-error', 'error'],
          ['requirements.txt', 1, 'archived', 'error'],
          ['sub/requirements.txt', 1, 'archived', 'error'],
        ]);
      });
    }

    it('passes over an invalid pyproject.toml that cannot hold its settings, and reports it', async () => {
      const dir = repo('[project\nname = "x"\n');
      const run = await check(['--format', 'json'], { cwd: dir, cache });
      assert.equal(run.code, 1, 'syntax-error is an error');
      assert.ok(json(run).findings.some((f) => f.code === 'syntax-error' && f.file === 'pyproject.toml'));
    });
  });

  describe('an index that cannot be reached', () => {
    it('reports the projects as unknown, never as not found; --strict exits 2', async () => {
      index.setFault('/', { kind: 'status', status: 503 });
      try {
        const cache = freshCache();
        const run = await check(['--max-wait', '0'], { cache });
        assert.equal(run.code, 0, `nothing was judged, so nothing fails without --strict\n${run.stdout}${run.stderr}`);
        assert.ok(!/ (archived|quarantined|not-found|yanked|vulnerable|deprecated|inactive) /.test(run.stdout), run.stdout);
        const lines = run.stdout.trimEnd().split('\n');
        // A result with unchecked dependencies never reads as a clean one.
        assert.equal(lines.at(-2), '1 invalid-requirement in 9 files; 19 dependencies, 13 projects; 13 unchecked');
        // After the first 503s core's client stops asking that index for a while; which projects
        // got which answer depends on timing, but every one is listed, with a reason.
        const unknownLine = lines.at(-1)!;
        assert.match(unknownLine, /^Status unknown for 13 projects \(not checked\): HTTP 503: /);
        for (const name of EXPECTED_PROJECTS) assert.ok(new RegExp(`[:,] ${name}(,|;|$)`).test(unknownLine), `${name} missing: ${unknownLine}`);
        assert.ok(!unknownLine.includes('retrying in'), 'a one-shot command does not promise a retry');

        const strict = await check(['--strict', '--format', 'json', '--max-wait', '0'], { cache });
        assert.equal(strict.code, 2);
        assert.match(strict.stderr, /--strict: 13 projects could not be checked; exit status 2/);
        const report = json(strict);
        assert.deepEqual(report.unknownProjects, EXPECTED_PROJECTS);
        for (const name of EXPECTED_PROJECTS) assert.match(report.unknownReasons[name]!, /^(HTTP 503|not asked after earlier errors from the same index)$/);
        assert.deepEqual(
          report.findings.map((f) => f.code),
          ['invalid-requirement'],
        );

        // --strict wins over findings: an incomplete check is not a pass or a plain failure.
        const both = await check(['--strict', '--severity', 'invalid-requirement=error', '--max-wait', '0'], { cache });
        assert.equal(both.code, 2);
      } finally {
        index.clearFaults();
      }
    });

    it('says which answers are old ones it could not refresh; --strict exits 2', async () => {
      const cache = freshCache();
      assert.equal((await check([], { cache })).code, 1);
      // A hundred days later, the index is down (an old CI cache restored, say).
      const age = (dir: string): void => {
        for (const entry of readdirSync(dir, { withFileTypes: true })) {
          const file = path.join(dir, entry.name);
          if (entry.isDirectory()) age(file);
          else if (entry.name.endsWith('.json')) {
            const doc = JSON.parse(readFileSync(file, 'utf8')) as { fetchedAt: number };
            doc.fetchedAt -= 100 * 86_400_000;
            writeFileSync(file, JSON.stringify(doc));
          }
        }
      };
      age(cache);
      index.setFault('/', { kind: 'status', status: 503 });
      try {
        const run = await check(['--strict', '--format', 'json', '--max-wait', '0'], { cache });
        assert.equal(run.code, 2, run.stderr);
        const report = json(run);
        assert.ok(
          report.findings.some((f) => f.code === 'archived' && f.name === 'pepy'),
          'the last answer is still shown',
        );
        assert.match(
          report.unknownReasons.pepy!,
          /^answer from \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC; the index could not be reached since \((HTTP 503|not asked after earlier errors from the same index)\)$/,
        );
      } finally {
        index.clearFaults();
      }
    });

    it('waits out the back-off after one failed request, instead of leaving the projects after it unchecked', async () => {
      const dir = path.join(tempDir('blip'), 'repo');
      temps.push(path.dirname(dir));
      // The first project's request fails once; the quarantined one comes after many others.
      write(dir, 'requirements.txt', ['pepy', ...Array.from({ length: 60 }, (_, i) => `generated-${i}`), 'aiocpa', ''].join('\n'));
      index.setFault('/simple/pepy/', { kind: 'status', status: 503 }, 1);
      try {
        const run = await runCli(['check', ...indexArgs(freshCache()), '--format', 'json'], { cwd: dir, env });
        const report = json(run);
        assert.equal(run.code, 1, run.stderr);
        assert.ok(
          report.findings.some((f) => f.code === 'quarantined' && f.name === 'aiocpa'),
          JSON.stringify(report.findings),
        );
        assert.deepEqual(report.unknownProjects, ['pepy'], 'only the project whose request failed');
      } finally {
        index.clearFaults();
      }
    });

    it('counts a failing JSON API as incomplete: statuses are still reported, --strict exits 2, SARIF carries notifications', async () => {
      // A second index on another origin serves the JSON API and fails: the simple API's
      // answers (and its backoff) are unaffected.
      const jsonApi = await startIndexServer();
      jsonApi.setFault('/pypi/', { kind: 'status', status: 503 });
      try {
        const args = ['--index-url', index.simpleUrl, '--json-api-url', jsonApi.jsonApiUrl, '--cache-dir', freshCache(), '--max-wait', '0'];
        const run = await runCli(['check', ...args, '--format', 'json'], { cwd: ws, env });
        assert.equal(run.code, 1, 'aiocpa is still quarantined');
        const report = json(run);
        assert.ok(report.findings.some((f) => f.code === 'quarantined'));
        assert.ok(!report.findings.some((f) => f.code === 'vulnerable' || f.code === 'inactive'), 'no JSON API, no such findings');
        assert.ok(report.unknownProjects.includes('pycrypto'));
        assert.match(report.unknownReasons.pycrypto!, /^JSON API: (HTTP 503|not asked after earlier errors from the same index)$/);
        assert.ok(!report.unknownProjects.includes('aiocpa'), 'the JSON API is not asked about quarantined projects');

        const strict = await runCli(['check', ...args, '--strict', '--format', 'sarif'], { cwd: ws, env });
        assert.equal(strict.code, 2);
        const log = JSON.parse(strict.stdout) as SarifLog;
        const validate = sarifValidator();
        assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
        const notes = log.runs[0]!.invocations[0]!.toolExecutionNotifications.map((n) => n.message.text);
        assert.ok(
          notes.some((n) => n.startsWith('The status of pycrypto is unknown (not checked): JSON API: ')),
          notes.join('\n'),
        );
      } finally {
        await jsonApi.close();
      }
    });
  });

  describe('the cache', () => {
    it('--offline with a warm cache sends no request and reports the same findings', async () => {
      const cache = freshCache();
      const online = json(await check(['--format', 'json'], { cache }));
      index.resetLog();
      const run = await check(['--format', 'json', '--offline'], { cache });
      assert.equal(index.requests.length, 0, index.requests.map((r) => r.path).join(' '));
      assert.equal(run.code, 1);
      assert.deepEqual(json(run), online);
    });

    it('--offline with a cold cache sends no request, reports every project unknown and no false finding', async () => {
      index.resetLog();
      const cache = freshCache();
      const run = await check(['--offline'], { cache });
      assert.equal(index.requests.length, 0);
      assert.equal(run.code, 0);
      assert.match(run.stdout, /^1 invalid-requirement in 9 files; 19 dependencies, 13 projects; 13 unchecked$/m);
      assert.match(run.stdout, /^Status unknown for 13 projects \(not checked\): offline and not in the cache: aiocpa, black, /m);
      const report = json(await check(['--offline', '--format', 'json'], { cache }));
      assert.ok(
        report.findings.every((f) => f.name === undefined),
        'only the parse problem, which needs no index',
      );
      assert.deepEqual(report.unknownProjects, EXPECTED_PROJECTS);
      assert.equal((await check(['--offline', '--strict'], { cache })).code, 2);
      assert.equal(index.requests.length, 0);
      assert.deepEqual(readdirSync(cache), [], 'nothing was written to the cache');
    });

    it('--no-cache keeps answers in memory only: nothing on disk, and every run asks again', async () => {
      const xdgHome = tempDir('xdg-nocache');
      temps.push(xdgHome);
      const noCacheEnv = baseEnv(xdgHome);
      const args = ['check', '--index-url', index.simpleUrl, '--json-api-url', index.jsonApiUrl, '--no-cache', 'services'];
      index.resetLog();
      const first = await runCli(args, { cwd: ws, env: noCacheEnv });
      const firstRequests = index.requests.length;
      assert.equal(first.code, 0);
      assert.ok(firstRequests > 0);
      index.resetLog();
      await runCli(args, { cwd: ws, env: noCacheEnv });
      assert.equal(index.requests.length, firstRequests, 'the second run asked as much as the first');
      assert.deepEqual(readdirSync(xdgHome), [], 'nothing in the default cache directory');
      // Without --no-cache the same environment caches under $XDG_CACHE_HOME/pypi-status.
      await runCli(
        args.filter((a) => a !== '--no-cache'),
        { cwd: ws, env: noCacheEnv },
      );
      assert.deepEqual(readdirSync(xdgHome), ['pypi-status']);
    });
  });

  it('--output writes the report in one piece, creating directories, and says so on stderr', async () => {
    const out = path.join(freshCache(), 'reports', 'nested', 'pypi-status.sarif');
    const run = await check(['--format', 'sarif', '--output', out]);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr, `pypi-status: ${FULL_SUMMARY}; report written to ${path.relative(ws, out)}\n`);
    const log = JSON.parse(readFileSync(out, 'utf8')) as SarifLog;
    assert.equal(log.runs[0]!.results.length, expectedFindings(ws).length);
    assert.deepEqual(readdirSync(path.dirname(out)), ['pypi-status.sarif'], 'no temporary file left');
    // An output path that cannot be written is an error of the invocation.
    const blocked = await check(['--output', path.join(ws, 'requirements.txt', 'report.txt')]);
    assert.equal(blocked.code, 2);
    assert.match(blocked.stderr, /cannot write .*report\.txt: (ENOTDIR|EEXIST)/);
  });

  it('never prints the credentials of an index URL', async () => {
    const secret = 's3cret-t0ken';
    const withCredentials = index.simpleUrl.replace('http://', `http://ci-user:${secret}@`);
    index.resetLog();
    index.setFault('/simple/pepy/', { kind: 'reset' });
    try {
      for (const format of ['text', 'json', 'sarif', 'github']) {
        const run = await runCli(
          ['check', '--index-url', withCredentials, '--json-api-url', index.jsonApiUrl, '--cache-dir', freshCache(), '--format', format],
          { cwd: ws, env },
        );
        assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret), `${format} printed the secret`);
        // pepy fails, and the client then pauses that index: which findings remain depends on timing.
        assert.ok([0, 1].includes(run.code ?? -1), run.stderr);
      }
      assert.ok(
        index.requests.some((r) => r.headers.authorization?.startsWith('Basic ')),
        'the credentials were used',
      );
      const usage = await runCli(['check', '--index-url', `ftp://ci-user:${secret}@example.com/simple/`], { cwd: ws, env });
      assert.equal(usage.code, 2);
      assert.ok(!usage.stderr.includes(secret), usage.stderr);
      assert.match(usage.stderr, /ftp:\/\/\*\*\*@example\.com/);
    } finally {
      index.clearFaults();
    }
  });

  it('a reader that stops early (| head) ends the output, not in a crash', async () => {
    const dir = path.join(tempDir('pipe'), 'repo');
    temps.push(path.dirname(dir));
    // Megabytes of report: far more than a pipe buffer, so the writer meets the closed pipe.
    write(dir, 'requirements.txt', 'pepy\n'.repeat(20_000));
    const run = await runCli(['check', ...indexArgs(freshCache()), '--fail-on', 'warning'], {
      cwd: dir,
      env,
      onSpawn: (child) => child.stdout!.once('data', () => child.stdout!.destroy()),
    });
    assert.equal(run.stderr, '');
    assert.equal(run.code, 1, 'the exit status still says what was found');
  });

  // Ctrl-C in a terminal; SIGTERM when CI cancels a job.
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${signal} stops at once with exit status ${code}, printing no partial report`, async () => {
      index.setLatency(5_000);
      const out = path.join(freshCache(), 'report.json');
      try {
        index.resetLog();
        const started = Date.now();
        const run = await runCli(['check', ...indexArgs(freshCache()), '--format', 'json', '--output', out], {
          cwd: ws,
          env,
          onSpawn: (child) => {
            // Signal once the scan is under way (its first request reached the index).
            const poll = setInterval(() => {
              if (index.requests.length > 0) {
                clearInterval(poll);
                child.kill(signal);
              }
            }, 20);
          },
        });
        assert.equal(run.code, code, run.stderr);
        assert.equal(run.stdout, '');
        assert.equal(run.stderr, 'pypi-status: interrupted; no report written\n');
        assert.equal(existsSync(out), false);
        assert.ok(Date.now() - started < 5_000, 'did not wait for the requests in flight');
      } finally {
        index.setLatency(0);
      }
    });
  }
});
