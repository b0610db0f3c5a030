import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const MEMORY_MODULE = pathToFileURL(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'server', 'src', 'lsp', 'memory.ts')).href;

describe('releaseMemorySoon', () => {
  it('gives a grown heap back to the system, and the process goes on (twice)', () => {
    // A fresh process: the garbage is its own, and a deadlock shows as a timeout, not a hung suite.
    const script = `
      const { releaseMemorySoon } = await import(${JSON.stringify(MEMORY_MODULE)});
      let junk = [];
      for (let i = 0; i < 2e6; i++) junk.push({ i, s: 'x' + i });
      junk = undefined;
      const rss = () => process.memoryUsage().rss;
      const before = rss();
      const settle = () => new Promise((resolve) => setTimeout(resolve, 300));
      releaseMemorySoon();
      releaseMemorySoon(); // a second call while one is pending is folded into it
      await settle();
      const after = rss();
      releaseMemorySoon();
      await settle();
      console.log(JSON.stringify({ before, after }));
    `;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 30_000, encoding: 'utf8' });
    const { before, after } = JSON.parse(out.trim().split('\n').pop()!) as { before: number; after: number };
    const mib = (n: number) => `${(n / 1048576).toFixed(0)} MiB`;
    assert.ok(after < before / 2, `RSS ${mib(before)} before, ${mib(after)} after`);
  });
});
