/**
 * What each diagnostic code means, for reports that describe their rules
 * (SARIF) and for the help text. A Record over DiagnosticCode, so a new code
 * does not compile until it is described here.
 */
import type { DiagnosticCode } from '../core/settings.js';

export interface RuleInfo {
  /** PascalCase name (SARIF reportingDescriptor.name). */
  name: string;
  short: string;
  full: string;
  helpUri: string;
  tags: string[];
}

const PEP_792 = 'https://peps.python.org/pep-0792/';
const PIP_FILE_FORMAT = 'https://pip.pypa.io/en/stable/reference/requirements-file-format/';

export const RULES: Record<DiagnosticCode, RuleInfo> = {
  quarantined: {
    name: 'QuarantinedProject',
    short: 'Dependency on a quarantined project',
    full: "The package index reports the project quarantined (PEP 792): the index's administrators pulled it as suspicious, for example as malware, and none of its files can be installed. Remove the dependency, and check whether an earlier install ran its code.",
    helpUri: PEP_792,
    // Only codes that mean a direct risk are tagged "security": GitHub files those as security alerts.
    tags: ['security', 'supply-chain'],
  },
  archived: {
    name: 'ArchivedProject',
    short: 'Dependency on an archived project',
    full: 'The package index reports the project archived (PEP 792): its maintainers will publish no further release, security fixes included. Plan a replacement.',
    helpUri: PEP_792,
    tags: ['maintenance', 'supply-chain'],
  },
  deprecated: {
    name: 'DeprecatedProject',
    short: 'Dependency on a deprecated project',
    full: 'The package index reports the project deprecated (PEP 792): it is obsolete and may have been superseded.',
    helpUri: PEP_792,
    tags: ['maintenance', 'supply-chain'],
  },
  'not-found': {
    name: 'ProjectNotFound',
    short: 'Dependency not found on the package index',
    full: 'The package index answers 404 for the project: the name may be misspelled, the project removed, or published on another index. A name missing from the index can be registered by anyone (dependency confusion).',
    helpUri: 'https://packaging.python.org/en/latest/specifications/simple-repository-api/',
    tags: ['supply-chain'],
  },
  yanked: {
    name: 'YankedRelease',
    short: 'Pinned to a yanked release',
    full: 'An exact pin (== or ===) names a release whose files are all yanked (PEP 592): its maintainers withdrew it, usually because it is broken.',
    helpUri: 'https://peps.python.org/pep-0592/',
    tags: ['maintenance', 'supply-chain'],
  },
  vulnerable: {
    name: 'VulnerableRelease',
    short: 'Pinned to a release with known vulnerabilities',
    full: "An exact pin names a release that has known, non-withdrawn vulnerabilities in the package index's JSON API (OSV advisories).",
    helpUri: 'https://osv.dev/list?ecosystem=PyPI',
    tags: ['security', 'supply-chain'],
  },
  inactive: {
    name: 'InactiveProject',
    short: 'Dependency on a project that declares itself inactive',
    full: 'The latest release of the project declares the trove classifier "Development Status :: 7 - Inactive".',
    helpUri: 'https://pypi.org/classifiers/',
    tags: ['maintenance'],
  },
  'syntax-error': {
    name: 'TomlSyntaxError',
    short: 'pyproject.toml is not valid TOML',
    full: 'pyproject.toml does not parse as TOML; the rest of the file is still read, but tools that install from it will fail.',
    helpUri: 'https://toml.io/en/v1.0.0',
    tags: ['correctness'],
  },
  'invalid-requirement': {
    name: 'InvalidRequirement',
    short: 'Invalid requirement',
    full: 'A line or string that is not a valid PEP 508 requirement and that pip would reject, or a file named on the command line or by an include that cannot be read.',
    helpUri: 'https://packaging.python.org/en/latest/specifications/dependency-specifiers/',
    tags: ['correctness'],
  },
  'invalid-option': {
    name: 'InvalidOption',
    short: 'Option pip does not accept in a requirements file',
    full: 'An option that pip rejects in a requirements file.',
    helpUri: PIP_FILE_FORMAT,
    tags: ['correctness'],
  },
  'ignored-by-pip': {
    name: 'IgnoredByPip',
    short: 'Text pip silently skips',
    full: 'Text that pip silently skips, such as a requirement written after an option on the same line: the dependency it seems to declare is not installed.',
    helpUri: PIP_FILE_FORMAT,
    tags: ['correctness'],
  },
  'file-too-large': {
    name: 'FileTooLarge',
    short: 'File too large to check',
    full: 'A dependency file far larger than any real one (a requirements file over 8 MB; a pyproject.toml over 256 KB or with over 16,000 TOML tokens): it is not read, so its dependencies are not checked.',
    helpUri: PIP_FILE_FORMAT,
    tags: ['correctness'],
  },
  'include-not-read': {
    name: 'IncludeNotRead',
    short: 'Include not followed',
    full: 'A -r or -c include that cannot be followed: the file is missing or is not a file (pip fails on it), or it is a URL, which pip downloads and pypi-status does not. The dependencies it would add are not checked.',
    helpUri: PIP_FILE_FORMAT,
    tags: ['correctness'],
  },
};

/** Every code, in the order reports list them (findings about projects first, then problems of files). */
export const ALL_CODES = Object.keys(RULES) as DiagnosticCode[];
