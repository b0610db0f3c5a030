/**
 * Parse throughput of the built parsers, in a process of its own (nothing
 * else on its heap). Reads {requirements: [paths], pyproject: [paths],
 * minMs, minPasses, warmup} as JSON on stdin and prints one JSON document:
 * per kind, the milliseconds of each timed pass over all the files (the
 * parse loop only: the files are read before timing).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type * as Pyproject from '../server/src/core/pyproject.js';
import type * as Requirements from '../server/src/core/requirements.js';
import { REPO_ROOT } from './lsp.js';

interface Input {
  requirements: string[];
  pyproject: string[];
  minMs: number;
  minPasses: number;
  warmup: number;
}

async function main(): Promise<void> {
  const input = JSON.parse(readFileSync(0, 'utf8')) as Input;
  const out = path.join(REPO_ROOT, 'server', 'out', 'core');
  const { parseRequirements } = (await import(pathToFileURL(path.join(out, 'requirements.js')).href)) as typeof Requirements;
  const { parsePyproject } = (await import(pathToFileURL(path.join(out, 'pyproject.js')).href)) as typeof Pyproject;
  const env = {};
  const kinds = {
    requirements: { texts: input.requirements.map((f) => readFileSync(f, 'utf8')), parse: (t: string) => parseRequirements(t, { env }).dependencies.length },
    pyproject: { texts: input.pyproject.map((f) => readFileSync(f, 'utf8')), parse: (t: string) => parsePyproject(t).dependencies.length },
  };
  const result: Record<string, { passesMs: number[]; dependencies: number }> = {};
  for (const [kind, { texts, parse }] of Object.entries(kinds)) {
    let dependencies = 0;
    const pass = (): number => {
      let n = 0;
      const t0 = performance.now();
      for (const t of texts) n += parse(t);
      const ms = performance.now() - t0;
      dependencies = n;
      return ms;
    };
    for (let i = 0; i < input.warmup; i++) pass();
    const passesMs: number[] = [];
    let total = 0;
    while (passesMs.length < input.minPasses || total < input.minMs) {
      const ms = pass();
      passesMs.push(ms);
      total += ms;
    }
    result[kind] = { passesMs, dependencies };
  }
  process.stdout.write(JSON.stringify({ node: process.version, ...result }) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
