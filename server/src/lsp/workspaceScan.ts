/** Glue between the workspace scan and LSP: progress, cancellation, diagnostics for unopened files, the answer with URIs. */
import { stat } from 'node:fs/promises';
import type { Diagnostic } from 'vscode-languageserver';
import { scan, type ScanProgress, type ScanResult, type ScannedFile } from '../core/workspaceScan.js';
import type { IndexSource } from '../core/pypi/client.js';
import type { Settings } from '../core/settings.js';
import type { ParsedFile } from '../core/types.js';
import { pathToUri } from '../paths.js';
import type { ScanResponse } from '../protocol.js';
import { toDiagnostics } from './diagnostics.js';

export interface WorkspaceScanInput {
  folders: string[];
  /** `files.exclude` patterns that are on, plus `pypiStatus.exclude`. */
  exclude: string[];
  openText: (file: string) => string | undefined;
  signal: AbortSignal;
  onProgress: (message: string, percentage: number) => void;
  /** A file whose findings are complete, before the scan ends. */
  onFileDone: (file: ScannedFile) => void;
  /** Whether the workspace is trusted (names from `${VAR}` are looked up only then). */
  trusted: boolean;
}

export async function runWorkspaceScan(input: WorkspaceScanInput, sources: (parsed: ParsedFile) => IndexSource, settings: Settings): Promise<ScanResult> {
  // A workspace folder is a folder: one that is gone (or a file) has nothing to scan, while the
  // core takes a root that is not a directory for a file named on a command line.
  const folders = (await Promise.all(input.folders.map(async (f) => ((await stat(f).catch(() => undefined))?.isDirectory() ? f : undefined)))).filter(
    (f): f is string => f !== undefined,
  );
  return scan(
    {
      roots: folders,
      exclude: input.exclude,
      openText: input.openText,
      signal: input.signal,
      onProgress: (p) => input.onProgress(progressMessage(p), progressPercentage(p)),
      onFileDone: input.onFileDone,
      trusted: input.trusted,
    },
    sources,
    settings,
  );
}

function progressMessage(p: ScanProgress): string {
  if (p.projectsTotal === 0) return `${p.filesParsed} of ${p.filesTotal} files parsed`;
  return `${p.projectsDone} of ${p.projectsTotal} projects looked up in ${p.filesTotal} files`;
}

/** Parsing is quick; most of a scan is waiting for the index, so lookups get 90% of the bar. */
function progressPercentage(p: ScanProgress): number {
  const parse = p.filesTotal === 0 ? 1 : p.filesParsed / p.filesTotal;
  const lookup = p.projectsTotal === 0 ? 0 : p.projectsDone / p.projectsTotal;
  return Math.min(100, Math.round(10 * parse + 90 * lookup));
}

export function fileDiagnostics(file: ScannedFile, settings: Settings, source: Pick<IndexSource, 'projectPage'>): Diagnostic[] {
  // A file that cannot be read is reported as the CLI reports it, with the severity of invalid-requirement.
  const start = { line: 0, character: 0 };
  const parsed =
    file.error === undefined
      ? file.parsed
      : { ...file.parsed, problems: [{ code: 'invalid-requirement' as const, message: file.error, range: { start, end: start } }, ...file.parsed.problems] };
  return toDiagnostics(parsed, file.analyzed, settings, source, file.transitive);
}

export function toResponse(result: ScanResult): ScanResponse {
  const s = result.summary;
  return {
    filesScanned: s.filesScanned,
    dependencies: s.dependencies,
    projects: s.projects,
    unknownProjects: s.unknownProjects,
    findingsByCode: s.findingsByCode,
    findings: s.findings.map((f) => ({
      uri: pathToUri(f.file),
      range: f.range,
      ...(f.name ? { name: f.name } : {}),
      code: f.code,
      severity: f.severity,
      message: f.message,
    })),
    cancelled: s.cancelled,
  };
}
