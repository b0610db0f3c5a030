/**
 * Starts a bundle (the language server or the CLI) through V8's code cache.
 *
 * Every start of a process compiled the bundle again: parsing it, then each function
 * on its first call. Most of that is the same every time, so the first start saves what
 * V8 compiled (`createCachedData`) and later starts hand it back (`cachedData`), which
 * shortens a restart (bench/README.md has the measurement).
 * Node 22 has this built in (module.enableCompileCache); Node 20, which VS Code's
 * Electron and many systems still run, does not, and it works for scripts only, so the
 * bundle is CommonJS and this loader runs it as Node would run a module (the loader is
 * the command: dist/server.cjs runs dist/server.bundle.cjs).
 *
 * The cache lives in the platform's cache directory (`code/`), one file per bundle,
 * build, Node version and architecture. Anything wrong with it (unreadable, damaged,
 * rejected by V8) only means compiling as usual. PYPI_STATUS_CODE_CACHE=off (or the CLI's
 * --no-cache) turns it off; another value is the directory to use.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as vm from 'node:vm';
import { defaultCacheDirectory } from './core/cacheDirectory.js';

/** The CommonJS bundle next to this loader, and its content hash: both written in by the build. */
declare const BUNDLE_FILE: string;
declare const BUNDLE_HASH: string;

/** By then the start-up work has been compiled; a process that ends sooner saves at exit. */
const SAVE_AFTER_MS = 5_000;
/** The cache file starts with a SHA-1 of the rest: V8 checks the header of cached data, not every byte. */
const DIGEST_BYTES = 20;

const bundle = path.join(path.dirname(fileURLToPath(import.meta.url)), BUNDLE_FILE);
// The bundle keeps the entry point's `#!` line, which is not JavaScript inside a function.
const source = readFileSync(bundle, 'utf8').replace(/^#!.*/, '');
const cacheFile = cachePath();
const cached = cacheFile === undefined ? undefined : readCache(cacheFile);
const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
  filename: bundle,
  ...(cached ? { cachedData: cached } : {}),
});
if (cacheFile !== undefined) saveLater(script, cacheFile, script.cachedDataRejected === true ? undefined : cached);
const main = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: { exports: object }, filename: string, dirname: string) => void;
const mod = { exports: {} };
main.call(mod.exports, mod.exports, createRequire(bundle), mod, bundle, path.dirname(bundle));

function cachePath(): string | undefined {
  const setting = process.env.PYPI_STATUS_CODE_CACHE;
  // The CLI's --no-cache promises that nothing is written to the cache directory.
  if (setting === 'off' || setting === '0' || process.argv.includes('--no-cache')) return undefined;
  const dir = setting || path.join(defaultCacheDirectory(), 'code');
  return path.join(dir, `${path.basename(BUNDLE_FILE, '.bundle.cjs')}-${BUNDLE_HASH}-${process.version}-${process.arch}.bin`);
}

function readCache(file: string): Buffer | undefined {
  try {
    const data = readFileSync(file);
    const payload = data.subarray(DIGEST_BYTES);
    if (data.length <= DIGEST_BYTES || !createHash('sha1').update(payload).digest().equals(data.subarray(0, DIGEST_BYTES))) return undefined;
    return payload;
  } catch {
    return undefined;
  }
}

/**
 * Saves what V8 has compiled when there was no usable cache, or when this process has
 * compiled much more than the cache held (a first start that only printed its version
 * must not stand for the server's real work forever).
 */
function saveLater(compiled: vm.Script, file: string, used: Buffer | undefined): void {
  let saved = false;
  const save = () => {
    if (saved) return;
    saved = true;
    try {
      const payload = compiled.createCachedData();
      if (used !== undefined && payload.length <= used.length * 1.1) return;
      const dir = path.dirname(file);
      mkdirSync(dir, { recursive: true });
      // Another process may be writing the same file: each writes its own, then renames.
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, Buffer.concat([createHash('sha1').update(payload).digest(), payload]));
      renameSync(tmp, file);
      // Earlier builds' files for this Node are of no further use; other Nodes' files (an editor's
      // and a shell's Node may differ) go once unused for a month, as do temporary files left behind.
      const prefix = `${path.basename(BUNDLE_FILE, '.bundle.cjs')}-`;
      const thisNode = `-${process.version}-${process.arch}.bin`;
      const now = Date.now();
      for (const name of readdirSync(dir)) {
        if (!name.startsWith(prefix) || name === path.basename(file)) continue;
        const other = path.join(dir, name);
        const unused = name.endsWith('.tmp') ? now - statSync(other).mtimeMs > 3_600_000 : now - statSync(other).mtimeMs > 30 * 24 * 3_600_000;
        if (name.endsWith(thisNode) || unused) rmSync(other, { force: true });
      }
    } catch {
      // No cache this time (read-only or full disk): the next start compiles as usual.
    }
  };
  setTimeout(save, SAVE_AFTER_MS).unref();
  // At exit only without a cache: serializing costs a few milliseconds that every short run would pay.
  if (used === undefined) process.once('exit', save);
}
