/**
 * Decoding of the simple repository API: PEP 691 JSON and PEP 503 HTML, with
 * the PEP 792 project status (api-version 1.4) and PEP 592 yanked files.
 */
import { compare, explain, valid } from '@renovatebot/pep440';
import { normalizeName } from '../pep508.js';
import { versionKey } from '../pep440.js';
import type { AttestationsServed, ProjectInfo, ProjectStatus, ReleaseFiles } from './model.js';

export class DecodeError extends Error {}

const KNOWN_STATUSES: ReadonlySet<string> = new Set(['active', 'archived', 'quarantined', 'deprecated']);

interface RawFile {
  filename: string;
  yanked: boolean | string;
  uploadTime?: string;
  /** PEP 503 `data-requires-python` / PEP 691 `requires-python`, when the file states one. */
  requiresPython?: string;
  /** PEP 740: where the file's provenance object is served, when it has one. */
  provenance?: string;
}

/** Longer values are not what an index sends for these fields: dropped rather than kept. */
const MAX_REQUIRES_PYTHON = 1000;
const MAX_URL = 4096;

function boundedString(value: unknown, max: number): string | undefined {
  return typeof value === 'string' && value.trim() !== '' && value.length <= max ? value : undefined;
}

export function decodeSimpleJson(body: string, requestedName: string): ProjectInfo {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    throw new DecodeError('the index sent malformed JSON');
  }
  if (!isObject(doc) || !isObject(doc.meta) || !Array.isArray(doc.files)) {
    throw new DecodeError('the index sent JSON that is not a PEP 691 project page');
  }
  const apiVersion = typeof doc.meta['api-version'] === 'string' ? doc.meta['api-version'] : undefined;
  const files: RawFile[] = [];
  let provenanceKey = false;
  for (const f of doc.files) {
    if (!isObject(f) || typeof f.filename !== 'string') continue;
    if ('provenance' in f) provenanceKey = true;
    // PEP 691: a truthy value means yanked, and a non-empty string is the reason.
    const yanked = typeof f.yanked === 'string' ? f.yanked !== '' && f.yanked : Boolean(f.yanked);
    const file: RawFile = { filename: f.filename, yanked };
    if (isTimestamp(f['upload-time'])) file.uploadTime = f['upload-time'];
    addOptional(file, f['requires-python'], f.provenance);
    files.push(file);
  }
  const statusObj = isObject(doc['project-status']) ? doc['project-status'] : undefined;
  const versions = Array.isArray(doc.versions) ? doc.versions.filter((v): v is string => typeof v === 'string') : undefined;
  return build({
    name: typeof doc.name === 'string' ? doc.name : requestedName,
    requestedName,
    apiVersion,
    status: typeof statusObj?.status === 'string' ? statusObj.status : undefined,
    reason: typeof statusObj?.reason === 'string' ? statusObj.reason : undefined,
    files,
    versions,
    format: 'json',
    attestations: provenanceKey ? 'served' : 'not-served',
  });
}

export function decodeSimpleHtml(body: string, requestedName: string): ProjectInfo {
  if (!/<html|<a\s|<meta\s|<!doctype/i.test(body)) throw new DecodeError('the index sent a page that is not HTML');
  const metas = new Map<string, string>();
  const files: RawFile[] = [];
  for (const tag of htmlTags(body)) {
    const attrs = parseAttributes(tag.attributes);
    if (tag.name === 'meta') {
      const name = attrs.get('name');
      const content = attrs.get('content');
      if (name !== undefined && content !== undefined) metas.set(name.toLowerCase(), content);
      continue;
    }
    const href = attrs.get('href');
    if (href === undefined) continue;
    const closing = /<\/a\s*>/gi;
    closing.lastIndex = tag.end;
    const close = closing.exec(body);
    const text = close ? decodeEntities(body.slice(tag.end, close.index)).trim() : '';
    const filename = text || decodeURIComponentSafe(href.split('#')[0]!.split('?')[0]!.split('/').pop() ?? '');
    const yankedAttr = attrs.get('data-yanked');
    const file: RawFile = { filename, yanked: yankedAttr === undefined ? false : yankedAttr === '' ? true : yankedAttr };
    addOptional(file, attrs.get('data-requires-python'), attrs.get('data-provenance'));
    files.push(file);
  }
  // A proxy login or captive portal also answers 200 with HTML: only a page that
  // declares the repository version, is titled like a PEP 503 page, or links
  // distributions of this project is taken as the project's page.
  const declared = metas.has('pypi:repository-version');
  const titled = /<(title|h1)\b[^>]*>\s*Links for\b/i.test(body);
  const normalized = normalizeName(requestedName);
  const linksProject = files.some((f) => versionFromFilename(f.filename, normalized) !== undefined);
  if (!declared && !titled && !linksProject) {
    throw new DecodeError('the index answered with an HTML page that is not a project page (a proxy or captive portal?)');
  }
  return build({
    name: requestedName,
    requestedName,
    apiVersion: metas.get('pypi:repository-version'),
    status: metas.get('pypi:project-status'),
    reason: metas.get('pypi:project-status-reason'),
    files,
    versions: undefined,
    format: 'html',
    attestations: 'unknown',
  });
}

function addOptional(file: RawFile, requiresPython: unknown, provenance: unknown): void {
  const rp = boundedString(requiresPython, MAX_REQUIRES_PYTHON);
  if (rp !== undefined) file.requiresPython = rp;
  const url = boundedString(provenance, MAX_URL);
  if (url !== undefined) file.provenance = url;
}

/**
 * The `<a>` and `<meta>` tags of a page, as a browser sees them: a `>` inside a quoted
 * attribute value does not end the tag, and comments hide what they hold. One pass over the
 * text, so that a hostile page cannot make it quadratic.
 */
function* htmlTags(body: string): Generator<{ name: 'a' | 'meta'; attributes: string; end: number }> {
  const lower = /<(?:!--|a\b|meta\b)/gi;
  let at = 0;
  for (;;) {
    lower.lastIndex = at;
    const open = lower.exec(body);
    if (!open) return;
    if (open[0] === '<!--') {
      const close = body.indexOf('-->', open.index + 4);
      if (close < 0) return;
      at = close + 3;
      continue;
    }
    const name = open[0].length === 2 ? 'a' : 'meta';
    let i = open.index + open[0].length;
    let quote = '';
    for (; i < body.length; i++) {
      const c = body[i];
      if (quote) {
        if (c === quote) quote = '';
      } else if (c === '"' || c === "'") {
        quote = c;
      } else if (c === '>') {
        break;
      }
    }
    if (i >= body.length) return;
    yield { name, attributes: body.slice(open.index + open[0].length, i), end: i + 1 };
    at = i + 1;
  }
}

interface BuildInput {
  name: string;
  requestedName: string;
  apiVersion: string | undefined;
  status: string | undefined;
  reason: string | undefined;
  files: RawFile[];
  versions: string[] | undefined;
  format: 'json' | 'html';
  /** What the page's form says of PEP 740 when no file names a provenance. */
  attestations: AttestationsServed;
}

function build(input: BuildInput): ProjectInfo {
  // PEP 629: a client must not read a page of a major version it does not know as one it knows.
  const api = input.apiVersion?.trim();
  if (api !== undefined && /^\d+\./.test(api) && !api.startsWith('1.')) {
    throw new DecodeError(`the index speaks version ${api} of the simple API, which this version cannot read`);
  }
  const normalized = normalizeName(input.name);
  // Files are grouped by version, not by its spelling: `x-1.0.tar.gz` and `x-1.0.0-py3-none-any.whl`
  // are one release, named as the index's version list names it when it has one.
  const listed = new Map<string, string>();
  for (const v of input.versions ?? []) if (!listed.has(versionKey(v))) listed.set(versionKey(v), v);
  const byVersion = new Map<string, VersionFiles>();
  for (const file of input.files) {
    const spelled = versionFromFilename(file.filename, normalized);
    if (spelled === undefined) continue;
    const key = versionKey(spelled);
    const entry = byVersion.get(key) ?? { version: listed.get(key) ?? spelled, files: [] };
    entry.files.push(file);
    byVersion.set(key, entry);
  }
  const releases: Record<string, ReleaseFiles> = {};
  for (const e of byVersion.values()) releases[e.version] = releaseOf(e.files);
  const versions = input.versions ?? sortVersions([...byVersion.values()].map((e) => e.version));
  // Any file that names a provenance shows the index serves them: a file without one has none.
  const attestations = input.files.some((f) => f.provenance !== undefined) ? 'served' : input.attestations;
  const info: ProjectInfo = { name: input.name, status: 'active', versions, releases, format: input.format, attestations };
  // PEP 792 defines the status from api-version 1.4 on: a page that declares an
  // older version is active whatever it says. A page that declares no version
  // but states a status is read as stating it (as uv does): hiding a quarantine
  // would be worse than trusting a sloppy index.
  if (input.status !== undefined && (input.apiVersion === undefined || apiAtLeast(input.apiVersion, 1, 4))) {
    const status = input.status.trim().toLowerCase();
    if (KNOWN_STATUSES.has(status)) info.status = status as ProjectStatus;
    else info.rawStatus = input.status;
    if (input.reason !== undefined && input.reason.trim() !== '') info.statusReason = input.reason;
  }
  const latest = latestVersion(versions, releases);
  if (latest !== undefined) info.latestVersion = latest;
  return info;
}

interface VersionFiles {
  version: string;
  files: RawFile[];
}

function releaseOf(files: RawFile[]): ReleaseFiles {
  const yanked = files.filter((f) => f.yanked !== false);
  const release: ReleaseFiles = { yanked: files.length > 0 && yanked.length === files.length };
  const reason = yanked.find((f): f is RawFile & { yanked: string } => typeof f.yanked === 'string' && f.yanked.trim() !== '');
  if (release.yanked && reason !== undefined) release.yankedReason = reason.yanked;
  let uploadTime: string | undefined;
  for (const f of files) if (f.uploadTime && (!uploadTime || f.uploadTime < uploadTime)) uploadTime = f.uploadTime;
  if (uploadTime !== undefined) release.uploadTime = uploadTime;
  // An installer picks among the files it may install: the yanked ones count only when all are.
  const installable = release.yanked ? files : files.filter((f) => f.yanked === false);
  // A file that states no requires-python installs on any Python, and so does the release.
  if (installable.length > 0 && installable.every((f) => f.requiresPython !== undefined)) {
    release.requiresPython = [...new Set(installable.map((f) => f.requiresPython!))].slice(0, 8);
  }
  const attested = files.filter((f) => f.provenance !== undefined);
  if (attested.length > 0) {
    release.attestedFiles = attested.length;
    release.files = files.length;
    release.provenanceUrl = attested[0]!.provenance!;
  }
  return release;
}

function apiAtLeast(version: string, major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(version.trim());
  if (!m) return false;
  const [maj, min] = [Number(m[1]), Number(m[2])];
  return maj > major || (maj === major && min >= minor);
}

/** The newest final release that is not yanked; failing that, the newest pre-release. */
export function latestVersion(versions: readonly string[], releases: Record<string, ReleaseFiles>): string | undefined {
  let bestFinal: string | undefined;
  let bestAny: string | undefined;
  for (const v of versions) {
    const release = releases[v];
    if (!release || release.yanked || !valid(v)) continue;
    if (bestAny === undefined || compare(v, bestAny) > 0) bestAny = v;
    const parts = explain(v);
    if (parts && !parts.is_prerelease && (bestFinal === undefined || compare(v, bestFinal) > 0)) bestFinal = v;
  }
  return bestFinal ?? bestAny;
}

function sortVersions(versions: string[]): string[] {
  const ok = versions.filter((v) => valid(v));
  const rest = versions.filter((v) => !valid(v));
  return [...ok.sort(compare), ...rest];
}

const WHEEL = /\.whl$/i;
const SDIST_EXT = /\.(tar\.gz|tar\.bz2|tar\.xz|tar\.z|tgz|tbz|zip|tar)$/i;
const EGG = /\.egg$/i;

/** Version part of a distribution filename, or undefined for files that are not distributions of the project. */
export function versionFromFilename(filename: string, normalizedName: string): string | undefined {
  if (WHEEL.test(filename)) {
    const parts = filename.slice(0, -4).split('-');
    return parts.length >= 5 ? parts[1] : undefined;
  }
  let stem: string;
  if (EGG.test(filename)) stem = filename.slice(0, -4).replace(/-py\d.*$/i, '');
  else {
    const ext = SDIST_EXT.exec(filename);
    if (!ext) return undefined;
    stem = filename.slice(0, ext.index);
  }
  // The name part of an sdist may itself contain dashes: find the split that names the project.
  for (let i = stem.indexOf('-'); i > 0; i = stem.indexOf('-', i + 1)) {
    if (normalizeName(stem.slice(0, i)) === normalizedName) return stem.slice(i + 1) || undefined;
  }
  const dash = stem.lastIndexOf('-');
  return dash > 0 ? stem.slice(dash + 1) : undefined;
}

function parseAttributes(text: string): Map<string, string> {
  const attrs = new Map<string, string>();
  const attr = /([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  for (let m = attr.exec(text); m; m = attr.exec(text)) {
    attrs.set(m[1]!.toLowerCase(), decodeEntities(m[2] ?? m[3] ?? m[4] ?? ''));
  }
  return attrs;
}

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,8});/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[ref.toLowerCase()] ?? whole;
  });
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * PEP 700's upload-time (and the JSON API's upload_time) is an ISO 8601 UTC date and time; anything
 * else is dropped rather than shown as a release date.
 */
export function isTimestamp(value: unknown): value is string {
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value) && !Number.isNaN(Date.parse(value));
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
