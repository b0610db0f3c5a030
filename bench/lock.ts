/**
 * The lock-file scenario: parsing the largest real lock (crewAI's 1.6 MB uv.lock, 476 packages) into
 * packages, edges, exact name ranges and its graph (chains from the direct dependencies), and the
 * same on a generated 20 MB lock, as per-MB times measured in the same run: linear means the large
 * one costs at most 1.5× the small one's per-MB time. Then a workspace holding every real lock:
 * requests = distinct (index, project) pairs.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { lockAsParsedFile } from '../server/src/core/lock/dependencies.js';
import { LockGraph } from '../server/src/core/lock/graph.js';
import { parseUvLock } from '../server/src/core/lock/uv.js';
import { lookedUp } from '../server/src/core/analyze.js';
import { createIndexEnvironment } from '../server/src/core/environment.js';
import { resolveSettings } from '../server/src/core/settings.js';
import { scan } from '../server/src/core/workspaceScan.js';
import { startIndexServer } from '../test/support/index-server.js';
import { layOutLockfiles } from '../test/support/lock-workspace.js';
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
  /** The same, each large run over the small runs just before it (median): the load's drift weighs on both alike. */
  pairedRatio: number;
  packages: number;
}

/** Small runs per large one. */
const SMALL_PER_LARGE = 4;

export function lockParse(reps: number, repoRoot: string): LockParseResult {
  const real = readFileSync(path.join(repoRoot, CREWAI_LOCK), 'utf8');
  const big = generatedLock(real, 20 * 1024 * 1024);
  const smallMB = real.length / 1024 / 1024;
  const largeMB = big.length / 1024 / 1024;
  // Warm-ups: the first runs include compiling the reader.
  for (let i = 0; i < 3; i++) readOnce(real);
  readOnce(big);
  const smallTimes: number[] = [];
  const largeTimes: number[] = [];
  const paired: number[] = [];
  // Interleaved, so that a busy moment of the shared machine weighs on both alike.
  for (let i = 0; i < reps; i++) {
    const around: number[] = [];
    for (let j = 0; j < SMALL_PER_LARGE; j++) around.push(readOnce(real));
    smallTimes.push(...around);
    const t = readOnce(big);
    largeTimes.push(t);
    paired.push(t / largeMB / (stats(around).median / smallMB));
  }
  const small = stats(smallTimes);
  const large = stats(largeTimes);
  return {
    small,
    smallMB,
    large,
    largeMB,
    perMbRatio: large.median / largeMB / (small.median / smallMB),
    pairedRatio: stats(paired).median,
    packages: parseUvLock(real).packages.length,
  };
}

export interface LockRequestsResult {
  files: number;
  locks: number;
  /** Names the files look up, counting each time a file names one. */
  named: number;
  /** Distinct (index, project) pairs among them. */
  pairs: number;
  requests: number;
  /** Distinct (index, project) pairs among the requests. */
  requestedPairs: number;
  ms: number;
}

/** `/simple/<project>/` → the project (anything else whole, so that it counts apart). */
const projectOf = (p: string): string => /^\/simple\/([^/?]+)\/$/.exec(p)?.[1] ?? p;

/**
 * A scan of a workspace holding every lock of test/data/lockfiles (laid out as in their
 * repositories), in this process, against two local indexes: the configured one, and one standing
 * in for the other registry some locks name (PyTorch's). What it counts is requests against the
 * distinct (index, project) pairs the files look up; the time is given for information (no latency).
 */
export async function lockRequests(workDir: string): Promise<LockRequestsResult> {
  layOutLockfiles(workDir);
  const primary = await startIndexServer({ unknownProjects: 'generate' });
  const other = await startIndexServer({ unknownProjects: 'generate' });
  const settings = resolveSettings({ indexUrl: primary.simpleUrl, jsonApiUrl: null, cache: { directory: null } });
  const env = createIndexEnvironment(settings);
  const otherEnv = createIndexEnvironment(resolveSettings({ indexUrl: other.simpleUrl, jsonApiUrl: null, cache: { directory: null } }));
  try {
    const t0 = performance.now();
    const result = await scan({ roots: [workDir], registrySource: () => otherEnv.client }, env.client, settings);
    const ms = performance.now() - t0;
    const pairs = new Set<string>();
    let named = 0;
    for (const file of result.files)
      for (const dep of file.parsed.dependencies)
        if (lookedUp(dep, settings)) {
          named++;
          pairs.add(`${dep.registry === undefined ? 'primary' : 'other'} ${dep.normalizedName}`);
        }
    const asked = [...primary.requests.map((r) => `primary ${projectOf(r.path)}`), ...other.requests.map((r) => `other ${projectOf(r.path)}`)];
    return {
      files: result.files.length,
      locks: result.files.filter((f) => f.kind === 'lock').length,
      named,
      pairs: pairs.size,
      requests: asked.length,
      requestedPairs: new Set(asked).size,
      ms,
    };
  } finally {
    await env.close();
    await otherEnv.close();
    await primary.close();
    await other.close();
  }
}
