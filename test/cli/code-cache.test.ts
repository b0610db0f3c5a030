/**
 * The commands' loader (server/src/loader.ts, built as server/dist/*.cjs): V8's code cache is
 * written, used, replaced when damaged or rejected, and never stops a command from running.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { SERVER_JS } from '../support/lsp-client.js';
import { CLI } from './support.js';

describe('code cache of the built commands', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  function cacheDir(): string {
    const d = mkdtempSync(path.join(tmpdir(), 'pypi-status-code-cache-'));
    dirs.push(d);
    return d;
  }

  /** Runs `--version`: the command must work whatever state its cache is in. */
  function version(command: string, dir: string): void {
    const out = execFileSync(process.execPath, [command, '--version'], {
      env: { ...process.env, PYPI_STATUS_CODE_CACHE: dir },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.match(out, /^\d+\.\d+\.\d+/);
  }

  const files = (dir: string) => readdirSync(dir).sort();
  const digestOk = (file: string) => {
    const data = readFileSync(file);
    return data.length > 20 && createHash('sha1').update(data.subarray(20)).digest().equals(data.subarray(0, 20));
  };

  it('is written by the first run, then used as it is', () => {
    const dir = cacheDir();
    version(SERVER_JS, dir);
    const [name] = files(dir);
    assert.match(name ?? '', new RegExp(`^server-[0-9a-f]{16}-${process.version}-${process.arch}\\.bin$`), files(dir).join(' '));
    const file = path.join(dir, name!);
    assert.ok(digestOk(file));
    const before = statSync(file);
    version(SERVER_JS, dir);
    // Rewritten only when it was missing, damaged or rejected by V8.
    assert.equal(statSync(file).mtimeMs, before.mtimeMs, 'the cache was accepted and kept');
    version(CLI, dir);
    assert.equal(files(dir).filter((f) => f.startsWith('cli-')).length, 1, 'each command has its own');
  });

  for (const [label, damage] of [
    ['a damaged file', (data: Buffer) => Buffer.concat([data.subarray(0, 1000), Buffer.alloc(4096, 0xa5), data.subarray(5096)])],
    [
      'data V8 refuses, with a correct digest',
      () => {
        const payload = Buffer.alloc(64 * 1024, 0x5a);
        return Buffer.concat([createHash('sha1').update(payload).digest(), payload]);
      },
    ],
    ['a truncated file', (data: Buffer) => data.subarray(0, 10)],
  ] as const) {
    it(`runs on and replaces ${label}`, () => {
      const dir = cacheDir();
      version(SERVER_JS, dir);
      const file = path.join(dir, files(dir)[0]!);
      writeFileSync(file, damage(readFileSync(file)));
      version(SERVER_JS, dir);
      assert.ok(digestOk(file), 'rewritten whole');
      assert.ok(statSync(file).size > 100_000);
    });
  }

  it("removes earlier builds' files for this Node, keeps other Nodes' files, and can be turned off", () => {
    const dir = cacheDir();
    const oldBuild = path.join(dir, `server-0000000000000000-${process.version}-${process.arch}.bin`);
    const otherNode = path.join(dir, `server-0000000000000000-v0.0.0-${process.arch}.bin`);
    writeFileSync(oldBuild, 'x');
    writeFileSync(otherNode, 'x');
    version(SERVER_JS, dir);
    assert.ok(!existsSync(oldBuild));
    assert.ok(existsSync(otherNode));
    assert.equal(files(dir).length, 2);

    const off = cacheDir();
    const out = execFileSync(process.execPath, [SERVER_JS, '--version'], {
      env: { ...process.env, PYPI_STATUS_CODE_CACHE: 'off' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.match(out, /^\d+\.\d+\.\d+/);
    assert.deepEqual(files(off), []);
  });

  it('runs where the cache cannot be written', () => {
    // Below a regular file no directory can be made, whoever runs the test (root included).
    const blocker = path.join(cacheDir(), 'a-file');
    writeFileSync(blocker, '');
    version(SERVER_JS, path.join(blocker, 'code'));
    version(CLI, path.join(blocker, 'code'));
    assert.equal(readFileSync(blocker, 'utf8'), '');
  });
});
