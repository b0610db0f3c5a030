/**
 * Every diagnostic code, once, in the order reports list them: findings about a project or a
 * release first, then problems of the file. The types, the default severities, the CLI's rules
 * (SARIF), the client's lists, the `pypiStatus.severity` setting in package.json and README's
 * table of codes all come from this list (scripts/generate.ts writes the last two; a unit test
 * checks them), so a new code is one entry here, its rule, and its tests.
 * Pure data: the VS Code client bundles it too.
 */

export type Severity = 'error' | 'warning' | 'information' | 'hint';

export interface CodeInfo {
  id: string;
  /** A finding about a project or release (from the index), or a problem of the file itself. */
  kind: 'finding' | 'problem';
  severity: Severity;
  /** Heading of the code's group in the VS Code report view. */
  label: string;
  /** When it is reported, in Markdown (README's table). */
  when: string;
  /** One line (SARIF shortDescription, the setting's description). */
  short: string;
  /** What it means and what to do (SARIF fullDescription). */
  full: string;
  /** PascalCase name (SARIF reportingDescriptor.name). */
  sarifName: string;
  helpUri: string;
  /** SARIF properties.tags. Only codes that mean a direct risk are tagged "security": GitHub files those as security alerts. */
  tags: readonly string[];
}

const PEP_792 = 'https://peps.python.org/pep-0792/';
const PIP_FILE_FORMAT = 'https://pip.pypa.io/en/stable/reference/requirements-file-format/';

export const CODES = [
  {
    id: 'quarantined',
    kind: 'finding',
    severity: 'error',
    label: 'Quarantined',
    when: 'the index reports the project quarantined',
    short: 'Dependency on a quarantined project',
    full: "The package index reports the project quarantined (PEP 792): the index's administrators pulled it as suspicious, for example as malware, and none of its files can be installed. Remove the dependency, and check whether an earlier install ran its code.",
    sarifName: 'QuarantinedProject',
    helpUri: PEP_792,
    tags: ['security', 'supply-chain'],
  },
  {
    id: 'archived',
    kind: 'finding',
    severity: 'warning',
    label: 'Archived',
    when: 'the index reports the project archived',
    short: 'Dependency on an archived project',
    full: 'The package index reports the project archived (PEP 792): its maintainers will publish no further release, security fixes included. Plan a replacement.',
    sarifName: 'ArchivedProject',
    helpUri: PEP_792,
    tags: ['maintenance', 'supply-chain'],
  },
  {
    id: 'deprecated',
    kind: 'finding',
    severity: 'warning',
    label: 'Deprecated',
    when: 'the index reports the project deprecated',
    short: 'Dependency on a deprecated project',
    full: 'The package index reports the project deprecated (PEP 792): it is obsolete and may have been superseded.',
    sarifName: 'DeprecatedProject',
    helpUri: PEP_792,
    tags: ['maintenance', 'supply-chain'],
  },
  {
    id: 'not-found',
    kind: 'finding',
    severity: 'warning',
    label: 'Not found on the index',
    when: 'the index answers 404 for the project',
    short: 'Dependency not found on the package index',
    full: 'The package index answers 404 for the project: the name may be misspelled, the project removed, or published on another index. A name missing from the index can be registered by anyone (dependency confusion).',
    sarifName: 'ProjectNotFound',
    helpUri: 'https://packaging.python.org/en/latest/specifications/simple-repository-api/',
    tags: ['supply-chain'],
  },
  {
    id: 'yanked',
    kind: 'finding',
    severity: 'warning',
    label: 'Pinned to a yanked release',
    when: "an exact pin (`==`/`===`) whose release's files are all yanked",
    short: 'Pinned to a yanked release',
    full: 'An exact pin (== or ===) names a release whose files are all yanked (PEP 592): its maintainers withdrew it, usually because it is broken.',
    sarifName: 'YankedRelease',
    helpUri: 'https://peps.python.org/pep-0592/',
    tags: ['maintenance', 'supply-chain'],
  },
  {
    id: 'vulnerable',
    kind: 'finding',
    severity: 'warning',
    label: 'Pinned to a vulnerable release',
    when: "an exact pin whose release has non-withdrawn vulnerabilities in PyPI's JSON API",
    short: 'Pinned to a release with known vulnerabilities',
    full: "An exact pin names a release that has known, non-withdrawn vulnerabilities in the package index's JSON API (OSV advisories).",
    sarifName: 'VulnerableRelease',
    helpUri: 'https://osv.dev/list?ecosystem=PyPI',
    tags: ['security', 'supply-chain'],
  },
  {
    id: 'missing-release',
    kind: 'finding',
    severity: 'warning',
    label: 'Release not on the index',
    when: 'an exact pin or locked version whose release the index does not have',
    short: 'Pinned to a release the index does not have',
    full: 'An exact pin or a locked version names a release the package index does not list: installing it fails, or finds it on another index. The quick fix moves the pin to the nearest release.',
    sarifName: 'MissingRelease',
    helpUri: 'https://packaging.python.org/en/latest/specifications/simple-repository-api/',
    tags: ['correctness', 'supply-chain'],
  },
  {
    id: 'transitive',
    kind: 'finding',
    severity: 'error',
    label: 'Pulls in a flagged package',
    when: "a direct dependency whose locked closure holds a flagged package; its severity is the worst finding's beneath it, at most this setting",
    short: 'Direct dependency that pulls in a flagged package (at most this severity)',
    full: 'A direct dependency of a manifest (pyproject.toml, Pipfile, a .in file, a script block) whose closure in the lock file beside it holds a package with a finding. Its severity is that of the worst finding beneath it, capped by this setting. The finding itself is reported in the lock file, with the chain that pulls it in.',
    sarifName: 'PullsInFlaggedPackage',
    helpUri: 'https://github.com/pypi-status/pypi-status#lock-files',
    tags: ['supply-chain'],
  },
  {
    id: 'new-release',
    kind: 'finding',
    severity: 'warning',
    label: 'Release too new',
    when: 'an exact pin whose release was uploaded less than `pypiStatus.minimumReleaseAge` days ago, or after the cooldown the project sets for uv (`exclude-newer`, `exclude-newer-span`); off without either',
    short: 'Pinned to a release younger than the cooldown',
    full: 'An exact pin names a release uploaded more recently than the minimum age the user sets (pypiStatus.minimumReleaseAge) or the cooldown the project states for uv (exclude-newer). Malicious releases are mostly found and pulled within days; wait until the release is old enough.',
    sarifName: 'NewRelease',
    helpUri: 'https://docs.astral.sh/uv/reference/settings/#exclude-newer',
    tags: ['supply-chain'],
  },
  {
    id: 'inactive',
    kind: 'finding',
    severity: 'information',
    label: 'Inactive',
    when: 'the latest release declares `Development Status :: 7 - Inactive`',
    short: 'Dependency on a project that declares itself inactive',
    full: 'The latest release of the project declares the trove classifier "Development Status :: 7 - Inactive".',
    sarifName: 'InactiveProject',
    helpUri: 'https://pypi.org/classifiers/',
    tags: ['maintenance'],
  },
  {
    id: 'syntax-error',
    kind: 'problem',
    severity: 'error',
    label: 'Syntax error',
    when: "a `pyproject.toml` that is not valid TOML 1.0, the version pip, build and Python's `tomllib` read (one diagnostic, on the likeliest line; the file's other tables are still read), or with a value nested more than 100 arrays and inline tables deep",
    short: 'pyproject.toml is not valid TOML',
    full: 'pyproject.toml does not parse as TOML; the rest of the file is still read, but tools that install from it will fail.',
    sarifName: 'TomlSyntaxError',
    helpUri: 'https://toml.io/en/v1.0.0',
    tags: ['correctness'],
  },
  {
    id: 'invalid-requirement',
    kind: 'problem',
    severity: 'warning',
    label: 'Invalid requirement',
    when: 'a line or string that is not a valid requirement, which pip would reject',
    short: 'Invalid requirement',
    full: 'A line or string that is not a valid PEP 508 requirement and that pip would reject, or a file named on the command line or by an include that cannot be read.',
    sarifName: 'InvalidRequirement',
    helpUri: 'https://packaging.python.org/en/latest/specifications/dependency-specifiers/',
    tags: ['correctness'],
  },
  {
    id: 'invalid-option',
    kind: 'problem',
    severity: 'warning',
    label: 'Invalid option',
    when: 'an option pip rejects in a requirements file',
    short: 'Option pip does not accept in a requirements file',
    full: 'An option that pip rejects in a requirements file.',
    sarifName: 'InvalidOption',
    helpUri: PIP_FILE_FORMAT,
    tags: ['correctness'],
  },
  {
    id: 'ignored-by-pip',
    kind: 'problem',
    severity: 'information',
    label: 'Ignored by pip',
    when: 'text pip silently skips (a requirement after an option on the same line)',
    short: 'Text pip silently skips',
    full: 'Text that pip silently skips, such as a requirement written after an option on the same line: the dependency it seems to declare is not installed.',
    sarifName: 'IgnoredByPip',
    helpUri: PIP_FILE_FORMAT,
    tags: ['correctness'],
  },
  {
    id: 'file-too-large',
    kind: 'problem',
    severity: 'information',
    label: 'File too large',
    when: 'a requirements file over 8 MB, or a `pyproject.toml` over 256 KB or with over 16,000 TOML tokens: it is not read',
    short: 'File too large to check',
    full: 'A dependency file far larger than any real one (a requirements file over 8 MB; a pyproject.toml over 256 KB or with over 16,000 TOML tokens): it is not read, so its dependencies are not checked.',
    sarifName: 'FileTooLarge',
    helpUri: PIP_FILE_FORMAT,
    tags: ['correctness'],
  },
  {
    id: 'include-not-read',
    kind: 'problem',
    severity: 'warning',
    label: 'Include not read',
    when: 'a `-r`/`-c` include that cannot be followed: a missing file or a directory (pip fails on it), or a URL, which pip downloads and pypi-status does not',
    short: 'Include not followed',
    full: 'A -r or -c include that cannot be followed: the file is missing or is not a file (pip fails on it), or it is a URL, which pip downloads and pypi-status does not. The dependencies it would add are not checked.',
    sarifName: 'IncludeNotRead',
    helpUri: PIP_FILE_FORMAT,
    tags: ['correctness'],
  },
  {
    id: 'lock-outdated',
    kind: 'problem',
    severity: 'information',
    label: 'Lock file out of date',
    when: 'a manifest declares a project that the lock file beside it does not lock',
    short: 'The lock file beside this manifest does not lock a project it declares',
    full: 'The manifest declares a project that the lock file beside it (uv.lock, poetry.lock, pdm.lock, pylock.toml, Pipfile.lock, a compiled requirements file) does not lock: the lock is out of date, and what is checked in it is not what the manifest asks for. Regenerate the lock.',
    sarifName: 'LockOutOfDate',
    helpUri: 'https://github.com/pypi-status/pypi-status#lock-files',
    tags: ['correctness'],
  },
] as const satisfies readonly CodeInfo[];

type Entry = (typeof CODES)[number];
export type DiagnosticCode = Entry['id'];
export type FindingCode = Extract<Entry, { kind: 'finding' }>['id'];
export type ProblemCode = Extract<Entry, { kind: 'problem' }>['id'];

/** Every code, in the order reports list them. */
export const ALL_CODES: readonly DiagnosticCode[] = CODES.map((c) => c.id);
/** The findings about projects and releases, in the same order (the report view's groups). */
export const FINDING_CODES: readonly FindingCode[] = CODES.filter((c): c is Extract<Entry, { kind: 'finding' }> => c.kind === 'finding').map((c) => c.id);

export const CODE_INFO: Readonly<Record<DiagnosticCode, CodeInfo>> = Object.fromEntries(CODES.map((c): [string, CodeInfo] => [c.id, c])) as Record<
  DiagnosticCode,
  CodeInfo
>;

export const DEFAULT_SEVERITY = Object.fromEntries(CODES.map((c) => [c.id, c.severity])) as Record<DiagnosticCode, Severity>;

export function isDiagnosticCode(code: string): code is DiagnosticCode {
  return Object.prototype.hasOwnProperty.call(CODE_INFO, code);
}
