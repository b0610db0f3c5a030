/**
 * The scan summary (core's ScanSummary) as JSON, with two changes so that it
 * does not depend on the machine: `file` is relative to the current directory
 * with forward slashes, and each finding also carries 1-based `line`, `column`,
 * `endLine`, `endColumn` next to the 0-based LSP `range`. Added: `files`
 * (scanned), `unknownReasons`, `answeredBy`, `failOn`, `failed`, `version`.
 */
import type { FindingFix } from '../../core/scanFixes.js';
import type { ScanSummary } from '../../core/workspaceScan.js';
import { VERSION } from '../../core/version.js';
import type { Report } from '../report.js';

export interface JsonFinding extends Omit<ScanSummary['findings'][number], 'file'> {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** The editor's quick fixes for it, as edits of the finding's file (0-based ranges, like `range`). */
  fixes?: FindingFix[];
}

export interface JsonReport extends Omit<ScanSummary, 'findings' | 'unchecked'> {
  version: string;
  files: string[];
  findings: JsonFinding[];
  /** Normalized name → why it could not be checked. */
  unknownReasons: Record<string, string>;
  /** File → normalized name → the index that answered for it (its configured name, else its host). */
  answeredBy: Record<string, Record<string, string>>;
  failOn: string;
  failed: boolean;
}

export function toJson(report: Report): JsonReport {
  const s = report.summary;
  const findingsByCode: JsonReport['findingsByCode'] = {};
  for (const f of report.findings) findingsByCode[f.code] = (findingsByCode[f.code] ?? 0) + 1;
  return {
    version: VERSION,
    filesScanned: s.filesScanned,
    dependencies: s.dependencies,
    projects: s.projects,
    // Wider than core's list: a project whose JSON API lookups failed is here too (see unknownReasons).
    unknownProjects: report.unknown.map((u) => u.name),
    unknownReasons: Object.fromEntries(report.unknown.map((u) => [u.name, u.reason])),
    findingsByCode,
    findings: report.findings.map((f) => {
      const out: JsonFinding = {
        file: f.uri,
        range: f.range,
        line: f.line,
        column: f.column,
        endLine: f.endLine,
        endColumn: f.endColumn,
        code: f.code,
        severity: f.severity,
        message: f.message,
      };
      if (f.name !== undefined) out.name = f.name;
      if (f.lock !== undefined) out.lock = f.lock;
      if (f.related !== undefined) out.related = f.related;
      if (f.fixes !== undefined) out.fixes = f.fixes;
      return out;
    }),
    cancelled: s.cancelled,
    files: report.files,
    answeredBy: report.answeredBy ?? {},
    failOn: report.failOn,
    failed: report.failed,
  };
}

export function formatJson(report: Report): string {
  return `${JSON.stringify(toJson(report), null, 2)}\n`;
}
