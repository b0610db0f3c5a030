#!/usr/bin/env node
// The "VS Code executable" that test/vscode/run.ts hands to @vscode/test-electron's runTests
// (vscodeExecutablePath) when desktop VS Code cannot be downloaded: it takes desktop VS Code's
// command line and runs the extension tests in code-server instead (see code-server.ts).
// Plain JavaScript because runTests spawns it directly; it loads the TypeScript through tsx.
import { register } from 'tsx/esm/api';

register();
const { hostExtensionTests } = await import('./code-server.ts');
process.exitCode = await hostExtensionTests(process.argv.slice(2));
