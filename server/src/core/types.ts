import type { ProblemCode } from './codes.js';
import type { ProjectIndexConfig } from './indexConfig/project.js';
import type { LockView } from './lock/view.js';

/** Zero-based line/character positions, UTF-16 code units, as in LSP. */
export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** Where a dependency was declared, which decides how an edit must be written. */
export type DependencyForm =
  | 'requirements' // a line of a pip requirements file
  | 'pep508-string' // a PEP 508 string inside a TOML array
  | 'poetry-key' // a key of a Poetry dependency table
  | 'pipfile-key' // a key of a Pipfile category: not rewritten (its value's form varies)
  | 'lock-entry'; // a package of a lock file: never edited (its tool regenerates it)

export interface Dependency {
  /** The project name exactly as written. */
  name: string;
  /** PEP 503 normalized name: lower case, runs of `-_.` replaced by `-`. */
  normalizedName: string;
  /** Range of the name text in the document. */
  nameRange: Range;
  /** Range of the whole requirement (name through marker). */
  requirementRange: Range;
  /** What a replacement rewrites: the name with its extras and version specifier (and URL), not the marker. */
  nameSpecRange: Range;
  /** Text that belongs to the old project and goes with it on replacement (pip `--hash` options). */
  removals?: Range[];
  /**
   * Poetry: every place the name is written as a TOML key (dotted keys and `[[...]]` tables write it
   * more than once), the one `nameRange` covers first. A replacement renames each, quoting the new
   * name where the key is bare and the name is not a bare key (`ruamel.yaml` would be a dotted key).
   */
  nameKeys?: { range: Range; bare: boolean }[];
  /** Values rewritten on replacement, whatever the new name (Poetry: the version becomes "*"). */
  valueEdits?: { range: Range; newText: string }[];
  /** Where an inline `# pypi-status: ignore` comment can be appended; absent where none can go. */
  commentAt?: Position;
  extras: string[];
  /** The version specifier as written, without surrounding whitespace ('' when absent). */
  specifier: string;
  /** The environment marker as written, without the leading `;` ('' when absent). */
  marker: string;
  /** A direct reference (`name @ url`); such requirements are not looked up. */
  url?: string;
  /**
   * The name came from a `${VAR}` reference (requirements files): the value is the environment's,
   * which a file in an untrusted workspace must not be able to send anywhere.
   */
  nameFromEnvironment?: boolean;
  /** The exact version when the specifier is a single `==`/`===` pin without wildcard. */
  pinnedVersion?: string;
  /**
   * A lock file's package locked from a registry other than PyPI: looked up there only in a
   * trusted workspace (a cloned lock must not choose where its reader's names are sent).
   */
  registry?: string;
  /** Index of the package in its lock file (lock files only; see ParsedFile.lock). */
  lockPackage?: number;
  /**
   * Where the pinned version is written (just the version: not the operator, quotes or marker), when
   * the document holds it as it reads (no `${VAR}`, no TOML escape): what a pin fix rewrites.
   */
  pinRange?: Range;
  /** Silenced by an inline `# pypi-status: ignore` comment. */
  ignored: boolean;
  form: DependencyForm;
  /** Where in the file it sits, e.g. `project.dependencies` or `-c constraints`. */
  section: string;
}

export type IncludeKind = 'requirement' | 'constraint';

export interface Include {
  kind: IncludeKind;
  /** The path as written, after `${VAR}` expansion. */
  path: string;
  range: Range;
}

/** Problems of a file itself (not of a project it names): see codes.ts. */
export type { ProblemCode };

export interface ParseProblem {
  code: ProblemCode;
  message: string;
  range: Range;
}

export interface ParsedFile {
  dependencies: Dependency[];
  includes: Include[];
  /** `--index-url`/`-i` and `--extra-index-url` options found in the file, in order. */
  indexUrls: { url: string; extra: boolean; range: Range }[];
  /** `--no-index` on an option line: pip asks no index at all (only `--find-links`). */
  noIndex?: boolean;
  /** pyproject.toml: the indexes and sources it configures for uv, Poetry and PDM. */
  projectIndexes?: ProjectIndexConfig;
  problems: ParseProblem[];
  /** A lock file's graph and the manifests that go with it (lock files and compiled requirements). */
  lock?: LockView;
  /** pyproject.toml: what it says about the project itself, where the pin fixes, cooldowns and local names need it. */
  project?: ProjectFacts;
}

export interface ProjectFacts {
  /** `[project] name`. */
  name?: string;
  /** `[project] requires-python`. */
  requiresPython?: string;
  /** `[tool.uv] exclude-newer`: the installer's cooldown, as written. */
  excludeNewer?: string;
}
