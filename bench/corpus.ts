/**
 * Inputs of the benchmarks: the real dependency files of test/data/files, and
 * the generated workspace whose dependency lines are drawn from them.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Analyze from '../server/src/core/analyze.js';
import type { Dependency } from '../server/src/core/types.js';
import { corpusFilesDir } from '../test/support/data.js';
import { REPO_ROOT } from './lsp.js';
import { seededRandom } from '../test/support/random.js';

export const LARGE_FILE = 'home-assistant__core/requirements_all.txt';

export interface CorpusFile {
  /** Relative to the corpus directory. */
  rel: string;
  path: string;
  kind: 'requirements' | 'pyproject';
  text: string;
  lines: number;
}

/** The parser as built (what ships), not the TypeScript source. */
export async function builtAnalyze(): Promise<typeof Analyze> {
  return (await import(pathToFileURL(path.join(REPO_ROOT, 'server', 'out', 'core', 'analyze.js')).href)) as typeof Analyze;
}

/** Physical lines, counted the same way for every parser compared. */
export function countLines(text: string): number {
  if (text === '') return 0;
  const n = text.split(/\r\n|\r|\n/).length;
  return /(\r\n|\r|\n)$/.test(text) ? n - 1 : n;
}

/** Every requirements file (`*.txt`, `*.in`) and every pyproject.toml of the corpus. */
export function corpusFiles(): CorpusFile[] {
  const dir = corpusFilesDir();
  const out: CorpusFile[] = [];
  for (const repo of readdirSync(dir, { withFileTypes: true })) {
    if (!repo.isDirectory()) continue;
    for (const name of readdirSync(path.join(dir, repo.name)).sort()) {
      const kind = /(^|__)pyproject\.toml(@|$)/.test(name) ? 'pyproject' : /\.(txt|in)$/.test(name) ? 'requirements' : undefined;
      if (!kind) continue;
      const file = path.join(dir, repo.name, name);
      const text = readFileSync(file, 'utf8');
      out.push({ rel: `${repo.name}/${name}`, path: file, kind, text, lines: countLines(text) });
    }
  }
  return out.sort((a, b) => (a.rel < b.rel ? -1 : 1));
}

export function readLargeFile(): { path: string; text: string } {
  const file = path.join(corpusFilesDir(), LARGE_FILE);
  return { path: file, text: readFileSync(file, 'utf8') };
}

/** Dependencies that the server looks up (not URLs, not ignored). */
export function lookedUpDeps(deps: readonly Dependency[]): Dependency[] {
  return deps.filter((d) => !d.ignored && d.url === undefined);
}

/** A PEP 508 line for a dependency found in the corpus (Poetry constraints become an exact pin or nothing). */
function requirementLine(d: Dependency): string {
  const extras = d.extras.length > 0 ? `[${d.extras.join(',')}]` : '';
  if (d.form === 'poetry-key') return `${d.name}${extras}${d.pinnedVersion !== undefined ? `==${d.pinnedVersion}` : ''}`;
  const marker = d.marker ? `; ${d.marker}` : '';
  return `${d.name}${extras}${d.specifier}${marker}`;
}

export interface Workspace {
  root: string;
  files: number;
  /** Dependency lines written. */
  dependencyLines: number;
  physicalLines: number;
  /** Normalized names looked up (distinct). */
  projects: Set<string>;
  /** Every exact pin per normalized name (so that the index can serve those releases). */
  pins: Map<string, Set<string>>;
}

/**
 * Writes `files` dependency files (4 requirements files and a pyproject.toml
 * per service directory) holding about `files * 20` dependency lines, drawn
 * uniformly from every dependency occurrence of the corpus, so that popular
 * projects recur as they do in real workspaces. Same seed, same workspace.
 */
export async function generateWorkspace(root: string, files: number, seed = 20_000): Promise<Workspace> {
  const { parseDocument } = await builtAnalyze();
  const pool: { name: string; normalized: string; line: string; pin?: string }[] = [];
  for (const f of corpusFiles()) {
    for (const d of lookedUpDeps(parseDocument(f.kind, f.text, {}).dependencies)) {
      const entry: (typeof pool)[number] = { name: d.name, normalized: d.normalizedName, line: requirementLine(d) };
      if (d.pinnedVersion !== undefined) entry.pin = d.pinnedVersion;
      pool.push(entry);
    }
  }
  const random = seededRandom(seed);
  const projects = new Set<string>();
  const pins = new Map<string, Set<string>>();
  let dependencyLines = 0;
  let physicalLines = 0;
  const layout = ['requirements.txt', 'requirements-dev.txt', 'requirements/test.txt', 'constraints.txt', 'pyproject.toml'];
  const services = Math.ceil(files / layout.length);
  let written = 0;
  for (let s = 0; s < services && written < files; s++) {
    const dir = path.join(root, `group-${String(s % 20).padStart(2, '0')}`, `service-${String(s).padStart(4, '0')}`);
    for (const rel of layout) {
      if (written >= files) break;
      const count = 5 + Math.floor(random() * 31); // 5..35, mean 20
      const chosen: (typeof pool)[number][] = [];
      const names = new Set<string>();
      while (chosen.length < count) {
        const e = pool[Math.floor(random() * pool.length)]!;
        if (names.has(e.normalized)) continue;
        names.add(e.normalized);
        chosen.push(e);
      }
      for (const e of chosen) {
        projects.add(e.normalized);
        if (e.pin !== undefined) {
          const set = pins.get(e.normalized) ?? new Set<string>();
          set.add(e.pin);
          pins.set(e.normalized, set);
        }
      }
      let text: string;
      if (rel === 'pyproject.toml') {
        const main = chosen.slice(0, Math.ceil(chosen.length * 0.7));
        const test = chosen.slice(main.length);
        text =
          `[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n` +
          `[project]\nname = "service-${s}"\nversion = "0.1.0"\ndependencies = [\n${main.map((e) => `  ${JSON.stringify(e.line)},`).join('\n')}\n]\n\n` +
          `[project.optional-dependencies]\ntest = [\n${test.map((e) => `  ${JSON.stringify(e.line)},`).join('\n')}\n]\n`;
        projects.add('setuptools');
        dependencyLines += chosen.length + 1;
      } else {
        const lines = [`# service ${s}: ${rel}`];
        if (rel === 'requirements-dev.txt') lines.push('-r requirements.txt');
        if (rel === 'requirements/test.txt') lines.push('-c ../constraints.txt');
        chosen.forEach((e, i) => {
          if (i > 0 && i % 8 === 0) lines.push('', `# group ${i / 8}`);
          lines.push(e.line);
        });
        text = lines.join('\n') + '\n';
        dependencyLines += chosen.length;
      }
      const file = path.join(dir, rel);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, text);
      physicalLines += countLines(text);
      written++;
    }
  }
  return { root, files: written, dependencyLines, physicalLines, projects, pins };
}
