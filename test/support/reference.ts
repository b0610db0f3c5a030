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

/** What reference.py prints for a `requirements` request. */
interface FilesOutput {
  files: RefFileResult[];
}

/** What reference.py prints for a `pep508` or `markers` request. */
interface ResultsOutput<T> {
  results: T[];
}

/** Every output also carries the versions of the reference implementations. */
type Output<T> = T & { versions: ReferenceVersions };

type Guard<T> = (x: unknown) => x is T;

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isVersions(x: unknown): x is ReferenceVersions {
  const fields = ['python', 'executable', 'pip', 'pipPath', 'packaging', 'packagingPath'] as const;
  return isRecord(x) && fields.every((f) => typeof x[f] === 'string');
}

/** A file the script could not read has its path and `fatal` only. */
function isFileResult(x: unknown): x is RefFileResult {
  return isRecord(x) && typeof x.path === 'string' && (typeof x.fatal === 'string' || (Array.isArray(x.lines) && Array.isArray(x.errors)));
}

function isPep508Result(x: unknown): x is RefPep508Result {
  return isRecord(x) && (typeof x.error === 'string' || (typeof x.name === 'string' && typeof x.canonical === 'string' && Array.isArray(x.specifier)));
}

function isMarkerResult(x: unknown): x is RefMarkerResult {
  return isRecord(x) && (typeof x.error === 'string' || typeof x.normalized === 'string');
}

function isFilesOutput(x: unknown): x is FilesOutput {
  return isRecord(x) && Array.isArray(x.files) && x.files.every(isFileResult);
}

function resultsOutput<T>(isItem: Guard<T>): Guard<ResultsOutput<T>> {
  return (x: unknown): x is ResultsOutput<T> => isRecord(x) && Array.isArray(x.results) && x.results.every(isItem);
}

/** Per request mode, what its output must look like. */
const OUTPUT_GUARD: Record<SingleRequest['mode'], Guard<FilesOutput | ResultsOutput<unknown>>> = {
  requirements: isFilesOutput,
  pep508: resultsOutput(isPep508Result),
  markers: resultsOutput(isMarkerResult),
};

/** A batch's output before its parts are checked against their requests' modes. */
const isBatchOutput = resultsOutput(isRecord);

/**
 * reference.py's output for one request, checked to have the shape `is` expects (its records'
 * fields are the script's contract, above), with the versions every output carries.
 */
async function runPython<T>(request: unknown, is: Guard<T>): Promise<Output<T>> {
  const child = spawn(REFERENCE_PYTHON, [REFERENCE_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const exit = new Promise<number | null>((resolve, reject) => {
    child.on('error', (e) => reject(new Error(`cannot run the reference interpreter ${REFERENCE_PYTHON}: ${e.message}`)));
    child.on('close', (code) => resolve(code));
  });
  child.stdin.on('error', () => {
    /* reported through exit / stderr */
  });
  child.stdin.end(JSON.stringify(request));
  const code = await exit;
  const stdout = Buffer.concat(out).toString('utf8');
  const stderr = Buffer.concat(err).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    parsed = undefined;
  }
  if (isRecord(parsed) && typeof parsed.fatal === 'string') {
    throw new Error(
      `reference implementation unavailable: ${parsed.fatal}\n` +
        `(the differential tests need Debian's python3-pip and python3-packaging for ${REFERENCE_PYTHON})`,
    );
  }
  if (code !== 0 || parsed === undefined) {
    throw new Error(`${REFERENCE_PYTHON} ${REFERENCE_SCRIPT} failed (exit ${code}).\nstderr:\n${stderr.slice(0, 4000)}\nstdout:\n${stdout.slice(0, 1000)}`);
  }
  if (!is(parsed) || !isRecord(parsed) || !isVersions(parsed.versions)) {
    throw new Error(`${REFERENCE_SCRIPT} printed output of an unexpected shape:\n${stdout.slice(0, 1000)}`);
  }
  return parsed as Output<T>;
}

type ResponseOf<R extends SingleRequest> = R extends RequirementsRequest ? RefFileResult[] : R extends MarkersRequest ? RefMarkerResult[] : RefPep508Result[];

/**
 * Runs several requests in ONE Python process. Results come back in request order.
 */
export async function referenceBatch<const T extends readonly SingleRequest[]>(
  requests: T,
): Promise<{ results: { [K in keyof T]: ResponseOf<T[K]> }; versions: ReferenceVersions }> {
  const response = await runPython({ mode: 'batch', requests }, isBatchOutput);
  if (response.results.length !== requests.length) {
    throw new Error(`${REFERENCE_SCRIPT} answered ${response.results.length} of ${requests.length} requests`);
  }
  const results = response.results.map((r, i) => {
    const mode = requests[i]!.mode;
    if (!OUTPUT_GUARD[mode](r)) throw new Error(`${REFERENCE_SCRIPT} printed no ${mode} output for request ${i}: ${JSON.stringify(r).slice(0, 1000)}`);
    return 'files' in r ? r.files : r.results;
  });
  // Each output was checked against its request's mode, which is what ResponseOf maps.
  return { results: results as { [K in keyof T]: ResponseOf<T[K]> }, versions: response.versions };
}

export async function referenceRequirements(request: Omit<RequirementsRequest, 'mode'>): Promise<RefFileResult[]> {
  const response = await runPython({ mode: 'requirements', ...request }, isFilesOutput);
  return response.files;
}

export async function referencePep508(inputs: string[]): Promise<RefPep508Result[]> {
  const response = await runPython({ mode: 'pep508', inputs }, resultsOutput(isPep508Result));
  return response.results;
}

export async function referenceMarkers(inputs: string[]): Promise<RefMarkerResult[]> {
  const response = await runPython({ mode: 'markers', inputs }, resultsOutput(isMarkerResult));
  return response.results;
}
