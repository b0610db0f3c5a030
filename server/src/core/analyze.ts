/** Document → parsed dependencies → index facts → findings: the pipeline shared by the server and the CLI. */
import * as path from 'node:path';
import { findingsFor, gatherFacts, type DependencyFacts, type Finding, type FindingContext } from './findings.js';
import type { IndexSource } from './pypi/client.js';
import { parsePyproject } from './pyproject.js';
import { parseRequirements } from './requirements.js';
import type { Settings } from './settings.js';
import type { Dependency, ParsedFile } from './types.js';
import { parseCompiledRequirements } from './lock/compiled.js';
import { lockAsParsedFile } from './lock/dependencies.js';
import type { LockFile } from './lock/model.js';
import { type Pipfile, parsePipfile } from './lock/pipfile.js';
import { isCompiledRequirements, lockKindOf, readLockFile } from './lock/read.js';
import { parseScript } from './script.js';
import { untrustedRegistry } from './pypi/notChecked.js';

/** `lock`: any lock file (lockKindOf says which); `pipfile`: Pipenv's manifest; `script`: a `.py` file's PEP 723 block. */
export type FileKind = 'requirements' | 'pyproject' | 'lock' | 'pipfile' | 'script';

/** Which parser reads a file, from its name (and the editor's language id when it has one). */
export function fileKind(filePath: string, languageId?: string): FileKind | undefined {
  const base = path.posix.basename(filePath.replace(/\\/g, '/')).toLowerCase();
  const parent = path.posix.basename(path.posix.dirname(filePath.replace(/\\/g, '/'))).toLowerCase();
  if (base === 'pyproject.toml') return 'pyproject';
  if (lockKindOf(base) !== undefined || base === 'pipfile.lock') return 'lock';
  if (base === 'pipfile') return 'pipfile';
  if (base.endsWith('.py') || languageId === 'python') return 'script';
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

/**
 * Reads a document of any kind. A lock file's kind comes from its name (`fileName`, default
 * `uv.lock`); a requirements file that pip-compile or uv wrote is read as one, and also as the
 * lock it is (its `# via` comments give the graph), when `lockFiles` is on.
 */
export function parseDocument(
  kind: FileKind,
  text: string,
  env: Record<string, string | undefined> = process.env,
  fileName?: string,
  lockFiles = true,
): ParsedFile {
  switch (kind) {
    case 'pyproject':
      return parsePyproject(text);
    case 'pipfile':
      return pipfileAsParsedFile(parsePipfile(text));
    case 'script':
      return parseScript(text);
    case 'lock': {
      const base = fileName === undefined ? 'uv.lock' : path.basename(fileName);
      const lockKind = lockKindOf(base) ?? (base.toLowerCase() === 'pipfile.lock' ? 'pipfile-lock' : 'uv');
      const lock = readLockFile(lockKind, text, base);
      return withLock(lockAsParsedFile(lock), lock);
    }
    case 'requirements': {
      const parsed = parseRequirements(text, { env });
      if (!lockFiles || !isCompiledRequirements(text)) return parsed;
      return withLock(parsed, compiledLock(parsed, text, fileName));
    }
  }
}

/** The lock read from a document, kept until its manifests are joined to it (see lockViewOf). */
const pendingLocks = new WeakMap<ParsedFile, LockFile>();

function withLock(parsed: ParsedFile, lock: LockFile): ParsedFile {
  pendingLocks.set(parsed, lock);
  return parsed;
}

/** The lock a parsed document is (lock files and compiled requirements), before or after its view is built. */
export function lockOf(parsed: ParsedFile): LockFile | undefined {
  return parsed.lock?.lock ?? pendingLocks.get(parsed);
}

/** Compiled requirements: the requirements parse gives the dependencies; each is tied to its package of the lock. */
function compiledLock(parsed: ParsedFile, text: string, fileName: string | undefined): LockFile {
  const lock = parseCompiledRequirements(text, fileName === undefined ? undefined : path.basename(fileName));
  const at = new Map(lock.packages.map((p, i) => [`${p.nameRange.start.line}:${p.nameRange.start.character}`, i]));
  for (const d of parsed.dependencies) {
    const i = at.get(`${d.nameRange.start.line}:${d.nameRange.start.character}`);
    if (i !== undefined) d.lockPackage = i;
  }
  // Its problems are the requirements parse's, already in `parsed`, and the graph's own.
  const own = lock.problems.filter((p) => !parsed.problems.some((q) => q.message === p.message && q.range.start.line === p.range.start.line));
  parsed.problems.push(...own);
  return lock;
}

/** A Pipfile's packages as dependencies, on their keys; git, path and file entries are direct references. */
function pipfileAsParsedFile(pipfile: Pipfile): ParsedFile {
  const dependencies = pipfile.entries.map((e): Dependency => {
    const specifier = e.specifier === undefined || e.specifier.trim() === '*' ? '' : e.specifier.trim();
    const d: Dependency = {
      name: e.name,
      normalizedName: e.normalizedName,
      nameRange: e.nameRange,
      requirementRange: e.nameRange,
      nameSpecRange: e.nameRange,
      extras: [],
      specifier,
      marker: '',
      ignored: false,
      form: 'pipfile-key',
      section: e.category,
    };
    const pin = /^===?\s*([^\s,*;]+)$/.exec(specifier)?.[1];
    if (pin !== undefined) d.pinnedVersion = pin;
    if (!e.fromIndex) d.url = e.name;
    return d;
  });
  return { dependencies, includes: [], indexUrls: [], problems: pipfile.problems };
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

/**
 * `registryFor` gives the source of a lock file's package locked from a registry other than PyPI
 * (IndexPool.registry); without it such packages are not checked.
 */
export async function analyze(
  parsed: ParsedFile,
  client: IndexSource,
  settings: Settings,
  trusted = true,
  context: FindingContext = {},
  registryFor: (url: string) => IndexSource = untrustedRegistry,
): Promise<AnalyzedDependency[]> {
  const deps = parsed.dependencies.filter((d) => lookedUp(d, settings, trusted));
  return Promise.all(
    deps.map(async (dependency) => {
      const source = dependency.registry === undefined ? client : registryFor(dependency.registry);
      const facts = await gatherFacts(dependency, source);
      return withIndex({ dependency, facts, findings: findingsFor(dependency, facts, context) }, source);
    }),
  );
}
