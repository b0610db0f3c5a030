/**
 * The naive baseline: what common hover extensions do. One uncached
 * `GET /pypi/<name>/json` per dependency line, one at a time, with node's
 * fetch (which asks for gzip by itself), parsing each answer as JSON.
 * Names are PEP 503 normalized, which spares the baseline PyPI's 301 for
 * names written in another case (its best case).
 */
import http from 'node:http';
import http2 from 'node:http2';
import { performance } from 'node:perf_hooks';

export interface BaselineRun {
  requests: number;
  /** Milliseconds of each request (send to parsed body). */
  times: number[];
  failures: number;
}

export async function naiveLookups(jsonApiUrl: string, names: readonly string[], timeoutMs = 30_000): Promise<BaselineRun> {
  const times: number[] = [];
  let failures = 0;
  for (const name of names) {
    const t0 = performance.now();
    try {
      const res = await fetch(`${jsonApiUrl}${encodeURIComponent(name)}/json`, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (res.ok) await res.json();
      else {
        await res.arrayBuffer();
        failures++;
      }
    } catch {
      failures++;
    }
    times.push(performance.now() - t0);
  }
  return { requests: names.length, times, failures };
}

/** `count` items spread evenly over the list (all of it when count >= length). */
export function evenSample<T>(items: readonly T[], count: number): T[] {
  if (count >= items.length) return [...items];
  const out: T[] = [];
  for (let i = 0; i < count; i++) out.push(items[Math.floor((i * items.length) / count)]!);
  return out;
}

/**
 * The achievable floor on this machine, now: the same request paths replayed
 * by a trivial client, `concurrency` at a time over as many kept-alive
 * connections (node:http, gzip asked for, bodies read and dropped, nothing
 * decompressed, parsed or stored). No dependency between requests is
 * modelled, so it is a lower bound for any client. (Node's fetch, used here
 * before, took 1.03–1.08× this client's time.)
 */
export async function replay(baseUrl: string, paths: readonly string[], concurrency: number): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const queue = [...paths];
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
      const accept = p.startsWith('/simple/') ? 'application/vnd.pypi.simple.v1+json' : 'application/json';
      // Errors are counted in time only.
      await new Promise<void>((resolve) => {
        const request = http.get(`${baseUrl}${p}`, { agent, headers: { accept, 'accept-encoding': 'gzip' }, timeout: 30_000 }, (res) => {
          res.on('data', () => undefined);
          res.on('end', resolve);
          res.on('error', () => resolve());
        });
        request.on('timeout', () => request.destroy());
        request.on('error', () => resolve());
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const ms = performance.now() - t0;
  agent.destroy();
  return ms;
}

/**
 * replay() over HTTPS with HTTP/2: one session, `concurrency` streams at a time, bodies read
 * and dropped. The reference for a cold open against an index that speaks HTTP/2.
 */
export async function replayHttp2(baseUrl: string, paths: readonly string[], concurrency: number, ca: string): Promise<number> {
  const t0 = performance.now();
  const session = http2.connect(baseUrl, { ca, settings: { initialWindowSize: 1 << 20 } });
  session.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    session.once('connect', () => resolve());
    session.once('error', reject);
  });
  session.setLocalWindowSize(16 << 20);
  const queue = [...paths];
  const worker = async (): Promise<void> => {
    for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
      const accept = p.startsWith('/simple/') ? 'application/vnd.pypi.simple.v1+json' : 'application/json';
      const stream = session.request({ ':path': p, accept, 'accept-encoding': 'gzip' });
      stream.on('data', () => undefined);
      await new Promise<void>((resolve) => stream.once('close', resolve)); // errors are counted in time only
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const ms = performance.now() - t0;
  session.close();
  return ms;
}
