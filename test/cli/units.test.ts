/** The CLI's pure parts, in-process: escaping, the progress line, globs, redaction, flags and configuration. */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import picomatch from 'picomatch';
import { parseCommandLine } from '../../server/src/cli/args.js';
import { parseConfig } from '../../server/src/cli/config.js';
import { escapeData, escapeProperty } from '../../server/src/cli/formats/github.js';
import { sarifText } from '../../server/src/cli/formats/sarif.js';
import { formatText, printable } from '../../server/src/cli/formats/text.js';
import { resolveSettings } from '../../server/src/core/settings.js';
import { anchor } from '../../server/src/cli/options.js';
import { Progress } from '../../server/src/cli/progress.js';
import { UsageError } from '../../server/src/cli/values.js';
import { redactText } from '../../server/src/core/redact.js';

describe('CLI pieces', () => {
  it('escapes workflow-command data and properties as GitHub documents', () => {
    assert.equal(escapeData('100% done\r\nnext: a, b'), '100%25 done%0D%0Anext: a, b');
    assert.equal(escapeProperty('a: b, 50%\n'), 'a%3A b%2C 50%25%0A');
    // % first, so an existing escape is not read as one.
    assert.equal(escapeProperty('%3A'), '%253A');
    // Control characters other than CR and LF do not reach the log.
    assert.equal(escapeData('ok\u001b[8mhidden\u0007\tend'), 'ok\uFFFD[8mhidden\uFFFD\tend');
  });

  it('doubles braces in SARIF messages, where single ones are placeholders', () => {
    assert.equal(sarifText('use {0} instead of {1}'), 'use {{0}} instead of {{1}}');
    assert.equal(sarifText('no braces'), 'no braces');
  });

  it('prints file names in the text format without their control characters', () => {
    const finding = {
      file: '/w/x',
      path: 'requirements/x\nfake.txt:1:1: error quarantined\u001b[8m.txt',
      uri: 'requirements/x',
      line: 1,
      column: 1,
      endLine: 1,
      endColumn: 5,
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 4 } },
      code: 'archived' as const,
      severity: 'warning' as const,
      message: 'pepy is archived',
    };
    const summary = {
      filesScanned: 1,
      dependencies: 1,
      projects: 1,
      unknownProjects: [],
      unchecked: [],
      findingsByCode: { archived: 1 },
      findings: [],
      cancelled: false,
    };
    const report = {
      cwd: '/w',
      settings: resolveSettings({}),
      summary,
      files: ['requirements/x'],
      findings: [finding],
      unknown: [],
      failOn: 'warning' as const,
      failed: true,
    };
    const out = formatText(report, false);
    assert.equal(out.split('\n')[0], 'requirements/x fake.txt:1:1: error quarantined\uFFFD[8m.txt:1:1: warning archived pepy is archived');
  });

  it('keeps control characters from the index out of the terminal', () => {
    assert.equal(printable('ok\u001b[2Jgone\u0007\nnext\tline'), 'ok\uFFFD[2Jgone\uFFFD next\tline');
  });

  it('draws progress only on a terminal, after a delay, at most once per interval, within the width', () => {
    let t = 0;
    const writes: string[] = [];
    const tty = { isTTY: true, columns: 30, write: (s: string) => writes.push(s) };
    const progress = new Progress(tty, { now: () => t, delayMs: 500, intervalMs: 100 });
    const p = (done: number) => ({ filesParsed: 3, filesTotal: 3, projectsDone: done, projectsTotal: 200 });
    progress.update(p(1));
    t = 499;
    progress.update(p(2));
    assert.deepEqual(writes, [], 'nothing before the delay');
    t = 500;
    progress.update(p(3));
    t = 550;
    progress.update(p(4));
    t = 600;
    progress.update(p(5));
    assert.deepEqual(writes, ['\r\u001b[Kpypi-status: files 3/3, proj…', '\r\u001b[Kpypi-status: files 3/3, proj…']);
    writes.length = 0;
    progress.log('pypi-status: a message');
    assert.deepEqual(writes, ['\r\u001b[K', 'pypi-status: a message\n', '\r\u001b[Kpypi-status: files 3/3, proj…']);
    writes.length = 0;
    progress.clear();
    progress.clear();
    assert.deepEqual(writes, ['\r\u001b[K'], 'erased once');

    const piped: string[] = [];
    const quiet = new Progress({ isTTY: false, write: (s: string) => piped.push(s) }, { now: () => t, delayMs: 0 });
    quiet.update(p(1));
    quiet.log('pypi-status: still said');
    quiet.clear();
    assert.deepEqual(piped, ['pypi-status: still said\n']);
  });

  it('anchors configuration globs under their directory, escaping its glob characters', () => {
    const dir = path.join(path.sep, 'repo [1]', 'a');
    const pattern = anchor(dir, 'legacy/**');
    const match = picomatch(pattern, { dot: true });
    assert.ok(match('/repo [1]/a/legacy/requirements.txt'));
    assert.ok(match('/repo [1]/a/legacy'));
    assert.ok(!match('/repo 1/a/legacy/requirements.txt'));
    assert.ok(!match('/repo [1]/a/other/legacy/requirements.txt'));
    assert.equal(anchor('/x', './vendor'), '/x/vendor');
    assert.equal(anchor('/x', '/abs/**'), '/abs/**');
    // From a subdirectory: `..` is resolved, since matched paths never contain it.
    assert.equal(anchor('/repo/app', '../vendor/**'), '/repo/vendor/**');
    assert.equal(anchor('/repo/app', './../../x'), '/x');
  });

  it('redacts every credential in a text', () => {
    assert.equal(redactText('a http://u:p@h/x and https://tok@i/simple/ b'), 'a http://***@h/x and https://***@i/simple/ b');
    assert.equal(redactText('https://pypi.org/simple/'), 'https://pypi.org/simple/');
    // Passwords holding an unencoded / or @ are hidden whole.
    assert.equal(redactText('see https://u:pa/ss@h/simple/ now'), 'see https://***@h/simple/ now');
    assert.equal(redactText('"https://u:S3@CRET@h/simple/"'), '"https://***@h/simple/"');
  });

  it('parses flags: repeatable and comma-separated lists, severity pairs, URLs normalized', () => {
    const command = parseCommandLine([
      'check',
      'a',
      'b',
      '--ignore',
      'Foo_Bar,baz',
      '--ignore=qux',
      '--exclude',
      'x/**',
      '--severity',
      'archived=error,inactive=off',
      '--severity',
      'yanked=hint',
      '--index-url',
      'https://u:p@example.com/simple',
      '--concurrency',
      '8',
      '-f',
      'sarif',
      '-o',
      'out.sarif',
    ]);
    assert.equal(command.kind, 'check');
    if (command.kind !== 'check') return;
    const f = command.flags;
    assert.deepEqual(f.paths, ['a', 'b']);
    assert.deepEqual(f.ignore, ['Foo_Bar', 'baz', 'qux']);
    assert.deepEqual(f.exclude, ['x/**']);
    assert.deepEqual(f.severity, { archived: 'error', inactive: 'off', yanked: 'hint' });
    assert.equal(f.indexUrl, 'https://u:p@example.com/simple/');
    assert.equal(f.concurrency, 8);
    assert.equal(f.format, 'sarif');
    assert.equal(f.output, 'out.sarif');
    assert.equal(f.failOn, undefined, 'the default is decided after the configuration is read');
    // A PATH that starts with a dash goes after --.
    const dashed = parseCommandLine(['check', '--', '-weird-dir']);
    assert.deepEqual(dashed.kind === 'check' && dashed.flags.paths, ['-weird-dir']);
    assert.throws(() => parseCommandLine(['check', '--concurrency', '65']), UsageError);
    const toStdout = parseCommandLine(['check', '-o', '-', '--max-wait', '5']);
    assert.equal(toStdout.kind === 'check' && toStdout.flags.output, undefined, '-o - is standard output');
    assert.equal(toStdout.kind === 'check' && toStdout.flags.maxWait, 5);
    assert.throws(() => parseCommandLine(['check', '--max-wait', '-1']), UsageError);
    assert.throws(() => parseCommandLine(['--format', 'json']), /unknown option --format before the command/);
  });

  it('reads [tool.pypi-status] in either spelling and ignores files without the table', () => {
    const file = path.join(path.sep, 'repo', 'pyproject.toml');
    assert.equal(parseConfig('[project]\nname = "x"\n', file), undefined);
    assert.equal(parseConfig('[tool.ruff]\nline-length = 1\n', file), undefined);
    assert.deepEqual(
      parseConfig(
        [
          '[tool.pypi-status]',
          'index-url = "https://example.com/simple"',
          'jsonApiUrl = false',
          'ignore = ["a", "B_c"]',
          'exclude = ["vendor/**"]',
          'severity = { archived = "error", "not-found" = "off" }',
          'failOn = "warning"',
          'cache-dir = "../cache"',
          'concurrency = 4',
        ].join('\n'),
        file,
      ),
      {
        file,
        indexUrl: 'https://example.com/simple/',
        jsonApiUrl: null,
        ignore: ['a', 'B_c'],
        exclude: ['vendor/**'],
        severity: { archived: 'error', 'not-found': 'off' },
        failOn: 'warning',
        cacheDir: path.resolve(path.sep, 'cache'),
        concurrency: 4,
      },
    );
    assert.deepEqual(parseConfig('[tool.pypi-status]\ncache-dir = false\njson-api-url = ""\n', file), { file, cacheDir: null, jsonApiUrl: null });
    assert.deepEqual(parseConfig('[tool."pypi-status"]\n', file), { file }, 'an empty table is a configuration');
  });
});
