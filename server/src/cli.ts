#!/usr/bin/env node
/** The `pypi-status` command line; see cli/check.ts. */
import { main } from './cli/check.js';
import { redactText } from './core/redact.js';

// `pypi-status check | head` closes the pipe early: that is the reader's choice, not a crash.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') return;
  process.stderr.write(`pypi-status: cannot write to standard output: ${e.code ?? e.message}\n`);
  process.exit(2);
});

// Progress and warnings go to stderr; a reader that went away there must not turn the exit status into 1.
process.stderr.on('error', () => undefined);

main({ argv: process.argv.slice(2), cwd: process.cwd(), env: process.env, stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    // exitCode rather than exit(): standard output may still be draining into a pipe.
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`pypi-status: internal error: ${redactText(e instanceof Error ? (e.stack ?? e.message) : String(e))}\n`);
    process.exitCode = 2;
  },
);
