/**
 * Typed wrapper around test/support/reference.py: the Debian `python3-packaging`
 * (PEP 508 / PEP 503) and `python3-pip` (requirements files) reference
 * implementations used by the differential tests.
 *
 * One request = one Python process; batch everything into a single call
 * (see `referenceBatch`), Python start-up and pip's imports are slow.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Always the Debian interpreter: the python3 first on PATH lacks pip/packaging. */
export const REFERENCE_PYTHON = process.env.PYPI_STATUS_REFERENCE_PYTHON ?? '/usr/bin/python3';
export const REFERENCE_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'reference.py');

export type Clause = [op: string, version: string];

export interface RefRequirement {
  name: string;
  canonical: string;
  /** Sorted, as written, duplicates kept. */
  extras: string[];
  /** Sorted [op, version] pairs, one per comma-separated clause. */
  specifier: Clause[];
  /** str(packaging.markers.Marker(...)), i.e. normalised; null when absent. */
  marker: string | null;
  url: string | null;
}

export interface RefError {
  error: string;
  offset?: number | null;
}

export type RefPep508Result = RefRequirement | RefError;

/** What pip makes of a requirement line; `name` is null for unnamed URL/path requirements. */
export interface RefPipView {
  name: string | null;
  canonical: string | null;
  extras: string[];
  specifier: Clause[];
  marker: string | null;
  url: string | null;
  /** pip took the line as a link (URL, path, archive; always for editables), not as a PEP 508 requirement. */
  fromLink: boolean;
}

export interface RefRequirementLine {
  /** 1-based first physical line of the logical line (pip's lineno). */
  lineno: number;
  /** 1-based last physical line of the logical line. */
  endLineno: number;
  editable: boolean;
  constraint: boolean;
  /** The requirement text pip hands on (options removed, continuations joined). */
  requirement: string;
  hashes: number;
  pep508: RefPep508Result;
  pip: RefPipView | RefError;
}

export interface RefInclude {
  kind: 'requirement' | 'constraint';
  path: string;
  lineno: number;
  endLineno: number;
  ignoredPaths: string[];
}

export interface RefIndexUrl {
  url: string;
  extra: boolean;
  lineno: number;
  endLineno: number;
}

export interface RefFileResult {
  path: string;
  /** Set when the file could not be read at all. */
  fatal?: string;
  physicalLines: number;
  lines: RefRequirementLine[];
  includes: RefInclude[];
  indexUrls: RefIndexUrl[];
  noIndex: number[];
  /** Logical lines pip's option parser rejects (pip would abort the whole file). */
  errors: { lineno: number; endLineno: number; line: string; error: string }[];
}

export type RefMarkerResult = { normalized: string } | RefError;

export interface RequirementsRequest {
  mode: 'requirements';
  files?: string[];
  texts?: string[];
  env?: Record<string, string | undefined>;
  constraint?: boolean;
}
export interface Pep508Request {
  mode: 'pep508';
  inputs: string[];
}
export interface MarkersRequest {
  mode: 'markers';
  inputs: string[];
}
export type SingleRequest = RequirementsRequest | Pep508Request | MarkersRequest;

export interface ReferenceVersions {
  python: string;
  executable: string;
  pip: string;
  /** Directory of the imported pip package (Debian: /usr/lib/python3/dist-packages/pip). */
  pipPath: string;
  packaging: string;
  packagingPath: string;
}

export function isRefError(x: unknown): x is RefError {
  return typeof x === 'object' && x !== null && 'error' in x;
}

async function runPython(request: unknown): Promise<any> {
  const child = spawn(REFERENCE_PYTHON, [REFERENCE_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const exit = new Promise<number | null>((resolve, reject) => {
    child.on('error', (e) =>
      reject(new Error(`cannot run the reference interpreter ${REFERENCE_PYTHON}: ${e.message}`)),
    );
    child.on('close', (code) => resolve(code));
  });
  child.stdin.on('error', () => {
    /* reported through exit / stderr */
  });
  child.stdin.end(JSON.stringify(request));
  const code = await exit;
  const stdout = Buffer.concat(out).toString('utf8');
  const stderr = Buffer.concat(err).toString('utf8');
  let parsed: any;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    parsed = undefined;
  }
  if (parsed && typeof parsed.fatal === 'string') {
    throw new Error(
      `reference implementation unavailable: ${parsed.fatal}\n` +
        `(the differential tests need Debian's python3-pip and python3-packaging for ${REFERENCE_PYTHON})`,
    );
  }
  if (code !== 0 || parsed === undefined) {
    throw new Error(
      `${REFERENCE_PYTHON} ${REFERENCE_SCRIPT} failed (exit ${code}).\nstderr:\n${stderr.slice(0, 4000)}\nstdout:\n${stdout.slice(0, 1000)}`,
    );
  }
  return parsed;
}

type ResponseOf<R extends SingleRequest> = R extends RequirementsRequest
  ? RefFileResult[]
  : R extends MarkersRequest
    ? RefMarkerResult[]
    : RefPep508Result[];

/**
 * Runs several requests in ONE Python process. Results come back in request order.
 */
export async function referenceBatch<const T extends readonly SingleRequest[]>(
  requests: T,
): Promise<{ results: { [K in keyof T]: ResponseOf<T[K]> }; versions: ReferenceVersions }> {
  const response = await runPython({ mode: 'batch', requests });
  const results = (response.results as any[]).map((r, i) =>
    requests[i]!.mode === 'requirements' ? r.files : r.results,
  );
  return { results: results as any, versions: response.versions };
}

export async function referenceRequirements(
  request: Omit<RequirementsRequest, 'mode'>,
): Promise<RefFileResult[]> {
  const response = await runPython({ mode: 'requirements', ...request });
  return response.files;
}

export async function referencePep508(inputs: string[]): Promise<RefPep508Result[]> {
  const response = await runPython({ mode: 'pep508', inputs });
  return response.results;
}

export async function referenceMarkers(inputs: string[]): Promise<RefMarkerResult[]> {
  const response = await runPython({ mode: 'markers', inputs });
  return response.results;
}
