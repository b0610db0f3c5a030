#!/usr/bin/env node
/** The `pypi-status` command line. The `check` command is built on the same core as the server. */
import { VERSION } from './core/version.js';

const HELP = `pypi-status ${VERSION}: flags archived, quarantined, deprecated, yanked and vulnerable PyPI dependencies.

Usage:
  pypi-status --version
  pypi-status --help

The "check" command that scans files and directories for CI is not available in this version yet.
For editors, run the language server: pypi-status-language-server --stdio
`;

const args = process.argv.slice(2);
if (args.includes('--version')) {
  process.stdout.write(`${VERSION}\n`);
} else {
  (args.includes('--help') || args.includes('-h') ? process.stdout : process.stderr).write(HELP);
  process.exitCode = args.includes('--help') || args.includes('-h') ? 0 : 2;
}
