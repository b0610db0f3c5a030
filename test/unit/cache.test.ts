/**
 * The disk cache under damage: torn and foreign entries, read errors, a full disk,
 * and several processes writing the same entries at once. Whatever happens, nothing
 * throws, no damaged entry is ever served, and the memory cache keeps working.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { IndexCache, NODE_DISK, SCHEMA_DIR, type CacheEntry, type DiskIo } from '../../server/src/core/pypi/cache.js';
import { checksum, type Payload } from '../support/cache-writer.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'pypi-status-disk-'));
  dirs.push(d);
  return d;
}

function entryFiles(directory: string): string[] {
  return readdirSync(path.join(directory, SCHEMA_DIR), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

const entry = (key: string, data: unknown): CacheEntry<unknown> => ({ key, fetchedAt: Date.now(), state: 'found', data });

describe('disk cache', () => {
  it('treats torn, foreign and malformed entries as misses, never serving them', async () => {
    const directory = tempDir();
    const writer = new IndexCache({ directory });
    writer.set(entry('simple x a', { n: 1 }));
    writer.set(entry('simple x b', { n: 2 }));
    writer.set(entry('simple x c', { n: 3 }));
    writer.set(entry('simple x d', { n: 5 }));
    await writer.flush();
    const [a, b, c, d] = ['simple x a', 'simple x b', 'simple x c', 'simple x d'].map((key) => {
      const file = entryFiles(directory).find((f) => {
        const stored: unknown = JSON.parse(readFileSync(f, 'utf8'));
        return typeof stored === 'object' && stored !== null && 'key' in stored && stored.key === key;
      });
      return file!;
    });
    writeFileSync(a!, readFileSync(a!, 'utf8').slice(0, 20)); // torn: half a write
    writeFileSync(b!, JSON.stringify(entry('simple x somebody-else', { n: 9 }))); // another key's entry (a collision)
    writeFileSync(c!, JSON.stringify({ key: 'simple x c', fetchedAt: 'yesterday', state: 'found', data: {} })); // wrong shape
    // 1e999 is Infinity to JSON.parse: an entry that would never expire.
    writeFileSync(d!, '{"key":"simple x d","fetchedAt":1e999,"state":"found","data":{"n":5}}');
    const reader = new IndexCache({ directory });
    for (const key of ['simple x a', 'simple x b', 'simple x c', 'simple x d']) assert.equal(reader.get(key), undefined, key);
    // A miss is fetched again and rewritten whole.
    reader.set(entry('simple x a', { n: 4 }));
    await reader.flush();
    assert.deepEqual(new IndexCache({ directory }).get<{ n: number }>('simple x a')?.data, { n: 4 });
  });

  it('two caches of one directory in one process (old and new settings) write the same entry at once without a clash', async () => {
    const directory = tempDir();
    const errors: string[] = [];
    const a = new IndexCache({ directory, onError: (m) => errors.push(m) });
    const b = new IndexCache({ directory, onError: (m) => errors.push(m) });
    for (let i = 0; i < 20; i++) {
      a.set(entry(`simple x k${i}`, { n: i }));
      b.set(entry(`simple x k${i}`, { n: i }));
    }
    await Promise.all([a.flush(), b.flush()]);
    assert.deepEqual(errors, []);
  });

  it('reports a read error once, as a miss, and keeps the memory cache working', async () => {
    const directory = tempDir();
    const errors: string[] = [];
    const cache = new IndexCache({ directory, onError: (m) => errors.push(m) });
    cache.set(entry('simple x a', { n: 1 }));
    cache.set(entry('simple x b', { n: 2 }));
    await cache.flush();
    // Each entry's path becomes a directory: reading it fails with EISDIR, not ENOENT.
    for (const file of entryFiles(directory)) {
      rmSync(file);
      mkdirSync(file);
    }
    const other = new IndexCache({ directory, onError: (m) => errors.push(m) });
    assert.equal(other.get('simple x a'), undefined);
    assert.equal(other.get('simple x b'), undefined);
    assert.equal(errors.length, 1, `one message for a run of failures: ${errors.join(' | ')}`);
    assert.match(errors[0]!, /cannot read cache file: .*EISDIR.*continuing with the memory cache/);
    other.set(entry('simple x a', { n: 3 }));
    assert.deepEqual(other.get<{ n: number }>('simple x a')?.data, { n: 3 }, 'memory still serves');
    await other.flush();
  });

  it('survives a full disk: the write fails with ENOSPC, its temp file goes, the previous entry stays', async () => {
    const directory = tempDir();
    const good = new IndexCache({ directory });
    good.set(entry('simple x a', { n: 1 }));
    await good.flush();
    // Half of each write lands in the temp file, the rest goes to /dev/full, which
    // fails every write with a real ENOSPC from the kernel.
    const full: DiskIo = {
      ...NODE_DISK,
      writeFile: async (file, text) => {
        writeFileSync(file, text.slice(0, text.length >> 1));
        await writeFile('/dev/full', text.slice(text.length >> 1));
      },
    };
    const errors: string[] = [];
    const cache = new IndexCache({ directory, onError: (m) => errors.push(m), disk: full });
    cache.set(entry('simple x a', { n: 2 }));
    cache.set(entry('simple x b', { n: 3 }));
    await cache.flush();
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /ENOSPC/);
    assert.deepEqual(cache.get<{ n: number }>('simple x a')?.data, { n: 2 }, 'memory serves the newest answer');
    assert.deepEqual(cache.get<{ n: number }>('simple x b')?.data, { n: 3 });
    const files = entryFiles(directory);
    assert.deepEqual(
      files.filter((f) => f.endsWith('.tmp')),
      [],
      'temp files removed',
    );
    assert.equal(files.length, 1);
    const fresh = new IndexCache({ directory });
    assert.deepEqual(fresh.get<{ n: number }>('simple x a')?.data, { n: 1 }, 'the previous entry is intact');
    assert.equal(fresh.get('simple x b'), undefined);
  });

  it('two processes writing the same entries at once never leave a torn entry to read', { timeout: 120_000 }, async () => {
    const directory = tempDir();
    const KEYS = 20;
    const ROUNDS = 150;
    const writers = ['one', 'two'].map(
      (name) =>
        new Promise<string>((resolve, reject) => {
          const child = spawn(
            process.execPath,
            ['--import', 'tsx', path.join(HERE, '..', 'support', 'cache-writer.ts'), directory, name, String(ROUNDS), String(KEYS)],
            {
              stdio: ['ignore', 'ignore', 'pipe'],
            },
          );
          let stderr = '';
          child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
          child.on('error', reject);
          child.on('exit', (code) => (code === 0 ? resolve(stderr) : reject(new Error(`writer ${name} exited ${code}: ${stderr}`))));
        }),
    );
    let done = false;
    const all = Promise.all(writers).finally(() => (done = true));
    // Meanwhile, read every key again and again, each time from the disk.
    let reads = 0;
    let complete = 0;
    const check = () => {
      const reader = new IndexCache({ directory });
      for (let k = 0; k < KEYS; k++) {
        const got = reader.get<Payload>(`simple shared project-${k}`);
        reads++;
        if (got === undefined) continue; // not written yet
        const { checksum: sum, ...rest } = got.data!;
        assert.equal(sum, checksum(rest), `a torn or mixed entry was served: ${JSON.stringify(got).slice(0, 200)}`);
        assert.ok(rest.writer === 'one' || rest.writer === 'two');
        complete++;
      }
    };
    while (!done) {
      check();
      await new Promise((r) => setImmediate(r));
    }
    const stderr = await all;
    assert.deepEqual(stderr, ['', ''], 'the writers reported no disk error');
    check();
    assert.ok(complete > KEYS, `only ${complete} of ${reads} reads found an entry`);
    console.log(`${reads} reads, ${complete} complete entries, while the writers ran`);
    const files = entryFiles(directory);
    assert.equal(files.length, KEYS, `leftovers: ${files.filter((f) => f.endsWith('.tmp')).join(' ')}`);
  });
});
