/** Summaries of V8 CPU profiles (.cpuprofile, as written by node --cpu-prof). */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Hotspot {
  fn: string;
  where: string;
  selfMs: number;
  /** Share of the busy (non-idle) time. */
  pct: number;
}

export interface ProfileSummary {
  file: string;
  wallMs: number;
  busyMs: number;
  idleMs: number;
  gcMs: number;
  /** Self time by origin: server code, each package, node internals, GC, program. */
  byOrigin: { origin: string; ms: number; pct: number }[];
  top: Hotspot[];
}

function shortUrl(url: string): string {
  if (url === '') return '';
  const p = url.replace(/^file:\/\//, '');
  const nm = p.lastIndexOf('/node_modules/');
  if (nm >= 0) return p.slice(nm + '/node_modules/'.length);
  const out = p.indexOf('/server/out/');
  if (out >= 0) return `server/out/${p.slice(out + '/server/out/'.length)}`;
  return p;
}

function originOf(url: string, fn: string): string {
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(program)' || fn === '(root)') return '(program: native, parsing, compiling)';
  if (url === '') return '(native / builtins)';
  if (url.startsWith('node:')) return 'node internals';
  const p = url.replace(/^file:\/\//, '');
  const nm = p.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = p.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (p.includes('/server/out/')) return 'server (pypi-status)';
  return 'other';
}

/**
 * Self time per function. `window` (microseconds of the monotonic clock that
 * both V8's profiler and process.hrtime read on Linux) keeps only the samples
 * taken in that interval.
 */
export function summarizeProfile(file: string, topN = 15, window?: { fromUs: number; toUs: number }): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  if (window && (window.toUs < profile.startTime || window.fromUs > profile.endTime)) {
    throw new Error(`${file}: the window lies outside the profile (clocks differ?)`);
  }
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    if (window && (t < window.fromUs || t > window.toUs)) continue;
    const id = profile.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + delta);
  }
  let idle = 0;
  let gc = 0;
  const fns = new Map<string, { fn: string; where: string; us: number }>();
  const origins = new Map<string, number>();
  for (const [id, us] of self) {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idle += us;
      continue;
    }
    if (functionName === '(garbage collector)') gc += us;
    const fn = functionName || '(anonymous)';
    const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : '';
    const key = `${fn} ${where}`;
    const entry = fns.get(key) ?? { fn, where, us: 0 };
    entry.us += us;
    fns.set(key, entry);
    const origin = originOf(url, functionName);
    origins.set(origin, (origins.get(origin) ?? 0) + us);
  }
  const wall = window ? window.toUs - window.fromUs : profile.endTime - profile.startTime;
  const busy = [...fns.values()].reduce((s, f) => s + f.us, 0);
  const pct = (us: number) => (busy > 0 ? (100 * us) / busy : 0);
  return {
    file,
    wallMs: wall / 1000,
    busyMs: busy / 1000,
    idleMs: idle / 1000,
    gcMs: gc / 1000,
    byOrigin: [...origins].sort((a, b) => b[1] - a[1]).map(([origin, us]) => ({ origin, ms: us / 1000, pct: pct(us) })),
    top: [...fns.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, topN)
      .map((f) => ({ fn: f.fn, where: f.where, selfMs: f.us / 1000, pct: pct(f.us) })),
  };
}

/** The main thread's .cpuprofile in a directory: the largest (loader worker threads write small ones too). */
export function profileIn(dir: string): string | undefined {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => ({ file: path.join(dir, f), size: statSync(path.join(dir, f)).size }))
    .sort((a, b) => b.size - a.size);
  return files[0]?.file;
}

export function formatProfile(title: string, s: ProfileSummary): string {
  const lines = [
    `${title}: wall ${s.wallMs.toFixed(0)} ms, busy ${s.busyMs.toFixed(0)} ms (GC ${s.gcMs.toFixed(0)} ms), idle ${s.idleMs.toFixed(0)} ms`,
    `  by origin: ${s.byOrigin
      .slice(0, 6)
      .map((o) => `${o.origin} ${o.pct.toFixed(0)}%`)
      .join(', ')}`,
    '  top self time:',
    ...s.top.map((h) => `    ${h.selfMs.toFixed(1).padStart(8)} ms ${h.pct.toFixed(1).padStart(5)}%  ${h.fn}  ${h.where}`),
  ];
  return lines.join('\n');
}
