/**
 * One scan's outcome as every output format sees it: paths relative to the
 * current directory, 1-based positions, projects that could not be checked,
 * and whether the run fails.
 */
import * as path from 'node:path';
import { ORIGIN_LABEL } from '../core/alternatives.js';
import { incompleteReason } from '../core/findings.js';
import { fixKey, type FindingFix } from '../core/scanFixes.js';
import type { ScanFinding, ScanResult, ScanSummary } from '../core/workspaceScan.js';
import type { DiagnosticCode, Settings } from '../core/settings.js';
import { ALL_CODES } from './rules.js';
import { redactText } from '../core/redact.js';
import { SEVERITY_RANK, type FailOn } from './values.js';

export interface ReportFinding extends ScanFinding {
  /** Relative to the current directory, with the platform's separators (what terminals link). */
  path: string;
  /** Relative to the current directory, with forward slashes (JSON, SARIF, GitHub). */
  uri: string;
  /** 1-based line and column (column in UTF-16 code units, like the 0-based `range`). */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** What the editor's quick fixes would do about it, the most useful first. */
  fixes?: FindingFix[];
}

export interface UnknownProject {
  /** PEP 503 normalized name. */
  name: string;
  /** Why it could not be checked, credentials redacted. */
  reason: string;
}

export interface Report {
  cwd: string;
  settings: Settings;
  summary: ScanSummary;
  /** Files scanned, relative with forward slashes, sorted. */
  files: string[];
  /** Sorted by file, then position. */
  findings: ReportFinding[];
  /** Projects whose status, or whose release data from the JSON API, could not be learned. */
  unknown: UnknownProject[];
  /** File (relative, forward slashes) → normalized name → the index that answered for it. */
  answeredBy?: Record<string, Record<string, string>>;
  failOn: FailOn;
  /** Some finding is at least as severe as failOn. */
  failed: boolean;
}

/**
 * core's client stops asking an origin for a while after errors and says when it will retry,
 * which is true in the editor; a one-shot command never retries, so it says what happened.
 */
function cliReason(reason: string): string {
  return reason.replace(/the index is backed off after errors \(retrying in \d+ s\)/, 'not asked after earlier errors from the same index');
}

export function buildReport(result: ScanResult, settings: Settings, cwd: string, failOn: FailOn, fixes?: ReadonlyMap<string, FindingFix[]>): Report {
  const rel = (file: string) => path.relative(cwd, file) || path.basename(file);
  const uri = (file: string) => rel(file).split(path.sep).join('/');
  const findings = result.summary.findings
    .map((f): ReportFinding => ({
      ...f,
      ...(fixes?.has(fixKey(f.file, f.range, f.code)) ? { fixes: fixes.get(fixKey(f.file, f.range, f.code)) } : {}),
      // core names a file it cannot read by its absolute path; reports stay machine-independent.
      message: f.name === undefined ? f.message.split(f.file).join(rel(f.file)) : f.message,
      path: rel(f.file),
      uri: uri(f.file),
      // Like `uri`: reports do not depend on the machine.
      ...(f.related ? { related: f.related.map((r) => ({ ...r, file: uri(r.file) })) } : {}),
      line: f.range.start.line + 1,
      column: f.range.start.character + 1,
      endLine: f.range.end.line + 1,
      endColumn: f.range.end.character + 1,
    }))
    .sort((a, b) => compare(a.uri, b.uri) || a.line - b.line || a.column - b.column || compare(a.code, b.code));

  const unknown = new Map<string, string>();
  for (const file of result.files) {
    for (const { dependency, facts } of file.analyzed) {
      // An unreachable JSON API (vulnerabilities, the inactive classifier not checked) or an old
      // answer that could not be refreshed: in CI that is an incomplete answer, not a clean one.
      const reason = incompleteReason(facts);
      if (reason !== undefined && !unknown.has(dependency.normalizedName)) unknown.set(dependency.normalizedName, cliReason(reason));
    }
  }
  for (const name of result.summary.unknownProjects) if (!unknown.has(name)) unknown.set(name, 'not checked');

  const answeredBy: Record<string, Record<string, string>> = {};
  for (const file of result.files) {
    const indexes = file.analyzed.filter((a) => a.index !== undefined).map((a) => [a.dependency.normalizedName, a.index!] as const);
    if (indexes.length > 0) answeredBy[uri(file.path)] = Object.fromEntries(indexes);
  }
  const threshold = failOn === 'never' ? Infinity : SEVERITY_RANK[failOn];
  return {
    cwd,
    settings,
    summary: result.summary,
    files: result.files.map((f) => uri(f.path)).sort(compare),
    findings,
    unknown: [...unknown].map(([name, reason]) => ({ name, reason: redactText(reason) })).sort((a, b) => compare(a.name, b.name)),
    answeredBy,
    failOn,
    failed: findings.some((f) => SEVERITY_RANK[f.severity] >= threshold),
  };
}

/** A fix as the text and GitHub formats say it, under its finding: `fix: change the pin to 2.32.3`, `did you mean: requests?`. */
export function fixLine(fix: FindingFix): string {
  if (fix.kind === 'pin') return `fix: ${fix.title.charAt(0).toLowerCase()}${fix.title.slice(1)}`;
  if (fix.origin === 'similar') return `did you mean: ${fix.name}?`;
  return `alternative: ${fix.name}${fix.origin ? ` (${ORIGIN_LABEL[fix.origin]})` : ''}`;
}

/** Code-unit order: the same on every machine, unlike localeCompare. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "3 archived, 1 quarantined in 12 files; 340 dependencies, 210 projects" */
export function summaryLine(report: Report): string {
  const counts = new Map<DiagnosticCode, number>();
  for (const f of report.findings) counts.set(f.code, (counts.get(f.code) ?? 0) + 1);
  const parts = [...counts].sort((a, b) => b[1] - a[1] || ALL_CODES.indexOf(a[0]) - ALL_CODES.indexOf(b[0])).map(([code, n]) => `${n} ${code}`);
  const s = report.summary;
  const scope = `${plural(s.filesScanned, 'file')}; ${plural(s.dependencies, 'dependency', 'dependencies')}, ${plural(s.projects, 'project')}`;
  // Unchecked dependencies are never clean: the line says so even when nothing was found.
  const unchecked = report.unknown.length > 0 ? `; ${report.unknown.length} unchecked` : '';
  return parts.length > 0 ? `${parts.join(', ')} in ${scope}${directAndTransitive(report)}${unchecked}` : `No findings in ${scope}${unchecked}`;
}

/**
 * ` (2 on direct dependencies, 5 on transitive ones)` when lock files were read: a finding in a lock
 * is transitive unless its package is a direct dependency; `transitive` itself only points there.
 */
function directAndTransitive(report: Report): string {
  if (!report.findings.some((f) => f.lock !== undefined)) return '';
  let direct = 0;
  let transitive = 0;
  for (const f of report.findings) {
    if (f.name === undefined || f.code === 'transitive') continue;
    if (f.lock !== undefined && f.lock.chain?.length !== 1) transitive++;
    else direct++;
  }
  return ` (${direct} on direct dependencies, ${transitive} on transitive ones)`;
}

/** "Status unknown for 3 projects (not checked): HTTP 503: a, b; timed out: c" — grouped, since one outage has one reason. */
export function unknownLine(report: Report, limit = 20): string | undefined {
  if (report.unknown.length === 0) return undefined;
  const byReason = new Map<string, string[]>();
  for (const u of report.unknown) byReason.set(u.reason, [...(byReason.get(u.reason) ?? []), u.name]);
  let shown = 0;
  const groups: string[] = [];
  for (const [reason, names] of byReason) {
    const take = names.slice(0, Math.max(0, limit - shown));
    shown += take.length;
    if (take.length > 0) groups.push(`${reason}: ${take.join(', ')}`);
  }
  const more = report.unknown.length - shown;
  return `Status unknown for ${plural(report.unknown.length, 'project')} (not checked): ${groups.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
}
