/** What the index says about a project, reduced to what findings and hovers need. */

/** PEP 792 statuses. An unrecognised value is kept in `rawStatus` and treated as active, as pip and uv do. */
export type ProjectStatus = 'active' | 'archived' | 'quarantined' | 'deprecated';

export interface ReleaseFiles {
  /** Every file of the release is yanked (PEP 592): installers skip it unless pinned. */
  yanked: boolean;
  /** The first reason given for a yanked file. */
  yankedReason?: string;
  /** Earliest upload time of the release's files (ISO 8601), when the index says. */
  uploadTime?: string;
  /**
   * The distinct `requires-python` values of the files an installer may pick (all of them when
   * the release is yanked), when every such file states one; absent, the release installs on any Python.
   */
  requiresPython?: string[];
  /** PEP 740: how many of the release's files carry provenance, out of `files`; absent when none does. */
  attestedFiles?: number;
  files?: number;
  /** Where the provenance of the first attested file is served (absolute or relative to the project page). */
  provenanceUrl?: string;
}

export interface ProjectInfo {
  /** The name as the index spells it. */
  name: string;
  status: ProjectStatus;
  statusReason?: string;
  rawStatus?: string;
  /** All versions the index lists, in its order. */
  versions: string[];
  /** Versions that have files. */
  releases: Record<string, ReleaseFiles>;
  /** Newest non-yanked final release (or pre-release when there is no final one). */
  latestVersion?: string;
  /** Which representation the index answered with. */
  format: 'json' | 'html';
  /**
   * PEP 740: whether the page says which files carry attestations. 'served': a JSON page whose files
   * carry the `provenance` key (null when none, as PyPI sends it), or any page that names a provenance:
   * a file without one has none. 'not-served': a JSON page without the key (an index that does not
   * implement PEP 740). 'unknown': an HTML page that names none, since `data-provenance` is given only
   * when there is one. Absent: not known either.
   */
  attestations?: AttestationsServed;
}

export type AttestationsServed = 'served' | 'not-served' | 'unknown';

export interface Vulnerability {
  id: string;
  aliases: string[];
  link?: string;
  summary?: string;
  fixedIn: string[];
}

/** A release from the JSON API (`/pypi/<name>/<version>/json`). */
export interface ReleaseInfo {
  name: string;
  version: string;
  summary?: string;
  classifiers: string[];
  /** Label → URL; `Homepage` first when present. */
  projectUrls: Record<string, string>;
  /** Package description (possibly long); kept bounded. */
  description?: string;
  yanked: boolean;
  yankedReason?: string;
  uploadTime?: string;
  /** Non-withdrawn vulnerabilities. */
  vulnerabilities: Vulnerability[];
  requiresPython?: string;
}
