/** Document → parsed dependencies → index facts → findings: the pipeline shared by the server and the CLI. */
import * as path from 'node:path';
import { findingsFor, gatherFacts, type DependencyFacts, type Finding, type FindingContext } from './findings.js';
import type { IndexSource } from './pypi/client.js';
import { parsePyproject } from './pyproject.js';
import { parseRequirements } from './requirements.js';
import type { Settings } from './settings.js';
import type { Dependency, ParsedFile } from './types.js';

export type FileKind = 'requirements' | 'pyproject';

/** Which parser reads a file, from its name (and the editor's language id when it has one). */
export function fileKind(filePath: string, languageId?: string): FileKind | undefined {
  const base = path.posix.basename(filePath.replace(/\\/g, '/')).toLowerCase();
  const parent = path.posix.basename(path.posix.dirname(filePath.replace(/\\/g, '/'))).toLowerCase();
  if (base === 'pyproject.toml') return 'pyproject';
  if (languageId === 'pip-requirements') return 'requirements';
  if (/^requirements.*\.(txt|in)$/.test(base) || /^constraints.*\.(txt|in)$/.test(base)) return 'requirements';
  // pip-tools inputs (dev.in, test.in); not templates such as MANIFEST.in, Makefile.in or config.h.in.
  if (base.endsWith('.in') && !base.slice(0, -3).includes('.') && !NOT_REQUIREMENTS_IN.has(base)) return 'requirements';
  if ((parent === 'requirements' || parent === 'constraints') && base.endsWith('.txt')) return 'requirements';
  return undefined;
}

/** What a file too large to be read at all yields (the parsers' own limits are far lower, and report the same code). */
export function tooLargeToRead(bytes: number): ParsedFile {
  const zero = { line: 0, character: 0 };
  const message = `This file is ${(bytes / 1024 / 1024).toFixed(0)} MB, far larger than any real dependency file; pypi-status does not read it.`;
  return { dependencies: [], includes: [], indexUrls: [], problems: [{ code: 'file-too-large', message, range: { start: zero, end: zero } }] };
}

/** `.in` files that other tools own: setuptools' MANIFEST.in, autotools' Makefile.in and configure.in. */
const NOT_REQUIREMENTS_IN = new Set(['manifest.in', 'makefile.in', 'gnumakefile.in', 'configure.in']);

export function parseDocument(kind: FileKind, text: string, env: Record<string, string | undefined> = process.env): ParsedFile {
  return kind === 'pyproject' ? parsePyproject(text) : parseRequirements(text, { env });
}

export interface AnalyzedDependency {
  dependency: Dependency;
  facts: DependencyFacts;
  findings: Finding[];
  /** The index that answered for it: its configured name, else its host. */
  index?: string;
}

/** The analysis with the index that answered for it, when the source knows. */
export function withIndex(analyzed: AnalyzedDependency, source: IndexSource): AnalyzedDependency {
  if (analyzed.facts.project.state === 'unknown') return analyzed;
  const index = source.answeredBy?.(analyzed.dependency.name);
  return index === undefined ? analyzed : { ...analyzed, index };
}

/** Dependencies that are looked up: not ignored, not URLs, not silenced by settings. */
export function lookedUp(dep: Dependency, settings: Settings, trusted = true): boolean {
  // A name an environment variable supplies is the environment's secret as much as a name: an
  // untrusted file could name `${GH_TOKEN}` to have it sent to the index.
  return !dep.ignored && dep.url === undefined && !settings.ignore.has(dep.normalizedName) && (trusted || !dep.nameFromEnvironment);
}

export async function analyze(parsed: ParsedFile, client: IndexSource, settings: Settings, trusted = true, context: FindingContext = {}): Promise<AnalyzedDependency[]> {
  const deps = parsed.dependencies.filter((d) => lookedUp(d, settings, trusted));
  return Promise.all(
    deps.map(async (dependency) => {
      const facts = await gatherFacts(dependency, client);
      return withIndex({ dependency, facts, findings: findingsFor(dependency, facts, context) }, client);
    }),
  );
}
