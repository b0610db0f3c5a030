#!/usr/bin/env node
/**
 * Bundles the VS Code extension into dist/ for the VSIX:
 *   dist/extension.cjs      the client. CommonJS, because VS Code's extension host loads an
 *                           extension's `main` with require(); `.cjs` because the root
 *                           package.json says "type": "module".
 *   dist/server.bundle.cjs  the language server with everything it imports (undici too,
 *                           compiled only when a proxy is used: V8 compiles a function on its
 *                           first call). CommonJS, because V8's code cache is for scripts.
 *   dist/server.cjs         its loader (server/src/loader.ts), which runs the bundle through
 *                           V8's code cache. The client forks it with Node IPC;
 *                           `node dist/server.cjs --stdio` runs it too.
 *   dist/data/              the server's data files (server/data/*.json, minus JSON schemas),
 *                           which the server reads from `data/` next to its bundle.
 * No node_modules ship in the VSIX (vsce --no-dependencies): everything is in these files.
 *
 * And the npm package's commands into server/dist/, the same way (bins of server/package.json):
 *   server/dist/server.cjs and cli.cjs (loaders), server.bundle.cjs and cli.bundle.cjs, and
 *   server/dist/data/. A bundle starts ~100 ms sooner than the modules in server/out.
 * `--dev`: not minified, with linked source maps (for debugging; .vscodeignore keeps maps out).
 */
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist');
const packageOutdir = path.join(root, 'server', 'dist');
const production = !process.argv.includes('--dev');

rmSync(outdir, { recursive: true, force: true });
rmSync(packageOutdir, { recursive: true, force: true });

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

const BUNDLE_URL = "var __pypiStatusBundleUrl = require('node:url').pathToFileURL(__filename).href;";

/**
 * The server and the CLI as CommonJS: V8's code cache, which the loader uses, is for scripts.
 * The sources are ESM; their one `import.meta.url` (finding data/) becomes the bundle's own URL.
 */
const commonJs = {
  ...common,
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  define: { 'import.meta.url': '__pypiStatusBundleUrl' },
  banner: { js: BUNDLE_URL },
};

const bundles = await Promise.all([
  build({
    ...common,
    entryPoints: { extension: 'client/src/extension.ts' },
    outdir,
    outExtension: { '.js': '.cjs' },
    format: 'cjs',
    // Provided by the extension host at run time.
    external: ['vscode'],
  }),
  build({ ...commonJs, entryPoints: { 'server.bundle': 'server/src/server.ts' }, outdir }),
  build({ ...commonJs, entryPoints: { 'server.bundle': 'server/src/server.ts', 'cli.bundle': 'server/src/cli.ts' }, outdir: packageOutdir }),
]);
const COMMANDS = [
  [outdir, 'server'],
  [packageOutdir, 'server'],
  [packageOutdir, 'cli'],
];

/**
 * A loader per bundle, told the bundle's name and content hash (which names its code cache).
 * CommonJS as well: an ES module entry point costs Node 5-10 ms more to start.
 */
const loaders = await Promise.all(
  COMMANDS.map(([dir, name]) => {
    const bundle = `${name}.bundle.cjs`;
    const hash = createHash('sha256')
      .update(readFileSync(path.join(dir, bundle)))
      .digest('hex')
      .slice(0, 16);
    return build({
      ...commonJs,
      entryPoints: { [name]: 'server/src/loader.ts' },
      outdir: dir,
      banner: { js: `#!/usr/bin/env node\n${BUNDLE_URL}` },
      define: { ...commonJs.define, BUNDLE_FILE: JSON.stringify(bundle), BUNDLE_HASH: JSON.stringify(hash) },
    });
  }),
);
const results = [...bundles, ...loaders];
// The loader runs a bundle as a script, where import() fails at run time (Node 20 gives a script
// no module loader): a lazily loaded module must be require()d, and the build says so at once.
for (const [dir, name] of COMMANDS) {
  const file = path.join(dir, `${name}.bundle.cjs`);
  const found = /[^\w$.]import\(\s*["'`\w]/.exec(readFileSync(file, 'utf8'));
  if (found) throw new Error(`${file}: dynamic import() (${found[0].slice(1)}…) cannot run in the loader's script; use require()`);
}
// The loaders are the commands (npm bins); esbuild marks executable only entries that begin with #!.
for (const [dir, name] of COMMANDS) chmodSync(path.join(dir, `${name}.cjs`), 0o755);

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
