/**
 * The lock-file scenario: parsing the largest real lock (crewAI's 1.6 MB uv.lock, 476 packages) into
 * packages, edges, exact name ranges and its graph (chains from the direct dependencies), and the
 * same on a generated 20 MB lock, as per-MB times measured in the same run: linear means the large
 * one costs at most 1.5× the small one's per-MB time.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { lockAsParsedFile } from '../server/src/core/lock/dependencies.js';
import { LockGraph } from '../server/src/core/lock/graph.js';
import { parseUvLock } from '../server/src/core/lock/uv.js';
import { stats, type Stats } from './stats.js';

export const CREWAI_LOCK = path.join('test', 'data', 'lockfiles', 'crewAIInc__crewAI', 'uv.lock');

/** Parse, name ranges, dependencies and every package's chain: what opening a lock costs before any lookup. */
function readOnce(text: string): number {
  const t0 = performance.now();
  const lock = parseUvLock(text);
  const parsed = lockAsParsedFile(lock);
  const graph = new LockGraph(lock);
  for (let i = 0; i < lock.packages.length; i++) graph.chain(i);
  const ms = performance.now() - t0;
  if (parsed.dependencies.length === 0 || lock.problems.length > 0)
    throw new Error(`the lock did not parse cleanly (${lock.problems[0]?.message ?? 'no packages'})`);
  return ms;
}

/**
 * A lock of about `bytes` made of the real one's package tables, renamed per copy (`name-c7`) with
 * their edges, so that names stay distinct and the graph keeps its shape; the header's
 * `[manifest]` and the project's own package are written once.
 */
export function generatedLock(real: string, bytes: number): string {
  const start = real.indexOf('\n[[package]]');
  const head = real.slice(0, start);
  const body = real.slice(start);
  const names = [...body.matchAll(/^name = "([^"]+)"$/gm)].map((m) => m[1]!);
  const pattern = new RegExp(`(name = ")(${names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})(")`, 'g');
  const parts = [head, body];
  for (let copy = 1, size = real.length; size < bytes; copy++) {
    const renamed = body.replace(pattern, `$1$2-c${copy}$3`);
    parts.push(renamed);
    size += renamed.length;
  }
  return parts.join('');
}

export interface LockParseResult {
  small: Stats;
  smallMB: number;
  large: Stats;
  largeMB: number;
  /** The large lock's per-MB time over the small one's (medians). */
  perMbRatio: number;
  packages: number;
}

export function lockParse(reps: number, repoRoot: string): LockParseResult {
  const real = readFileSync(path.join(repoRoot, CREWAI_LOCK), 'utf8');
  const big = generatedLock(real, 20 * 1024 * 1024);
  // Warm-ups: the first runs include compiling the reader.
  for (let i = 0; i < 3; i++) readOnce(real);
  readOnce(big);
  const smallTimes: number[] = [];
  const largeTimes: number[] = [];
  // Interleaved, so that a busy moment of the shared machine weighs on both alike.
  for (let i = 0; i < reps; i++) {
    smallTimes.push(readOnce(real));
    if (i < Math.max(2, Math.ceil(reps / 4))) largeTimes.push(readOnce(big));
  }
  const small = stats(smallTimes);
  const large = stats(largeTimes);
  const smallMB = real.length / 1024 / 1024;
  const largeMB = big.length / 1024 / 1024;
  return { small, smallMB, large, largeMB, perMbRatio: large.median / largeMB / (small.median / smallMB), packages: parseUvLock(real).packages.length };
}
