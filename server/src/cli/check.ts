/**
 * `pypi-status check`: configuration → core scan → report → exit status.
 * The report is produced only once the scan is complete, and written in one
 * piece, so an interrupted run leaves no partial output behind.
 */
import { appendFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { createIndexEnvironment } from '../core/environment.js';
import { machineContext } from '../core/indexConfig/context.js';
import { printConfig } from './printConfig.js';
import { scanFixes } from '../core/scanFixes.js';
import { scan } from '../core/workspaceScan.js';
import { VERSION } from '../core/version.js';
import { MAIN_HELP, parseCommandLine, type CheckFlags, type Command } from './args.js';
import { findConfig } from './config.js';
import { formatGithub, stepSummary } from './formats/github.js';
import { formatJson } from './formats/json.js';
import { formatSarif } from './formats/sarif.js';
import { formatText } from './formats/text.js';
import { resolveRunOptions, type RunOptions } from './options.js';
import { Progress, type ProgressStream } from './progress.js';
import { buildReport, summaryLine, unknownLine, type Report } from './report.js';
import { redactText } from '../core/redact.js';
import type { ParsedFile } from '../core/types.js';
import { UsageError } from './values.js';

export interface CliIO {
  argv: readonly string[];
  cwd: string;
  env: Record<string, string | undefined>;
  stdout: ProgressStream;
  stderr: ProgressStream;
}

export const EXIT = { ok: 0, findings: 1, usage: 2, interrupted: 130, terminated: 143 } as const;

export async function main(io: CliIO): Promise<number> {
  let command: Command;
  try {
    command = parseCommandLine(io.argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    const hint = io.argv.length === 0 ? `\n${MAIN_HELP}` : `Run "pypi-status ${io.argv[0] === 'check' ? 'check ' : ''}--help" for usage.\n`;
    io.stderr.write(`pypi-status: ${e.message}\n${hint}`);
    return EXIT.usage;
  }
  switch (command.kind) {
    case 'help':
      io.stdout.write(command.text);
      return EXIT.ok;
    case 'version':
      io.stdout.write(`${VERSION}\n`);
      return EXIT.ok;
    case 'check':
      try {
        return await check(command.flags, io);
      } catch (e) {
        // A bad [tool.pypi-status], a missing PATH, an output file that cannot be written.
        if (!(e instanceof UsageError)) throw e;
        io.stderr.write(`pypi-status: ${e.message}\n`);
        return EXIT.usage;
      }
  }
}

/** How long, in all, a run waits for an index that failed to be asked again (--max-wait). */
const DEFAULT_MAX_WAIT_S = 60;

async function check(flags: CheckFlags, io: CliIO): Promise<number> {
  const options = await resolveRunOptions(flags, await findConfig(io.cwd), io.cwd, { env: io.env, stdoutIsTTY: io.stdout.isTTY === true });
  const ctx = machineContext(io.env, options.roots);
  if (flags.printConfig) {
    io.stdout.write(printConfig(options, ctx, flags.trustIndexOptions, flags.format === 'json'));
    return EXIT.ok;
  }
  const progress = new Progress(io.stderr);
  const say = (message: string) => progress.log(`pypi-status: ${redactText(message)}`);
  const environment = createIndexEnvironment(options.settings, {
    offline: options.offline,
    // A run that gave up on every project after one 503 would report a clean result it never checked.
    patienceMs: (flags.maxWait ?? DEFAULT_MAX_WAIT_S) * 1000,
    // Lookup failures are summed up in the report (unknown projects); anything else (a cache
    // directory that cannot be written, a crash of a lookup) is worth a line now.
    log: (message) => {
      if (!message.startsWith('index lookup failed:')) say(message);
    },
    config: { ctx },
  });

  // Ctrl-C stops at once: nothing has been written to stdout or --output yet, and the disk
  // cache keeps every answer already received (its writes are atomic).
  const interrupt = (code: number) => () => {
    progress.clear();
    io.stderr.write('pypi-status: interrupted; no report written\n');
    process.exit(code);
  };
  const onInterrupt = interrupt(EXIT.interrupted);
  const onTerminate = interrupt(EXIT.terminated);
  process.once('SIGINT', onInterrupt);
  process.once('SIGTERM', onTerminate);
  let report: Report;
  const sourceFor = (parsed: ParsedFile, file: string) => environment.pool.sourceFor(parsed, flags.trustIndexOptions, file);
  try {
    const result = await scan(
      {
        roots: options.roots,
        exclude: options.exclude,
        env: io.env,
        onProgress: (p) => progress.update(p),
        // A lock's other registries are asked as a file's own index options are: only when trusted.
        registrySource: (url) => environment.pool.registry(url, flags.trustIndexOptions),
      },
      sourceFor,
      options.settings,
    );
    // The fixes the editor would offer, asked of the same sources: their caches hold what the scan learned.
    const fixes = await scanFixes(result.files, sourceFor, options.settings);
    report = buildReport(result, options.settings, options.cwd, options.failOn, fixes);
  } finally {
    progress.clear();
    await environment.close();
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onTerminate);
  }

  if (report.summary.filesScanned === 0 && options.roots.length > 0) {
    say(`no requirements files or pyproject.toml found in ${options.roots.map((r) => path.relative(options.cwd, r) || '.').join(', ')}`);
  }
  const text = render(report, options);
  if (options.output !== undefined) {
    writeAtomically(options.output, text);
    const unknown = unknownLine(report);
    say(`${summaryLine(report)}; report written to ${path.relative(options.cwd, options.output)}${unknown ? `\n${unknown}` : ''}`);
  } else {
    io.stdout.write(text);
  }
  const summaryFile = io.env.GITHUB_STEP_SUMMARY;
  if (options.format === 'github' && summaryFile) {
    try {
      appendFileSync(summaryFile, stepSummary(report));
    } catch (e) {
      say(`cannot write the step summary: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  if (options.strict && report.unknown.length > 0) {
    say(`--strict: ${report.unknown.length} project${report.unknown.length === 1 ? '' : 's'} could not be checked; exit status 2`);
    return EXIT.usage;
  }
  return report.failed ? EXIT.findings : EXIT.ok;
}

function render(report: Report, options: RunOptions): string {
  switch (options.format) {
    case 'text':
      return formatText(report, options.color);
    case 'json':
      return formatJson(report);
    case 'sarif':
      return formatSarif(report);
    case 'github':
      return formatGithub(report);
  }
}

/** Written beside the target, then renamed over it: readers never see half a report. */
function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // The directory itself is unusable: there is no temporary file to remove.
    }
    throw new UsageError(`cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
