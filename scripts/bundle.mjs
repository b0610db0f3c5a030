#!/usr/bin/env node
/**
 * Bundles the VS Code extension into dist/ for the VSIX:
 *   dist/extension.cjs  the client. CommonJS, because VS Code's extension host loads an
 *                       extension's `main` with require(); `.cjs` because the root
 *                       package.json says "type": "module".
 *   dist/server.js      the language server, ESM (the server and toml-eslint-parser are
 *                       ESM), with dist/chunks/ for what it imports lazily (undici). The
 *                       client forks it with Node IPC; `node dist/server.js --stdio` runs it too.
 *   dist/data/          the server's data files (server/data/*.json, minus JSON schemas), which
 *                       the server reads from `data/` next to its bundle.
 * No node_modules ship in the VSIX (vsce --no-dependencies): everything is in these two files.
 *
 * And the npm package's commands into server/dist/, the same way (bins of server/package.json):
 *   server/dist/server.js, server/dist/cli.js, their shared and lazy chunks next to them
 *   (next to, not in a subfolder: code in a chunk finds data/ from its own location), and
 *   server/dist/data/. A bundle starts ~100 ms sooner than the modules in server/out.
 * `--dev`: not minified, with linked source maps (for debugging; .vscodeignore keeps maps out).
 */
import { build } from 'esbuild';
import { cpSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist');
const packageOutdir = path.join(root, 'server', 'dist');
const production = !process.argv.includes('--dev');

rmSync(outdir, { recursive: true, force: true });
rmSync(packageOutdir, { recursive: true, force: true });

// vscode-languageserver and undici are CommonJS and require() Node built-ins; in an
// ESM bundle esbuild routes those through `require`, which ESM does not define.
const ESM_REQUIRE = "import { createRequire as __pypiStatusCreateRequire } from 'node:module'; const require = __pypiStatusCreateRequire(import.meta.url);";

/** @type {import('esbuild').BuildOptions} */
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  // VS Code 1.91's Electron ships Node 20.9; code-server 4.100 runs on Node 20.
  target: 'node20',
  // Whitespace and syntax only: identifiers stay, so stack traces in the output channel stay readable.
  minifyWhitespace: production,
  minifySyntax: production,
  sourcemap: production ? false : 'linked',
  // Third-party licence comments are kept (at the end of each file).
  legalComments: 'eof',
  logLevel: 'warning',
  metafile: true,
};

const results = await Promise.all([
  build({
    ...common,
    entryPoints: { extension: 'client/src/extension.ts' },
    outdir,
    outExtension: { '.js': '.cjs' },
    format: 'cjs',
    // Provided by the extension host at run time.
    external: ['vscode'],
  }),
  build({
    ...common,
    entryPoints: { server: 'server/src/server.ts' },
    outdir,
    format: 'esm',
    // undici, 715 of 1,244 KiB, is imported only when the first request is made: in a chunk
    // of its own, a server that starts on a warm cache never compiles it (restart: -20 ms).
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    banner: { js: ESM_REQUIRE },
  }),
  build({
    ...common,
    entryPoints: { server: 'server/src/server.ts', cli: 'server/src/cli.ts' },
    outdir: packageOutdir,
    format: 'esm',
    splitting: true,
    chunkNames: '[name]-[hash]',
    banner: { js: ESM_REQUIRE },
  }),
]);

const data = path.join(root, 'server', 'data');
if (existsSync(data)) {
  for (const dir of [outdir, packageOutdir]) {
    cpSync(data, path.join(dir, 'data'), { recursive: true, filter: (src) => !src.endsWith('.schema.json') });
  }
}

for (const result of results) {
  for (const [file, { bytes }] of Object.entries(result.metafile?.outputs ?? {})) {
    console.log(`${file}  ${(bytes / 1024).toFixed(0)} KiB`);
  }
}
