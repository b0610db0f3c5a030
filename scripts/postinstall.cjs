/**
 * Builds the command-line bundles after `npm install` in a checkout of this repository.
 *
 * pre-commit's `language: node` installs a hook's repository by running `npm install` in a clone,
 * then `npm pack` and `npm install -g` of that tarball: the bundles must exist before the pack,
 * and pre-commit reads the tarball's name from `npm pack`'s standard output, which a prepack or
 * prepare script would clutter. When the tarball itself is installed, scripts/bundle.mjs is not
 * in it and the bundles already are, so there is nothing to do.
 * CommonJS and free of dependencies, so that it runs before anything else is built.
 */
const { existsSync } = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const bundler = path.join(__dirname, 'bundle.mjs');
if (existsSync(bundler)) {
  import(pathToFileURL(bundler).href).catch((e) => {
    process.stderr.write(`pypi-status: building the bundles failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
