/**
 * Entry point of the extension tests inside VS Code's extension host (desktop VS Code or
 * code-server): VS Code loads this module from --extensionTestsPath and awaits run().
 * run.ts bundles every suite file to CommonJS next to this one (.vscode-test/suite/);
 * each *.test.cjs there is one mocha file (TDD interface: suite/test).
 */
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import Mocha from 'mocha';

export async function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'tdd',
    // The extension host's console is not a terminal.
    color: false,
    // A cold look-up of a whole file against the local index takes well under a second;
    // the margin is for a loaded CI machine and for activation on the first test.
    timeout: 60_000,
    reporter: 'spec',
    // PYPI_STATUS_VSCODE_GREP=<regexp> runs only the matching tests (the extension host inherits the runner's environment).
    ...(process.env.PYPI_STATUS_VSCODE_GREP ? { grep: new RegExp(process.env.PYPI_STATUS_VSCODE_GREP) } : {}),
  });
  // In code-server the extension host's console reaches the runner mixed with the workbench's
  // own log; code-server-host.mjs sets a marker so that it can print the report alone.
  const marker = process.env.PYPI_STATUS_TEST_LOG_MARKER;
  if (marker) {
    const log = console.log.bind(console);
    Mocha.reporters.Base.consoleLog = (...args: unknown[]) => log(marker, format(...args));
  }
  // The bundle is CommonJS: __dirname is where run.ts put the suite.
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.cjs'))
    .sort();
  if (files.length === 0) throw new Error(`no *.test.cjs files in ${__dirname}`);
  for (const file of files) mocha.addFile(path.join(__dirname, file));
  const failures = await new Promise<number>((resolve) => mocha.run(resolve));
  if (failures > 0) throw new Error(`${failures} extension test(s) failed`);
}
