/**
 * The workspace scan shared by the editor command and the CLI: find every
 * dependency file under some roots, follow -r/-c includes, look each distinct
 * project up once, and report findings per file.
 */
import { close as closeCallback, fstat as fstatCallback, open as openCallback, promises as fs, read as readCallback, type Stats } from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';
import { abortable } from './abortable.js';
import { fileURLToPath } from 'node:url';
import { analyze, fileKind, withIndex, lookedUp, parseDocument, tooLargeToRead, type AnalyzedDependency, type FileKind } from './analyze.js';
import { decodeRequirementsBytes } from './decode.js';
import { findingsFor, gatherFacts, incompleteReason, peekFacts, type FindingContext } from './findings.js';
import { effectiveCooldown, projectContext, type ProjectContext } from './projectContext.js';
import { Limiter, type IndexSource } from './pypi/client.js';
import type { DiagnosticCode, Settings, SeverityOrOff } from './settings.js';
import { normalizeName } from './pep508.js';
import type { Dependency, ParsedFile, ParseProblem, Range } from './types.js';
import { diskReader, joinLock, locksOf } from './lockJoin.js';
import { lackingProblem, lockPlace, placeText, transitiveFindings, type TransitiveFinding } from './lockFindings.js';
import { untrustedRegistry } from './pypi/notChecked.js';
import { bytesHaveScriptBlock, MAX_SCRIPT_BYTES } from './script.js';

/** Files read at once: enough to keep the disk and the parser busy while lookups run. */
const FILE_READERS = 8;
/** Lookups under way per request slot: enough to keep every slot busy, few enough to stop quickly. */
const LOOKUPS_QUEUED_PER_REQUEST = 4;

/** Directories never worth walking: version control, dependencies, caches and virtual environments. */
const SKIPPED_DIRS = new Set([
  '.git',
  '.hg',
  '.svn',
  'node_modules',
  '__pycache__',
  'site-packages',
  'dist-packages',
  '.tox',
  '.nox',
  '.venv',
  'venv',
  '.mypy_cache',
  '.pytest_cache',
  '.ruff_cache',
  '__pypackages__',
  '.eggs',
]);

export interface ScanProgress {
  filesParsed: number;
  filesTotal: number;
  projectsDone: number;
  projectsTotal: number;
}

export interface ScanOptions {
  /** Files or directories. */
  roots: string[];
  /** Glob patterns (picomatch) matched against paths relative to their root, and against the absolute path. */
  exclude?: string[];
  /** Text of files the editor holds (unsaved changes win over the disk). */
  openText?: (file: string) => string | undefined;
  /**
   * Cancels the scan: nothing more is read or asked, and the scan answers at once with what it
   * has. Requests already sent finish in the background (their answers still fill the cache).
   */
  signal?: AbortSignal;
  onProgress?: (progress: ScanProgress) => void;
  /**
   * Hears each file as soon as every dependency in it is settled (its `analyzed` is then
   * complete), so that its findings can be shown while the scan goes on. Files that a
   * cancelled scan leaves unsettled are not reported.
   */
  onFileDone?: (file: ScannedFile) => void;
  env?: Record<string, string | undefined>;
  /** Whether names that `${VAR}` references supply are looked up (see lookedUp); default true. */
  trusted?: boolean;
  /**
   * The source for packages a lock file locks from a registry other than PyPI (see
   * IndexPool.registry); without it, they are not checked.
   */
  registrySource?: (url: string) => IndexSource;
  /** The clock for release ages (tests); default Date.now. */
  now?: () => number;
}

export interface ScannedFile {
  path: string;
  kind: FileKind;
  parsed: ParsedFile;
  analyzed: AnalyzedDependency[];
  /** Why a file named explicitly or by an include could not be read. */
  error?: string;
  /** A manifest's direct dependencies that pull in flagged packages of its lock files. */
  transitive?: TransitiveFinding[];
  /** The project it belongs to (requires-python, cooldown), when it was looked for. */
  project?: ProjectContext;
}

export interface ScanFinding {
  file: string;
  range: Range;
  /** The project, for findings about one; absent for problems of the file itself. */
  name?: string;
  code: DiagnosticCode;
  severity: Exclude<SeverityOrOff, 'off'>;
  message: string;
  /** A finding in a lock file: the chain from the direct dependency that pulls the package in, when one does. */
  lock?: { chain?: string[] };
  /** Other places that explain it: the manifest line of the direct dependency. */
  related?: { file: string; range: Range; message: string }[];
}

export interface ScanSummary {
  filesScanned: number;
  dependencies: number;
  projects: number;
  /** Projects the index could not be asked about (network faults): not judged. */
  unknownProjects: string[];
  /** The same, with why each could not be checked (a clean result must never hide a partial one). */
  unchecked: { name: string; reason: string }[];
  findingsByCode: Partial<Record<DiagnosticCode, number>>;
  findings: ScanFinding[];
  cancelled: boolean;
}

export interface ScanResult {
  files: ScannedFile[];
  summary: ScanSummary;
}

/**
 * Whether a file (say, one just created) is one the scan would have found: under a
 * root, not excluded, not in a skipped folder or a virtual environment.
 */
export async function isScannable(file: string, roots: string[], exclude: string[] = [], lockFiles = true): Promise<boolean> {
  const kind = fileKind(file);
  if (!kind || (kind === 'lock' && !lockFiles)) return false;
  // A `.py` file is a manifest only when it has a PEP 723 block.
  if (kind === 'script' && !(await isScript(file))) return false;
  const excluded = excluder(exclude);
  for (const root of roots.map((r) => path.resolve(r))) {
    const rel = path.relative(root, file);
    // `..data/` is a folder inside the root; only `..` itself leads out.
    if (rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) continue;
    const parts = rel.split(path.sep);
    if (parts.slice(0, -1).some((p) => SKIPPED_DIRS.has(p))) return false;
    // Every prefix is tested, as the walk tests each folder on the way down.
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      if (excluded(prefix, path.join(root, ...parts.slice(0, i)))) return false;
    }
    for (let i = 1; i < parts.length; i++) {
      const dir = path.join(root, ...parts.slice(0, i));
      if (
        await fs.stat(path.join(dir, 'pyvenv.cfg')).then(
          (st) => st.isFile(),
          () => false,
        )
      )
        return false;
    }
    return true;
  }
  return false;
}

/**
 * A matcher of exclusion globs, for a path relative to its root and for the absolute path.
 * Relative globs (VS Code's files.exclude, `**\/build`) match only the relative path: matched
 * against the absolute one, they would exclude a whole workspace that lives under a `build`
 * folder. Absolute globs (the CLI anchors its own) match only the absolute path. A trailing
 * slash (`vendor/`, as in .gitignore) means the folder, which picomatch would otherwise match
 * against nothing; a leading `!` is a literal character, as in VS Code's globs.
 */
function excluder(exclude: string[]): (relative: string, absolute: string) => boolean {
  const patterns = exclude.map((g) => (g.length > 1 && g.endsWith('/') ? g.slice(0, -1) : g));
  const isAbsolute = (g: string) => g.startsWith('/') || /^[A-Za-z]:[\\/]/.test(g);
  const matcher = (globs: string[]) => (globs.length > 0 ? picomatch(globs, { dot: true, nonegate: true }) : () => false);
  const relative = matcher(patterns.filter((g) => !isAbsolute(g)));
  const absolute = matcher(patterns.filter(isAbsolute));
  // picomatch wants forward slashes: a native Windows path would never match an absolute pattern.
  return (rel, abs) => relative(rel) || absolute(abs.split(path.sep).join('/'));
}

async function isFileBehindLink(file: string): Promise<boolean> {
  return fs.stat(file).then(
    (st) => st.isFile(),
    () => false,
  );
}

interface ProjectUses {
  source: IndexSource;
  uses: { file: ScannedFile; dep: Dependency; index: number }[];
  settled: number;
  /** Its lookup is over: later uses are settled from what it left in the cache. */
  finished?: boolean;
}

/** Whether the walk takes a file by its name: lock files only when they are read; a script once its text shows a block (isScript). */
function wanted(kind: FileKind | undefined, lockFiles: boolean): boolean {
  if (kind === 'lock' || kind === 'pipfile') return lockFiles;
  return kind !== undefined;
}

/** `.py` files read at once by the walk, each for its block: enough to overlap the reads, few enough for any limit on open files. */
const SCRIPT_READERS = 16;

/**
 * Whether a `.py` file has a PEP 723 block: its bytes searched before any decoding or parse. A file
 * past MAX_SCRIPT_BYTES is not a script anyone wrote by hand, and is not read.
 */
export async function isScript(file: string): Promise<boolean> {
  // Callbacks, not fs.promises: their file reads cost several times as much for small files, and
  // the walk reads every `.py` file of the tree.
  const fd = await callback<number>((done) => openCallback(file, 'r', done)).catch(() => undefined);
  if (fd === undefined) return false;
  try {
    const stat = await callback<Stats>((done) => fstatCallback(fd, done));
    if (!stat.isFile() || stat.size > MAX_SCRIPT_BYTES) return false;
    const bytes = Buffer.allocUnsafe(stat.size);
    const read = await callback<number>((done) => readCallback(fd, bytes, 0, stat.size, 0, done));
    return bytesHaveScriptBlock(bytes.subarray(0, read));
  } catch {
    return false;
  } finally {
    closeCallback(fd, () => undefined);
  }
}

function callback<T>(call: (done: (error: Error | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => call((error, value) => (error ? reject(error) : resolve(value))));
}

/**
 * Walks the roots for dependency files (an explicit file is taken whatever its name),
 * handing each to `onFile` as soon as it is found, so that reading can start while the
 * walk goes on.
 */
async function walkFiles(roots: string[], exclude: string[], lockFiles: boolean, isCancelled: () => boolean, onFile: (file: string) => void): Promise<void> {
  const excluded = excluder(exclude);
  const scripts = new Limiter(SCRIPT_READERS);
  const walk = async (dir: string, root: string): Promise<void> => {
    if (isCancelled()) return;
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      return; // unreadable directories are skipped, as a walker of a user's tree must
    }
    // A virtual environment is recognised by its pyvenv.cfg, whatever its name.
    if (dir !== root && entries.some((e) => e.name === 'pyvenv.cfg' && e.isFile())) return;
    const subdirs: string[] = [];
    const scriptChecks: Promise<void>[] = [];
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      const rel = path.relative(root, full).split(path.sep).join('/');
      if (excluded(rel, full)) continue;
      const kind = entry.isDirectory() ? undefined : fileKind(full);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) subdirs.push(full);
      } else if (kind === 'script' && (entry.isFile() || entry.isSymbolicLink())) {
        // isScript follows a link and takes only a file: a `.py` file counts once its bytes show a block.
        scriptChecks.push(scripts.run(() => isScript(full)).then((yes) => (yes && !isCancelled() ? onFile(full) : undefined)));
      } else if (wanted(kind, lockFiles) && (entry.isFile() || (entry.isSymbolicLink() && (await isFileBehindLink(full))))) {
        // A link to a file counts like the file (a link to a directory is not followed: loops).
        onFile(full);
      }
    }
    await Promise.all([...scriptChecks, ...subdirs.map((d) => walk(d, root))]);
  };
  for (const root of roots) {
    const abs = path.resolve(root);
    const stat = await fs.stat(abs).catch(() => undefined);
    if (stat?.isDirectory()) await walk(abs, abs);
    // A file named explicitly is read whatever its name, but a lock file not when lock files are off.
    else if (lockFiles || !['lock', 'pipfile'].includes(fileKind(abs) ?? '')) onFile(abs);
  }
}

/** The lookups of one scan: each project asked once per index, and each file reported once all of its dependencies are settled. */
class ScanLookups {
  /** Per project (and index): every place that names it, and how many of those are settled. */
  private readonly projects = new Map<string, ProjectUses>();
  /** Projects the index could not answer for, and why. */
  readonly unknown = new Map<string, string>();
  private readonly running: Promise<void>[] = [];
  // Only a few projects are under way beyond the client's own request limit, so a
  // cancelled scan stops asking the index at once.
  private readonly gate: Limiter;
  /** Per file, its dependencies not settled yet. */
  private readonly unsettled = new Map<ScannedFile, number>();

  constructor(
    concurrency: number,
    private readonly isCancelled: () => boolean,
    private readonly progress: ScanProgress,
    private readonly report: () => void,
    private readonly fileDone: (file: ScannedFile) => void,
    private readonly context: (file: ScannedFile) => FindingContext,
  ) {
    this.gate = new Limiter(LOOKUPS_QUEUED_PER_REQUEST * Math.max(1, concurrency));
  }

  /** How many settlements the file waits for before it is done. */
  expect(file: ScannedFile, count: number): void {
    this.unsettled.set(file, count);
  }

  settledOne(file: ScannedFile): void {
    const left = this.unsettled.get(file)! - 1;
    this.unsettled.set(file, left);
    if (left === 0) this.fileDone(file);
  }

  /** Settles the uses not settled yet, together: the project's lookup is shared, each pin has its own. */
  private async settle(project: ProjectUses): Promise<void> {
    while (project.settled < project.uses.length && !this.isCancelled()) {
      const batch = project.uses.slice(project.settled);
      project.settled = project.uses.length;
      await Promise.all(
        batch.map(async ({ file, dep, index }) => {
          const facts = peekFacts(dep, project.source) ?? (await gatherFacts(dep, project.source));
          // A cancelled scan has answered already: its files are no longer written to.
          if (this.isCancelled()) return;
          const reason = incompleteReason(facts);
          if (reason !== undefined && !this.unknown.has(dep.normalizedName)) this.unknown.set(dep.normalizedName, reason);
          file.analyzed[index] = withIndex({ dependency: dep, facts, findings: findingsFor(dep, facts, this.context(file)) }, project.source);
          this.settledOne(file);
        }),
      );
    }
  }

  lookUp(file: ScannedFile, dep: Dependency, index: number, source: IndexSource): void {
    const key = `${source.key} ${dep.normalizedName}`;
    const known = this.projects.get(key);
    if (known) {
      known.uses.push({ file, dep, index });
      // A use that comes after the lookup is settled at once (from memory, mostly), so its
      // file is reported without waiting for the end of the scan.
      if (known.finished) this.running.push(this.settle(known));
      return;
    }
    // A project's lookup starts as soon as a file first names it; later uses join it.
    const project: ProjectUses = { source, uses: [{ file, dep, index }], settled: 0 };
    this.projects.set(key, project);
    this.progress.projectsTotal++;
    this.running.push(
      this.gate
        .run(() => this.settle(project))
        .then(() => {
          project.finished = true;
          this.progress.projectsDone++;
          this.report();
        }),
    );
  }

  /** Waits for the lookups, as long as `unlessCancelled` lets it. */
  async finish(unlessCancelled: (work: Promise<unknown>) => Promise<void>): Promise<void> {
    await unlessCancelled(Promise.all(this.running));
    // Uses that joined a lookup as it ended.
    await unlessCancelled(Promise.all([...this.projects.values()].filter((p) => p.settled < p.uses.length).map((p) => this.gate.run(() => this.settle(p)))));
  }
}

/**
 * `sources` is one index for every file, or a function choosing one per file
 * (files with their own trusted index options).
 */
export async function scan(
  options: ScanOptions,
  sources: IndexSource | ((parsed: ParsedFile, file: string) => IndexSource),
  settings: Settings,
): Promise<ScanResult> {
  const sourceFor = typeof sources === 'function' ? sources : () => sources;
  const signal = options.signal;
  const trusted = options.trusted ?? true;
  const isCancelled = () => signal?.aborted === true;
  const progress: ScanProgress = { filesParsed: 0, filesTotal: 0, projectsDone: 0, projectsTotal: 0 };
  const report = () => options.onProgress?.({ ...progress });
  const contexts = new Map<string, Promise<ProjectContext>>();
  const contextOf = (file: string): Promise<ProjectContext> => {
    const dir = path.dirname(file);
    let found = contexts.get(dir);
    if (!found) contexts.set(dir, (found = projectContext(file, (f) => readText(f, options.openText))));
    return found;
  };
  const explicit = new Set<string>();
  for (const root of options.roots) {
    const stat = await fs.stat(path.resolve(root)).catch(() => undefined);
    if (!stat?.isDirectory()) explicit.add(path.resolve(root));
  }
  // A pipeline, not phases: files are read a few at a time as the walk finds them, and each
  // project's lookup starts as soon as a file names it, so the network is busy while the rest
  // is still being found and read.
  const queue: string[] = [];
  const discovered = new Set<string>();
  const seen = new Set<string>();
  const scannedByPath = new Map<string, ScannedFile>();
  let walking = true;
  const idleReaders: (() => void)[] = [];
  const wakeReaders = () => {
    for (const wake of idleReaders.splice(0)) wake();
  };
  const walked = walkFiles(options.roots, options.exclude ?? [], settings.lockFiles, isCancelled, (file) => {
    discovered.add(file);
    if (seen.has(file)) return;
    seen.add(file);
    queue.push(file);
    progress.filesTotal = queue.length;
    wakeReaders();
  }).finally(() => {
    walking = false;
    wakeReaders();
  });
  const readManifest = diskReader(options.openText);
  const registryFor = options.registrySource ?? untrustedRegistry;
  const fileDone = (file: ScannedFile) => {
    if (!options.onFileDone || isCancelled() || scannedByPath.get(file.path) !== file) return;
    file.analyzed = file.analyzed.filter((a) => a !== undefined);
    options.onFileDone(file);
  };
  const lookups = new ScanLookups(settings.concurrency, isCancelled, progress, report, fileDone, (file) => findingContext(file, settings, options.now));

  const read = async (file: string): Promise<void> => {
    const kind = fileKind(file) ?? 'requirements';
    let text = options.openText?.(file);
    let error: NodeJS.ErrnoException | undefined;
    let parsed: ParsedFile | undefined;
    if (text === undefined) {
      try {
        const read = await readDependencyFile(file, kind);
        if (typeof read === 'string') text = read;
        else parsed = read;
      } catch (e) {
        error = e as NodeJS.ErrnoException;
      }
    }
    if (isCancelled()) return;
    parsed ??= parseDocument(kind, text ?? '', options.env, file, settings.lockFiles);
    const scanned: ScannedFile = { path: file, kind, parsed, analyzed: [] };
    if (error !== undefined) scanned.error = `cannot read ${file}: ${error.code ?? error.message}`;
    // A file the walk found that is gone by now (deleted meanwhile) is not reported; one that
    // cannot be read is, as is any file someone asked for (a root or an include).
    if (error?.code !== 'ENOENT' || explicit.has(file) || !discovered.has(file)) scannedByPath.set(file, scanned);
    // Read before any lookup: the cooldown decides findings as answers arrive.
    scanned.project = await contextOf(file);
    if (isCancelled()) return;
    const source = sourceFor(parsed, file);
    const looked: number[] = [];
    parsed.dependencies.forEach((dep, i) => lookedUp(dep, settings, trusted) && looked.push(i));
    // Counted first: a lookup answered from memory settles before the next one is made. The
    // file's includes count as one more: the file is done once they are checked too.
    lookups.expect(scanned, looked.length + 1);
    for (const i of looked) {
      const dep = parsed.dependencies[i]!;
      lookups.lookUp(scanned, dep, i, dep.registry === undefined ? source : registryFor(dep.registry));
    }
    // Looked up first, so that the index is asked while the includes and the lock's manifests are read.
    const includes = await followIncludes(parsed, file);
    parsed.problems.push(...includes.problems);
    if (settings.lockFiles) {
      await joinLock(file, parsed, readManifest, options.env);
      // A manifest brings its locks, as a file its includes: its direct dependencies are judged by them.
      if (kind !== 'lock') includes.targets.push(...(await locksOf(file)));
    }
    for (const target of includes.targets) {
      if (seen.has(target)) continue;
      seen.add(target);
      queue.push(target);
    }
    lookups.settledOne(scanned);
    progress.filesParsed++;
    progress.filesTotal = queue.length;
    report();
  };

  // Readers share the queue, which the walk and includes lengthen as they find files.
  let next = 0;
  const reader = async () => {
    while (!isCancelled()) {
      if (next < queue.length) await read(queue[next++]!);
      else if (walking) await new Promise<void>((resolve) => idleReaders.push(resolve));
      else return;
    }
  };
  await Promise.all([walked, ...Array.from({ length: FILE_READERS }, reader)]);
  // A cancelled scan answers at once: a lookup waiting on an index that hangs would otherwise
  // hold it for the whole request timeout.
  const unlessCancelled = async (work: Promise<unknown>): Promise<void> => {
    if (!signal) return void (await work);
    await abortable(work, signal).catch((e: unknown) => {
      if (!signal.aborted) throw e;
    });
  };
  await lookups.finish(unlessCancelled);

  const files = [...scannedByPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  // Indexed by position in the file, so findings stay in document order; holes are dependencies not looked up.
  for (const file of files) file.analyzed = file.analyzed.filter((a) => a !== undefined);
  withoutLocalProjects(files);
  if (!isCancelled()) for (const manifest of judgeManifests(files, scannedByPath, settings)) fileDone(manifest);
  const unchecked = [...lookups.unknown].map(([name, reason]) => ({ name, reason })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { files, summary: summarize(files, settings, unchecked, isCancelled(), trusted) };
}

/** What the rules need about a file's place: its project's cooldown (or the user's minimum age). */
export function findingContext(file: Pick<ScannedFile, 'project'>, settings: Settings, now?: () => number): FindingContext {
  const cooldown = effectiveCooldown(settings.minimumReleaseAge, file.project ?? {});
  const context: FindingContext = {};
  if (cooldown) context.cooldown = cooldown;
  if (now) context.now = now();
  return context;
}

/**
 * A name the index does not know that a scanned pyproject.toml builds (a workspace member, a
 * local package installed from a path) is the workspace's own, not a missing project.
 */
export function withoutLocalProjects(files: ScannedFile[]): void {
  const local = localProjectNames(files);
  if (local.size === 0) return;
  for (const file of files) {
    for (const a of file.analyzed) {
      if (a.facts.project.state === 'not-found' && local.has(a.dependency.normalizedName)) a.findings = a.findings.filter((f) => f.code !== 'not-found');
    }
  }
}

export function localProjectNames(files: readonly Pick<ScannedFile, 'parsed'>[]): Set<string> {
  const names = new Set<string>();
  for (const f of files) if (f.parsed.project?.name !== undefined) names.add(normalizeName(f.parsed.project.name));
  return names;
}

/** A file's text as the editor holds it, else from the disk; undefined when there is none. */
async function readText(file: string, openText?: (file: string) => string | undefined): Promise<string | undefined> {
  const open = openText?.(file);
  if (open !== undefined) return open;
  return fs.readFile(file, 'utf8').catch(() => undefined);
}

/**
 * Once every lock is settled: each manifest scanned with a lock gets its `transitive` findings and,
 * once per lock, the projects it declares that the lock lacks. Returns the manifests that changed.
 */
export function judgeManifests(files: readonly ScannedFile[], byPath: ReadonlyMap<string, ScannedFile>, settings: Settings): ScannedFile[] {
  const changed = new Set<ScannedFile>();
  for (const lockFile of files) {
    const view = lockFile.parsed.lock;
    if (view === undefined) continue;
    for (const manifest of view.manifests) {
      const target = byPath.get(manifest);
      if (target === undefined || target === lockFile) continue;
      const found = transitiveFindings(view, manifest, lockFile.analyzed, settings);
      if (found.length > 0) target.transitive = [...(target.transitive ?? []).filter((t) => t.lock !== view.path), ...found];
      const lacking = lackingProblem(view, manifest);
      if (lacking && !target.parsed.problems.some((p) => p.code === 'lock-outdated' && p.message === lacking.message)) {
        target.parsed.problems.push({ code: 'lock-outdated', ...lacking });
      }
      if (found.length > 0 || lacking) changed.add(target);
    }
  }
  return [...changed];
}

/** The largest file read at all; the parsers report anything over their own, lower limits. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

/**
 * A dependency file's text, decoded as pip (requirements: BOMs, a `coding:` comment) or
 * tomllib (pyproject.toml: UTF-8) decode it; or, for a file too large to read at all, what
 * its parse reports. Throws what the file system throws.
 */
export async function readDependencyFile(file: string, kind: FileKind): Promise<string | ParsedFile> {
  const stat = await fs.stat(file);
  if (stat.size > MAX_FILE_BYTES) return tooLargeToRead(stat.size);
  if (kind !== 'requirements') return fs.readFile(file, 'utf8');
  return decodeRequirementsBytes(await fs.readFile(file));
}

/**
 * Where a `-r`/`-c` include leads, as pip reads it: only `http:`, `https:` and `file:` are URLs
 * (`lib:base.txt` and `C:\\reqs\\base.txt` are paths); a `file:` URL is a local path, and the
 * other two are not downloaded.
 */
export function includeTarget(written: string, from: string): string | { problem: string } {
  const scheme = /^(https?|file):/i.exec(written)?.[1]?.toLowerCase();
  if (scheme === 'http' || scheme === 'https') return { problem: `${written} is not read: pypi-status does not download requirements files (pip does)` };
  if (scheme === 'file') {
    try {
      return fileURLToPath(written);
    } catch {
      return { problem: `${written} is not a local file URL` };
    }
  }
  return path.resolve(path.dirname(from), written);
}

/**
 * The files a file's `-r`/`-c` includes lead to, and a problem on the line of each that
 * cannot be followed (a missing file, a directory, a URL), where it can be fixed.
 */
export async function followIncludes(parsed: ParsedFile, file: string): Promise<{ targets: string[]; problems: ParseProblem[] }> {
  const targets: string[] = [];
  const problems: ParseProblem[] = [];
  for (const include of parsed.includes) {
    const target = includeTarget(include.path, file);
    const problem = typeof target === 'string' ? await unreadableInclude(target) : target.problem;
    if (typeof target === 'string' && problem === undefined) targets.push(target);
    else problems.push({ code: 'include-not-read', message: typeof target === 'string' ? `${include.path}: ${problem}` : problem!, range: include.range });
  }
  return { targets, problems };
}

/** Why pip could not open an included file, or undefined if it can. */
async function unreadableInclude(target: string): Promise<string | undefined> {
  // Opening a file on another host (a UNC path, from `//host/x` or `file://host/x`) would make the
  // system authenticate to that host: a file in the repository must not cause that.
  if (/^(\\\\|\/\/)/.test(target)) return 'a network path: not followed';
  try {
    const stat = await fs.stat(target);
    return stat.isFile() ? undefined : 'not a file';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? (e as Error).message})`;
  }
}

/** Analyses one file on its own (a file changed on disk), with the same rules as a scan. */
export async function scanFile(
  file: string,
  content: string | ParsedFile,
  sourceFor: (parsed: ParsedFile, file: string) => IndexSource,
  settings: Settings,
  kind: FileKind | undefined = fileKind(file),
  trusted = true,
  registryFor?: (url: string) => IndexSource,
): Promise<ScannedFile | undefined> {
  if (!kind) return undefined;
  const parsed = typeof content === 'string' ? parseDocument(kind, content, process.env, file, settings.lockFiles) : content;
  parsed.problems.push(...(await followIncludes(parsed, file)).problems);
  const project = await projectContext(file, (f) => readText(f));
  if (settings.lockFiles) await joinLock(file, parsed, diskReader());
  return {
    path: file,
    kind,
    parsed,
    project,
    analyzed: await analyze(parsed, sourceFor(parsed, file), settings, trusted, findingContext({ project }, settings), registryFor),
  };
}

export function findingsOf(file: ScannedFile, settings: Settings): ScanFinding[] {
  const out: ScanFinding[] = [];
  const unreadable = settings.severity['invalid-requirement'];
  if (file.error !== undefined && unreadable !== 'off') {
    out.push({
      file: file.path,
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      code: 'invalid-requirement',
      severity: unreadable,
      message: file.error,
    });
  }
  for (const p of file.parsed.problems) {
    const severity = settings.severity[p.code];
    if (severity !== 'off') out.push({ file: file.path, range: p.range, code: p.code, severity, message: p.message });
  }
  const view = file.parsed.lock;
  for (const a of file.analyzed) {
    const place = view && lockPlace(view, a.dependency);
    for (const f of a.findings) {
      const severity = settings.severity[f.code];
      if (severity === 'off') continue;
      const finding: ScanFinding = { file: file.path, range: a.dependency.nameRange, name: a.dependency.name, code: f.code, severity, message: f.message };
      if (view !== undefined && a.dependency.lockPackage !== undefined) {
        finding.message += placeText(place);
        finding.lock = place ? { chain: place.chain } : {};
        const at = place?.declared;
        if (at) finding.related = [{ file: at.file, range: at.range, message: `${at.name}, the direct dependency that pulls ${a.dependency.name} in` }];
      }
      out.push(finding);
    }
  }
  for (const t of file.transitive ?? []) {
    const related = t.beneath.slice(0, 20).map((b) => ({ file: t.lock, range: b.range, message: `${b.name} (${b.codes.join(', ')}): ${b.chain.join(' → ')}` }));
    out.push({ file: file.path, range: t.range, name: t.name, code: 'transitive', severity: t.severity, message: t.message, related });
  }
  return out.sort((x, y) => x.range.start.line - y.range.start.line || x.range.start.character - y.range.start.character);
}

function summarize(files: ScannedFile[], settings: Settings, unchecked: ScanSummary['unchecked'], cancelled: boolean, trusted: boolean): ScanSummary {
  const findings = files.flatMap((f) => findingsOf(f, settings));
  const findingsByCode: Partial<Record<DiagnosticCode, number>> = {};
  for (const f of findings) findingsByCode[f.code] = (findingsByCode[f.code] ?? 0) + 1;
  const names = new Set(files.flatMap((f) => f.parsed.dependencies.filter((d) => lookedUp(d, settings, trusted)).map((d) => d.normalizedName)));
  return {
    filesScanned: files.length,
    dependencies: files.reduce((n, f) => n + f.parsed.dependencies.length, 0),
    projects: names.size,
    unknownProjects: unchecked.map((u) => u.name),
    unchecked,
    findingsByCode,
    findings,
    cancelled,
  };
}
