/**
 * Project catalog of the local PyPI-compatible index (see index-server.ts).
 *
 * Every payload is derived from REAL recorded PyPI responses in test/data/pypi-responses
 * (its INDEX.md gives each file's source). Where a project has no capture for some view
 * (simple JSON, simple HTML, /pypi/<name>/json, /pypi/<name>/<version>/json) that view
 * is synthesized from the captured views in the shape of real captures, so that all
 * four views of a project agree (same versions, same files, same yanked flags).
 *
 * Shapes and their evidence (files relative to test/data/pypi-responses, or in pypi/warehouse):
 * - PEP 691 JSON: compact, keys sorted, non-ASCII escaped (\uXXXX) — exactly
 *   `simple-json/six.pypi.simple.v1.json` (json.dumps(sort_keys=True,
 *   separators=(",", ":")) reproduces it byte for byte, bar a final newline).
 * - PEP 503 HTML: Warehouse's `warehouse/templates/api/simple/detail.html` as PyPI
 *   renders it (block whitespace trimmed: the status <meta> shares a line with
 *   <title>, anchors start at column 0, `" >` when an anchor has no trailing attribute,
 *   no newline after `<!--SERIAL n-->`). `renderSimpleHtml` reproduces the real
 *   six/django/pil captures byte for byte from their JSON twins (and cryptography's,
 *   whose 1.9 MB HTML capture is therefore not kept).
 * - JSON API: Warehouse's `docs/user/api/json.md` plus real documents in
 *   `json-api/` (modern key set from `dependabot__pypi_response_luigi.json` and
 *   `poetry__release__*.json`); served compact with sorted keys like PyPI.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pypiResponse } from './data.js';

// ---------------------------------------------------------------------------
// Recorded responses
// ---------------------------------------------------------------------------

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** Repository root: two levels up from test/support. */
export const REPO_ROOT = path.resolve(HERE, '..', '..');

/** Bytes of a recorded response (path relative to test/data/pypi-responses). */
export function readCorpus(relative: string): Buffer {
  return readFileSync(pypiResponse(relative));
}

function readCorpusJson<T>(relative: string): T {
  return JSON.parse(readCorpus(relative).toString('utf8')) as T;
}

// ---------------------------------------------------------------------------
// Types (key names are PyPI's own, so objects serialize to the real shapes)
// ---------------------------------------------------------------------------

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** PEP 792 status. PyPI serves `active`, `archived`, `quarantined`; `deprecated` is in the spec. */
export type ProjectStatusValue = 'active' | 'archived' | 'quarantined' | 'deprecated' | (string & {});

export interface ProjectStatus {
  status: ProjectStatusValue;
  /** PEP 792 optional reason (`pypi:project-status-reason` in HTML). */
  reason?: string;
}

/** PEP 592/691 yanked: false, true, or the reason string (a reason implies yanked). */
export type Yanked = boolean | string;

/** A file entry of a PEP 691 project page, keys exactly as PyPI sends them. */
export interface SimpleFile {
  'core-metadata'?: false | true | { sha256: string };
  'data-dist-info-metadata'?: false | true | { sha256: string };
  filename: string;
  hashes: Record<string, string>;
  provenance?: string | null;
  'requires-python'?: string | null;
  size?: number;
  'upload-time'?: string;
  url: string;
  yanked?: Yanked;
}

/** A file entry of the JSON API (`urls[]` / `releases[v][]`). Older captures lack some keys. */
export interface JsonApiFile {
  comment_text?: string | null;
  'core-metadata'?: false | { sha256: string };
  digests?: { blake2b_256?: string; md5?: string; sha256?: string };
  downloads?: number;
  filename: string;
  has_sig?: boolean;
  md5_digest?: string;
  packagetype?: string;
  python_version?: string;
  requires_python?: string | null;
  size?: number;
  upload_time?: string;
  upload_time_iso_8601?: string;
  url: string;
  yanked?: boolean;
  yanked_reason?: string | null;
  [key: string]: JsonValue | undefined;
}

/** OSV entry of the JSON API `vulnerabilities` array (json-api/pycrypto-2.6.1.release.json). */
export interface Vulnerability {
  aliases: string[];
  details: string;
  fixed_in: string[];
  id: string;
  link: string;
  source: string;
  summary: string | null;
  withdrawn: string | null;
}

export interface JsonApiInfo {
  name: string;
  version: string;
  summary?: string | null;
  classifiers?: string[];
  project_urls?: Record<string, string> | null;
  description?: string | null;
  yanked?: boolean;
  yanked_reason?: string | null;
  requires_python?: string | null;
  [key: string]: JsonValue | undefined;
}

/** `/pypi/<name>/json` (with `releases`) or `/pypi/<name>/<version>/json` (without). */
export interface JsonApiDocument {
  info: JsonApiInfo;
  last_serial?: number;
  releases?: Record<string, JsonApiFile[]>;
  urls: JsonApiFile[];
  vulnerabilities?: Vulnerability[];
  ownership?: JsonValue;
  [key: string]: JsonValue | undefined | JsonApiInfo | JsonApiFile[] | Record<string, JsonApiFile[]> | Vulnerability[];
}

/** Captured bytes served unmodified (byte-identical to the corpus file). */
export interface RawPayloads {
  simpleJson?: Buffer;
  simpleHtml?: Buffer;
  projectJson?: Buffer;
  /** Keyed by the exact version string. */
  releaseJson?: Record<string, Buffer>;
}

/**
 * Everything the index serves for one project. The simple-API fields are the source of
 * truth; the JSON API is taken from `jsonApi.project` / `jsonApi.releases` when given
 * (captured documents) and otherwise synthesized from `files` + `jsonApi.info`.
 */
export interface ProjectDefinition {
  /** Display name (JSON API `info.name`, e.g. "Django"); the simple API uses the normalized name. */
  name: string;
  /** PEP 792 status; undefined → no `project-status` key / meta (api-version < 1.4 shapes). */
  status?: ProjectStatus;
  /** `meta.api-version` / `pypi:repository-version`. */
  apiVersion: string;
  /** `meta._last-serial`, `X-PyPI-Last-Serial`, JSON API `last_serial`, HTML `<!--SERIAL n-->`. */
  lastSerial?: number;
  /** PEP 700 `versions`; undefined → key omitted (api 1.0 shapes). */
  versions?: string[];
  files: SimpleFile[];
  /** PEP 708 `alternate-locations`; undefined → key omitted (api 1.0 shapes). */
  alternateLocations?: string[];
  jsonApi?: {
    /** Seed for synthesized `info` (summary, classifiers, project_urls, description, …). */
    info?: Partial<JsonApiInfo>;
    /** Captured `info` per version (from captured release documents). */
    infoByVersion?: Record<string, JsonApiInfo>;
    /** Captured JSON API file entries by filename (reused when synthesizing). */
    fileEntries?: Record<string, JsonApiFile>;
    /** Explicit project document; null → 404 (e.g. a project without releases). */
    project?: JsonApiDocument | null;
    /** Explicit release documents by version. */
    releases?: Record<string, JsonApiDocument>;
    /** Vulnerabilities per version, for synthesized documents. */
    vulnerabilities?: Record<string, Vulnerability[]>;
    ownership?: JsonValue;
  };
  /** Captured bytes served as-is. Dropped by the `with*` helpers because they go stale. */
  raw?: RawPayloads;
  /** Where the data came from (corpus files, what was synthesized). */
  source: string;
}

// ---------------------------------------------------------------------------
// Names and versions
// ---------------------------------------------------------------------------

/** PEP 503 normalization. */
export function normalizeName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/** PEP 508 project name (the form `unknownProjects: 'generate'` accepts). */
export function isValidProjectName(name: string): boolean {
  return /^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i.test(name);
}

interface ParsedVersion {
  epoch: number;
  release: number[];
  pre?: [string, number];
  post?: number;
  dev?: number;
  local?: (string | number)[];
}

const VERSION_RE =
  /^\s*v?(?:(?:(\d+)!)?(\d+(?:\.\d+)*)([-_.]?(alpha|a|beta|b|preview|pre|c|rc)[-_.]?(\d+)?)?((?:-(\d+))|(?:[-_.]?(post|rev|r)[-_.]?(\d+)?))?([-_.]?(dev)[-_.]?(\d+)?)?)(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$/i;

/** PEP 440 parse; undefined for versions packaging would reject (legacy versions). */
export function parseVersion(version: string): ParsedVersion | undefined {
  const m = VERSION_RE.exec(version);
  if (!m) return undefined;
  const parsed: ParsedVersion = {
    epoch: m[1] ? Number(m[1]) : 0,
    release: m[2]!.split('.').map(Number),
  };
  if (m[4]) {
    const l = m[4].toLowerCase();
    const letter = l === 'alpha' ? 'a' : l === 'beta' ? 'b' : ['c', 'pre', 'preview'].includes(l) ? 'rc' : l;
    parsed.pre = [letter, m[5] ? Number(m[5]) : 0];
  }
  if (m[6]) parsed.post = Number(m[7] ?? m[9] ?? 0);
  if (m[10]) parsed.dev = m[12] ? Number(m[12]) : 0;
  if (m[13])
    parsed.local = m[13]
      .toLowerCase()
      .split(/[-_.]/)
      .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  return parsed;
}

/** packaging.utils.canonicalize_version (trailing zeros stripped); invalid versions unchanged. */
export function canonicalizeVersion(version: string): string {
  const v = parseVersion(version);
  if (!v) return version;
  const release = [...v.release];
  while (release.length > 1 && release[release.length - 1] === 0) release.pop();
  let out = (v.epoch ? `${v.epoch}!` : '') + release.join('.');
  if (v.pre) out += `${v.pre[0]}${v.pre[1]}`;
  if (v.post !== undefined) out += `.post${v.post}`;
  if (v.dev !== undefined) out += `.dev${v.dev}`;
  if (v.local) out += `+${v.local.join('.')}`;
  return out;
}

export function isPrerelease(version: string): boolean {
  const v = parseVersion(version);
  return v !== undefined && (v.pre !== undefined || v.dev !== undefined);
}

function cmpNum(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** PEP 440 ordering (packaging's _cmpkey); legacy (invalid) versions sort first, by string. */
export function compareVersions(a: string, b: string): number {
  const va = parseVersion(a);
  const vb = parseVersion(b);
  if (!va || !vb) {
    if (va) return 1;
    if (vb) return -1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (va.epoch !== vb.epoch) return cmpNum(va.epoch, vb.epoch);
  const ra = [...va.release];
  const rb = [...vb.release];
  while (ra.length > 1 && ra[ra.length - 1] === 0) ra.pop();
  while (rb.length > 1 && rb[rb.length - 1] === 0) rb.pop();
  for (let i = 0; i < Math.max(ra.length, rb.length); i++) {
    const c = cmpNum(ra[i] ?? -1, rb[i] ?? -1);
    if (c) return c;
  }
  // pre: dev-only releases sort before pre-releases, final releases after.
  const preKey = (v: ParsedVersion): [number, number] => {
    if (!v.pre && v.post === undefined && v.dev !== undefined) return [-Infinity, 0];
    if (!v.pre) return [Infinity, 0];
    return [['a', 'b', 'rc'].indexOf(v.pre[0]), v.pre[1]];
  };
  const pa = preKey(va);
  const pb = preKey(vb);
  const cp = cmpNum(pa[0], pb[0]) || cmpNum(pa[1], pb[1]);
  if (cp) return cp;
  const cpost = cmpNum(va.post ?? -Infinity, vb.post ?? -Infinity);
  if (cpost) return cpost;
  const cdev = cmpNum(va.dev ?? Infinity, vb.dev ?? Infinity);
  if (cdev) return cdev;
  const la = va.local;
  const lb = vb.local;
  if (!la || !lb) return la ? 1 : lb ? -1 : 0;
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    const x = la[i];
    const y = lb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (typeof x !== typeof y) return typeof x === 'number' ? 1 : -1;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

const DIST_EXT = /\.(tar\.gz|tar\.bz2|tar\.xz|tar\.Z|tgz|tbz|zip|tar|whl|egg|exe|msi|rpm|dmg|deb)$/i;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface VersionIndex {
  exact: Set<string>;
  byCanonical: Map<string, string>;
  longestFirst: { version: string; re: RegExp }[];
}

const versionIndexes = new WeakMap<readonly string[], VersionIndex>();

function versionIndex(versions: readonly string[]): VersionIndex {
  let index = versionIndexes.get(versions);
  if (!index) {
    const byCanonical = new Map<string, string>();
    for (const v of versions) if (!byCanonical.has(canonicalizeVersion(v))) byCanonical.set(canonicalizeVersion(v), v);
    index = {
      exact: new Set(versions),
      byCanonical,
      longestFirst: [...versions]
        .sort((a, b) => b.length - a.length)
        .map((version) => ({ version, re: new RegExp(`-${escapeRegExp(version)}(?=$|[-.+_])`, 'i') })),
    };
    versionIndexes.set(versions, index);
  }
  return index;
}

/** Which of `versions` a distribution filename belongs to (undefined if none). */
export function versionOfFile(filename: string, versions: readonly string[]): string | undefined {
  const index = versionIndex(versions);
  const stem = filename.replace(DIST_EXT, '');
  const tokens = stem.split('-');
  // Wheels/eggs/sdists: the version is one dash-separated token (or a run of them) after the name.
  for (let start = 1; start < tokens.length; start++) {
    for (let end = start + 1; end <= tokens.length; end++) {
      const cand = tokens.slice(start, end).join('-');
      if (index.exact.has(cand)) return cand;
      if (!parseVersion(cand)) continue;
      const canon = index.byCanonical.get(canonicalizeVersion(cand));
      if (canon !== undefined) return canon;
    }
  }
  // bdist_dumb / bdist_wininst names (`luigi-2.0.0.linux-x86_64.tar.gz`, `x-2.6.1.win32-py2.7.exe`).
  for (const { version, re } of index.longestFirst) if (re.test(stem)) return version;
  return undefined;
}

// ---------------------------------------------------------------------------
// Serialization exactly like PyPI (Python json.dumps(sort_keys=True, separators=(",", ":")))
// ---------------------------------------------------------------------------

const PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

function jsonString(s: string): string {
  // JSON.stringify escapes quotes, backslashes and control characters like Python does.
  return PLAIN_ASCII.test(s) ? `"${s}"` : JSON.stringify(s);
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function pyJsonInner(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return jsonString(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : pyJsonInner(v))).join(',')}]`;
      const obj = value as Record<string, unknown>;
      // Sorted explicitly: JS objects put integer-like keys (a release "2") first.
      const keys = Object.keys(obj)
        .filter((k) => obj[k] !== undefined)
        .sort(compareKeys);
      return `{${keys.map((k) => `${jsonString(k)}:${pyJsonInner(obj[k])}`).join(',')}}`;
    }
    default:
      return 'null';
  }
}

/** Compact, key-sorted, ASCII-only JSON — the bytes PyPI serves. Undefined members are dropped. */
export function pyJson(value: unknown): string {
  // ensure_ascii: every non-ASCII UTF-16 unit becomes \uXXXX (surrogate pairs stay pairs).
  return pyJsonInner(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** markupsafe.escape, as Jinja autoescape applies it. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;');
}

// ---------------------------------------------------------------------------
// Renderers of the four views
// ---------------------------------------------------------------------------

export function simpleJsonDocument(def: ProjectDefinition): JsonObject {
  const meta: JsonObject = { 'api-version': def.apiVersion };
  if (def.lastSerial !== undefined) meta['_last-serial'] = def.lastSerial;
  const doc: Record<string, unknown> = {
    files: def.files,
    meta,
    name: normalizeName(def.name),
  };
  if (def.alternateLocations) doc['alternate-locations'] = def.alternateLocations;
  if (def.versions) doc.versions = def.versions;
  if (def.status) {
    const ps: JsonObject = { status: def.status.status };
    if (def.status.reason !== undefined) ps.reason = def.status.reason;
    doc['project-status'] = ps;
  }
  return doc as JsonObject;
}

/** PEP 691 JSON body (`application/vnd.pypi.simple.v1+json`). */
export function renderSimpleJson(def: ProjectDefinition): string {
  return pyJson(simpleJsonDocument(def));
}

function metadataAttr(value: SimpleFile['core-metadata']): string | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return 'true';
  return `sha256=${value.sha256}`;
}

/**
 * PEP 503 HTML body, rendered as PyPI's detail.html template renders it. The
 * `pypi:project-status-reason` meta (PEP 792) is not in PyPI's template yet (PyPI does
 * not expose reasons); it is emitted right after the status meta, on the same line.
 */
export function renderSimpleHtml(def: ProjectDefinition): string {
  const name = escapeHtml(normalizeName(def.name));
  let out = '<!DOCTYPE html>\n<html lang="en">\n  <head>\n' + `    <meta name="pypi:repository-version" content="${escapeHtml(def.apiVersion)}">\n`;
  if (def.status) {
    out += `<meta name="pypi:project-status" content="${escapeHtml(def.status.status)}">`;
    if (def.status.reason !== undefined) {
      out += `<meta name="pypi:project-status-reason" content="${escapeHtml(def.status.reason)}">`;
    }
  }
  out += `    <title>Links for ${name}</title>\n  </head>\n  <body>\n    <h1>Links for ${name}</h1>\n`;
  for (const f of def.files) {
    // PyPI always has sha256; other hash names only occur in old synthesized data.
    const hashName = f.hashes.sha256 !== undefined ? 'sha256' : Object.keys(f.hashes)[0];
    const fragment = hashName !== undefined ? `#${hashName}=${escapeHtml(f.hashes[hashName] ?? '')}` : '';
    let a = `<a href="${escapeHtml(f.url)}${fragment}" `;
    if (f['requires-python']) a += `data-requires-python="${escapeHtml(f['requires-python'])}" `;
    if (f.yanked) a += `data-yanked="${typeof f.yanked === 'string' ? escapeHtml(f.yanked) : ''}" `;
    const md = metadataAttr(f['core-metadata']);
    if (md !== undefined) a += `data-dist-info-metadata="${md}" data-core-metadata="${md}"`;
    if (f.provenance) a += ` data-provenance="${escapeHtml(f.provenance)}"`;
    out += `${a}>${escapeHtml(f.filename)}</a><br />\n`;
  }
  out += `</body>\n</html>\n<!--SERIAL ${def.lastSerial ?? 0}-->`;
  return out;
}

function isQuarantined(def: ProjectDefinition): boolean {
  return def.status?.status === 'quarantined';
}

/** Versions of the project: `versions` when given, otherwise those its files belong to. */
export function projectVersions(def: ProjectDefinition): string[] {
  if (def.versions) return def.versions;
  const fromJson = def.jsonApi?.project?.releases;
  if (fromJson) return Object.keys(fromJson).sort(compareVersions);
  const set = new Set<string>();
  for (const f of def.files) {
    const v = inferVersionFromFilename(f.filename);
    if (v) set.add(v);
  }
  return [...set].sort(compareVersions);
}

function inferVersionFromFilename(filename: string): string | undefined {
  const tokens = filename.replace(DIST_EXT, '').split('-');
  for (let i = 1; i < tokens.length; i++) if (parseVersion(tokens[i]!)) return tokens[i];
  return undefined;
}

const filesByVersionCache = new WeakMap<ProjectDefinition, Map<string, SimpleFile[]>>();

/**
 * Files of each version (simple-API entries), keyed by the version string in `versions`.
 * Memoized per definition object: treat definitions as immutable (the with* helpers copy).
 */
export function filesByVersion(def: ProjectDefinition): Map<string, SimpleFile[]> {
  const cached = filesByVersionCache.get(def);
  if (cached) return cached;
  const map = computeFilesByVersion(def);
  filesByVersionCache.set(def, map);
  return map;
}

function computeFilesByVersion(def: ProjectDefinition): Map<string, SimpleFile[]> {
  const versions = projectVersions(def);
  const map = new Map<string, SimpleFile[]>(versions.map((v) => [v, []]));
  for (const f of def.files) {
    const v = versionOfFile(f.filename, versions);
    if (v !== undefined) map.get(v)!.push(f);
  }
  return map;
}

/** Release-level yanked state as the JSON API reports it: yanked iff every file is yanked. */
function releaseYanked(files: SimpleFile[]): { yanked: boolean; reason: string | null } {
  if (files.length === 0 || !files.every((f) => f.yanked)) return { yanked: false, reason: null };
  const reason = files.map((f) => f.yanked).find((y): y is string => typeof y === 'string');
  return { yanked: true, reason: reason ?? null };
}

function packageType(filename: string): string {
  const f = filename.toLowerCase();
  if (f.endsWith('.whl')) return 'bdist_wheel';
  if (f.endsWith('.egg')) return 'bdist_egg';
  if (f.endsWith('.exe')) return 'bdist_wininst';
  if (f.endsWith('.msi')) return 'bdist_msi';
  if (f.endsWith('.rpm')) return 'bdist_rpm';
  if (f.endsWith('.dmg')) return 'bdist_dmg';
  if (/\.(linux|macosx|win)[^-]*-/.test(f)) return 'bdist_dumb';
  return 'sdist';
}

function pythonVersion(filename: string, type: string): string {
  if (type === 'sdist') return 'source';
  const stem = filename.replace(DIST_EXT, '');
  if (type === 'bdist_wheel') return stem.split('-').at(-3) ?? 'py3';
  const py = /py(\d\.\d+)/.exec(stem);
  return py ? py[1]! : 'any';
}

/**
 * JSON API file entry for a simple-API file: the captured entry when one exists,
 * otherwise synthesized in the shape of docs/warehouse__docs__user__api__json.md.
 * blake2b_256 is recovered from the files.pythonhosted.org path (PyPI derives that
 * path from it); md5 is not in the simple API and is a stand-in (md5 of the sha256).
 */
function jsonApiFile(def: ProjectDefinition, f: SimpleFile, releaseYank: { yanked: boolean; reason: string | null }): JsonApiFile {
  const captured = def.jsonApi?.fileEntries?.[f.filename];
  if (captured) return captured;
  const type = packageType(f.filename);
  const pathMatch = /\/packages\/([0-9a-f]{2})\/([0-9a-f]{2})\/([0-9a-f]{60})\//.exec(f.url);
  const sha256 = f.hashes.sha256 ?? '';
  const md5 =
    f.hashes.md5 ??
    createHash('md5')
      .update(sha256 || f.filename)
      .digest('hex');
  const digests: JsonApiFile['digests'] = { md5 };
  if (pathMatch) digests.blake2b_256 = pathMatch[1]! + pathMatch[2]! + pathMatch[3]!;
  if (sha256) digests.sha256 = sha256;
  const iso = f['upload-time'] ?? '1970-01-01T00:00:00Z';
  const core = f['core-metadata'];
  return {
    comment_text: '',
    'core-metadata': core && core !== true ? core : false,
    digests,
    downloads: -1,
    filename: f.filename,
    has_sig: false,
    md5_digest: md5,
    packagetype: type,
    python_version: pythonVersion(f.filename, type),
    requires_python: f['requires-python'] || null,
    size: f.size ?? 0,
    upload_time: iso.slice(0, 19),
    upload_time_iso_8601: iso,
    url: f.url,
    // Per file, like the simple view (on PyPI a yank is per release, so they coincide).
    yanked: Boolean(f.yanked),
    yanked_reason: typeof f.yanked === 'string' ? f.yanked : f.yanked ? releaseYank.reason : null,
  };
}

/** Latest release as PyPI picks it: non-yanked first, then final before pre-release, then highest. */
export function latestVersion(def: ProjectDefinition): string | undefined {
  const byVersion = filesByVersion(def);
  const versions = [...byVersion.keys()];
  const key = (v: string): [number, number] => [releaseYanked(byVersion.get(v)!).yanked ? 1 : 0, isPrerelease(v) ? 1 : 0];
  return versions.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka[0] - kb[0] || ka[1] - kb[1] || compareVersions(b, a);
  })[0];
}

function synthesizeInfo(def: ProjectDefinition, version: string, files: SimpleFile[]): JsonApiInfo {
  const captured = def.jsonApi?.infoByVersion?.[version];
  const yank = releaseYanked(files);
  const requiresPython = files.find((f) => f['requires-python'])?.['requires-python'] ?? null;
  const seed = def.jsonApi?.info ?? {};
  // Key set of a modern capture (json-api/dependabot__pypi_response_luigi.json, poetry__release__*.json).
  const base: JsonApiInfo = {
    author: null,
    author_email: null,
    bugtrack_url: null,
    classifiers: [],
    description: null,
    description_content_type: null,
    docs_url: null,
    download_url: null,
    downloads: { last_day: -1, last_month: -1, last_week: -1 },
    dynamic: null,
    home_page: null,
    keywords: null,
    license: null,
    license_expression: null,
    license_files: null,
    maintainer: null,
    maintainer_email: null,
    name: def.name,
    package_url: `https://pypi.org/project/${def.name}/`,
    platform: null,
    project_url: `https://pypi.org/project/${def.name}/`,
    project_urls: null,
    provides_extra: null,
    release_url: `https://pypi.org/project/${def.name}/${version}/`,
    requires_dist: null,
    requires_python: requiresPython,
    summary: null,
    version,
    yanked: yank.yanked,
    yanked_reason: yank.reason,
  };
  const info: JsonApiInfo = { ...base, ...(captured ?? seed) };
  // Fields that are per release always follow the release, whatever the seed said.
  info.name = def.name;
  info.version = version;
  info.release_url = `https://pypi.org/project/${def.name}/${version}/`;
  info.yanked = yank.yanked;
  info.yanked_reason = yank.reason;
  if (!captured) info.requires_python = requiresPython;
  return info;
}

function synthesizeDocument(def: ProjectDefinition, version: string, withReleases: boolean): JsonApiDocument {
  const byVersion = filesByVersion(def);
  const toEntries = (files: SimpleFile[]): JsonApiFile[] => {
    const yank = releaseYanked(files);
    // Warehouse orders a release's files by filename.
    return [...files].sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0)).map((f) => jsonApiFile(def, f, yank));
  };
  const files = byVersion.get(version) ?? [];
  const doc: JsonApiDocument = {
    info: synthesizeInfo(def, version, files),
    last_serial: def.lastSerial ?? 0,
    urls: toEntries(files),
    vulnerabilities: def.jsonApi?.vulnerabilities?.[version] ?? [],
    ownership: def.jsonApi?.ownership ?? { organization: null, roles: [] },
  };
  if (withReleases) {
    const releases: Record<string, JsonApiFile[]> = {};
    for (const [v, fs] of byVersion) releases[v] = toEntries(fs);
    doc.releases = releases;
  }
  return doc;
}

/** `/pypi/<name>/json` document, or undefined for a 404 (quarantined, no releases). */
export function jsonApiProjectDocument(def: ProjectDefinition): JsonApiDocument | undefined {
  if (isQuarantined(def)) return undefined;
  const explicit = def.jsonApi?.project;
  if (explicit !== undefined) return explicit ?? undefined;
  const latest = latestVersion(def);
  return latest === undefined ? undefined : synthesizeDocument(def, latest, true);
}

/** The exact version string a `/pypi/<name>/<version>/json` request designates (canonical match). */
export function resolveReleaseVersion(def: ProjectDefinition, requested: string): string | undefined {
  const known = new Set<string>([...projectVersions(def), ...Object.keys(def.jsonApi?.releases ?? {})]);
  const explicitProject = def.jsonApi?.project;
  if (explicitProject?.releases) for (const v of Object.keys(explicitProject.releases)) known.add(v);
  const canonical = canonicalizeVersion(requested);
  const matches = [...known].filter((v) => canonicalizeVersion(v) === canonical);
  if (matches.length === 1) return matches[0];
  return matches.find((v) => v === requested);
}

/** `/pypi/<name>/<version>/json` document, or undefined for a 404. */
export function jsonApiReleaseDocument(def: ProjectDefinition, requested: string): JsonApiDocument | undefined {
  if (isQuarantined(def)) return undefined;
  const version = resolveReleaseVersion(def, requested);
  if (version === undefined) return undefined;
  const explicit = def.jsonApi?.releases?.[version];
  if (explicit) return explicit;
  const project = def.jsonApi?.project;
  if (project?.releases) {
    // Derived from a captured project document: same info (with per-release fields
    // updated), that release's files, no `releases` key.
    const urls = project.releases[version] ?? [];
    const yanked = urls.length > 0 && urls.every((u) => u.yanked === true);
    const info: JsonApiInfo = { ...project.info, version, release_url: `https://pypi.org/project/${project.info.name}/${version}/` };
    if ('yanked' in project.info) {
      info.yanked = yanked;
      info.yanked_reason = yanked ? (urls.find((u) => u.yanked_reason)?.yanked_reason ?? null) : null;
    }
    const doc: JsonApiDocument = { ...project, info, urls };
    delete doc.releases;
    if ('vulnerabilities' in project && version !== project.info.version) doc.vulnerabilities = [];
    return doc;
  }
  return synthesizeDocument(def, version, false);
}

// ---------------------------------------------------------------------------
// Building definitions
// ---------------------------------------------------------------------------

interface SimpleCaptureDoc {
  'alternate-locations'?: string[];
  files: SimpleFile[];
  meta: { '_last-serial'?: number; 'api-version': string };
  name: string;
  'project-status'?: ProjectStatus;
  versions?: string[];
}

function fromSimpleDoc(doc: SimpleCaptureDoc, source: string, displayName?: string): ProjectDefinition {
  const def: ProjectDefinition = {
    name: displayName ?? doc.name,
    apiVersion: doc.meta['api-version'],
    files: doc.files,
    source,
  };
  if (doc['project-status']) def.status = doc['project-status'];
  if (doc.meta['_last-serial'] !== undefined) def.lastSerial = doc.meta['_last-serial'];
  if (doc.versions) def.versions = doc.versions;
  if (doc['alternate-locations']) def.alternateLocations = doc['alternate-locations'];
  return def;
}

/** Simple-API file for a JSON API file entry (Warehouse's _simple_detail, inverted). */
function simpleFileFromJsonApi(u: JsonApiFile): SimpleFile {
  const hashes: Record<string, string> = {};
  if (u.digests?.sha256) hashes.sha256 = u.digests.sha256;
  else if (u.md5_digest) hashes.md5 = u.md5_digest; // pre-2017 capture without sha256
  const core = u['core-metadata'] ?? false;
  let uploadTime = u.upload_time_iso_8601;
  if (!uploadTime && u.upload_time) uploadTime = `${u.upload_time}Z`;
  const f: SimpleFile = {
    'core-metadata': core,
    'data-dist-info-metadata': core,
    filename: u.filename,
    hashes,
    provenance: null,
    'requires-python': u.requires_python || null,
    size: u.size ?? 0,
    'upload-time': uploadTime ?? '1970-01-01T00:00:00Z',
    url: u.url,
    yanked: u.yanked ? u.yanked_reason || true : false,
  };
  return f;
}

/** Simple-API view of a captured JSON API project document (versions = releases with files). */
function simpleFromJsonApi(
  doc: JsonApiDocument,
  status: ProjectStatus = { status: 'active' },
): Pick<ProjectDefinition, 'files' | 'versions' | 'lastSerial' | 'status' | 'apiVersion' | 'alternateLocations'> {
  const releases = doc.releases ?? { [doc.info.version]: doc.urls };
  const versions = Object.keys(releases)
    .filter((v) => releases[v]!.length > 0)
    .sort(compareVersions);
  const files: SimpleFile[] = [];
  for (const v of versions) {
    const entries = [...releases[v]!].sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
    files.push(...entries.map(simpleFileFromJsonApi));
  }
  return {
    apiVersion: '1.4',
    lastSerial: doc.last_serial ?? serialFor(doc.info.name),
    versions,
    files,
    alternateLocations: [],
    status,
  };
}

/** Deterministic stand-in serial for projects whose captures carry none. */
function serialFor(name: string): number {
  return 20_000_000 + (createHash('sha256').update(`serial:${name}`).digest().readUInt32BE(0) % 10_000_000);
}

function stripArchaicInfo(info: JsonObject): Partial<JsonApiInfo> {
  // Pre-Warehouse keys (json-api/dependabot__pypi_response_description_source.json) and the
  // per-release keys that synthesizeInfo recomputes.
  const drop = new Set([
    '_pypi_hidden',
    '_pypi_ordering',
    'cheesecake_code_kwalitee_id',
    'cheesecake_documentation_id',
    'cheesecake_installability_id',
    'downloads',
    'package_url',
    'project_url',
    'release_url',
    'version',
    'yanked',
    'yanked_reason',
    'requires_python',
  ]);
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(info)) if (!drop.has(k)) out[k] = v;
  return out;
}

interface ReleaseCapture {
  file: string;
  version: string;
}

/** Attach captured release documents: served byte-identically, their info/file entries reused. */
function attachReleaseCaptures(def: ProjectDefinition, captures: ReleaseCapture[]): void {
  def.jsonApi ??= {};
  def.raw ??= {};
  def.raw.releaseJson ??= {};
  def.jsonApi.infoByVersion ??= {};
  def.jsonApi.fileEntries ??= {};
  def.jsonApi.releases ??= {};
  for (const c of captures) {
    const bytes = readCorpus(c.file);
    const doc = JSON.parse(bytes.toString('utf8')) as JsonApiDocument;
    def.raw.releaseJson[c.version] = bytes;
    def.jsonApi.releases[c.version] = doc;
    def.jsonApi.infoByVersion[c.version] = doc.info;
    for (const u of doc.urls) def.jsonApi.fileEntries[u.filename] = u;
    if (doc.vulnerabilities && doc.vulnerabilities.length > 0) {
      def.jsonApi.vulnerabilities ??= {};
      def.jsonApi.vulnerabilities[c.version] = doc.vulnerabilities;
    }
    if (doc.ownership !== undefined && def.jsonApi.ownership === undefined) def.jsonApi.ownership = doc.ownership;
    if (!def.jsonApi.info) def.jsonApi.info = stripArchaicInfo(doc.info as unknown as JsonObject);
  }
}

interface SimpleCaptureOptions {
  simpleJson: string;
  simpleHtml?: string;
  releases?: ReleaseCapture[];
  /** Corpus JSON API document whose `info` seeds synthesized documents (stale fields dropped). */
  infoSeedFile?: string;
  displayName?: string;
  /** Serve the simple JSON bytes unmodified (default true). */
  rawJson?: boolean;
}

function loadSimpleCapture(o: SimpleCaptureOptions, source: string): ProjectDefinition {
  const jsonBytes = readCorpus(o.simpleJson);
  const def = fromSimpleDoc(JSON.parse(jsonBytes.toString('utf8')) as SimpleCaptureDoc, source, o.displayName);
  def.raw = {};
  if (o.rawJson !== false) def.raw.simpleJson = jsonBytes;
  if (o.simpleHtml) def.raw.simpleHtml = readCorpus(o.simpleHtml);
  if (o.infoSeedFile) {
    const seed = readCorpusJson<JsonApiDocument>(o.infoSeedFile);
    def.jsonApi = { info: stripArchaicInfo(seed.info as unknown as JsonObject) };
  }
  if (o.releases) attachReleaseCaptures(def, o.releases);
  return def;
}

function loadJsonApiProjectCapture(file: string, source: string): ProjectDefinition {
  const bytes = readCorpus(file);
  const doc = JSON.parse(bytes.toString('utf8')) as JsonApiDocument;
  const def: ProjectDefinition = {
    name: doc.info.name,
    ...simpleFromJsonApi(doc),
    jsonApi: { project: doc },
    raw: { projectJson: bytes },
    source,
  };
  return def;
}

/** A project known only from one captured release document (pycrypto, snowchange). */
function loadReleaseOnlyCapture(file: string, source: string): ProjectDefinition {
  const doc = readCorpusJson<JsonApiDocument>(file);
  const def: ProjectDefinition = {
    name: doc.info.name,
    ...simpleFromJsonApi(doc),
    source,
  };
  attachReleaseCaptures(def, [{ file, version: doc.info.version }]);
  return def;
}

// ---------------------------------------------------------------------------
// Synthetic projects (status variants, generated names)
// ---------------------------------------------------------------------------

function hashHex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

function hashInt(s: string, mod: number): number {
  return createHash('sha256').update(s).digest().readUInt32BE(0) % mod;
}

function isoAt(ms: number, seed: string): string {
  const d = new Date(ms).toISOString().slice(0, 19);
  return `${d}.${String(hashInt(`us:${seed}`, 1_000_000)).padStart(6, '0')}Z`;
}

export interface ProjectSpec {
  name: string;
  status?: ProjectStatusValue;
  reason?: string;
  /** Default: a plausible list derived from the name (3–32 versions). */
  versions?: string[];
  /** version → true or reason. */
  yanked?: Record<string, true | string>;
  /** requires-python of every file; default `>=3.8` for newer releases, none for old ones. */
  requiresPython?: string | null;
  summary?: string | null;
  classifiers?: string[];
  projectUrls?: Record<string, string> | null;
  description?: string | null;
  vulnerabilities?: Record<string, Vulnerability[]>;
  lastSerial?: number;
  /** Omit wheels (sdist only). */
  sdistOnly?: boolean;
  source?: string;
}

function plausibleVersions(name: string): string[] {
  const count = 3 + hashInt(`count:${name}`, 30);
  let major = hashInt(`major:${name}`, 3);
  let minor = hashInt(`minor:${name}`, 5);
  let patch = 0;
  const out = [`${major}.${minor}.${patch}`];
  for (let i = 1; i < count; i++) {
    const r = hashInt(`step:${name}:${i}`, 100);
    if (r < 60) patch++;
    else if (r < 90) {
      minor++;
      patch = 0;
    } else {
      major++;
      minor = 0;
      patch = 0;
    }
    out.push(`${major}.${minor}.${patch}`);
  }
  return out;
}

/**
 * A complete project in the shape of a real capture (simple-json/six.pypi.simple.v1.json:
 * an sdist per release plus a wheel, sha256 hashes, files.pythonhosted.org paths derived
 * from a blake2b-like digest, size, upload-time, core-metadata on wheels). Hashes and
 * sizes are deterministic stand-ins derived from the name.
 */
export function makeProject(spec: ProjectSpec): ProjectDefinition {
  const normalized = normalizeName(spec.name);
  const versions = (spec.versions ?? plausibleVersions(normalized)).slice().sort(compareVersions);
  const underscore = normalized.replace(/-/g, '_');
  const start = Date.UTC(2012, 0, 1) + hashInt(`start:${normalized}`, 8 * 365) * 86_400_000;
  const end = Date.UTC(2026, 3, 30);
  const step = Math.max(86_400_000, Math.floor((end - start) / Math.max(1, versions.length)));
  const files: SimpleFile[] = [];
  versions.forEach((version, i) => {
    const uploaded = start + i * step + hashInt(`jitter:${normalized}:${version}`, Math.max(1, Math.floor(step / 2)));
    const modern = uploaded > Date.UTC(2019, 0, 1);
    const requiresPython = spec.requiresPython !== undefined ? spec.requiresPython : modern ? '>=3.8' : null;
    const yanked: Yanked = spec.yanked?.[version] ?? false;
    const names = spec.sdistOnly
      ? [`${modern ? underscore : normalized}-${version}.tar.gz`]
      : [`${underscore}-${version}-${modern ? 'py3' : 'py2.py3'}-none-any.whl`, `${modern ? underscore : normalized}-${version}.tar.gz`];
    names.forEach((filename, j) => {
      const blake = hashHex(`blake2b:${filename}`);
      const isWheel = filename.endsWith('.whl');
      const core: SimpleFile['core-metadata'] = isWheel ? { sha256: hashHex(`metadata:${filename}`) } : false;
      files.push({
        'core-metadata': core,
        'data-dist-info-metadata': core,
        filename,
        hashes: { sha256: hashHex(`sha256:${filename}`) },
        provenance: null,
        'requires-python': requiresPython,
        size: (isWheel ? 9_000 : 14_000) + hashInt(`size:${filename}`, 120_000),
        'upload-time': isoAt(uploaded + j * 2_000, filename),
        url: `https://files.pythonhosted.org/packages/${blake.slice(0, 2)}/${blake.slice(2, 4)}/${blake.slice(4, 64)}/${filename}`,
        yanked,
      });
    });
  });
  // Warehouse sorts files by (version, filename).
  files.sort((a, b) => {
    const c = compareVersions(versionOfFile(a.filename, versions) ?? '', versionOfFile(b.filename, versions) ?? '');
    return c || (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0);
  });
  const status: ProjectStatus = { status: spec.status ?? 'active' };
  if (spec.reason !== undefined) status.reason = spec.reason;
  const quarantined = status.status === 'quarantined';
  const info: Partial<JsonApiInfo> = {};
  if (spec.summary !== undefined) info.summary = spec.summary;
  if (spec.classifiers) info.classifiers = spec.classifiers;
  if (spec.projectUrls !== undefined) info.project_urls = spec.projectUrls;
  if (spec.description !== undefined) info.description = spec.description;
  const def: ProjectDefinition = {
    name: spec.name,
    status,
    apiVersion: '1.4',
    lastSerial: spec.lastSerial ?? serialFor(normalized),
    // Quarantined projects expose no files (Warehouse filters them out of _simple_detail).
    versions: quarantined ? [] : versions,
    files: quarantined ? [] : files,
    alternateLocations: [],
    jsonApi: { info },
    source: spec.source ?? `synthesized by makeProject() in the shape of simple-json/six.pypi.simple.v1.json`,
  };
  if (spec.vulnerabilities) def.jsonApi!.vulnerabilities = spec.vulnerabilities;
  return def;
}

// ---------------------------------------------------------------------------
// Helpers for run-time changes (IndexServer.setProject)
// ---------------------------------------------------------------------------

function cloneDefinition(def: ProjectDefinition): ProjectDefinition {
  const copy: ProjectDefinition = { ...def, files: def.files.map((f) => ({ ...f })) };
  if (def.versions) copy.versions = [...def.versions];
  if (def.jsonApi) copy.jsonApi = { ...def.jsonApi };
  delete copy.raw;
  return copy;
}

/**
 * Same project with another PEP 792 status. Captured bytes are dropped (they would be
 * stale); views are re-rendered. Quarantine hides every file, as PyPI does.
 */
export function withStatus(def: ProjectDefinition, status: ProjectStatusValue, reason?: string): ProjectDefinition {
  const copy = cloneDefinition(def);
  copy.status = reason === undefined ? { status } : { status, reason };
  if (status === 'quarantined') {
    copy.files = [];
    copy.versions = [];
  } else if (def.raw?.projectJson || def.raw?.releaseJson) {
    // JSON API captures stay valid when only the status changes.
    copy.raw = {};
    if (def.raw.projectJson) copy.raw.projectJson = def.raw.projectJson;
    if (def.raw.releaseJson) copy.raw.releaseJson = def.raw.releaseJson;
  }
  copy.lastSerial = (def.lastSerial ?? 0) + 1;
  return copy;
}

/** Same project with one release yanked (true / reason) or un-yanked (false), in every view. */
export function withYanked(def: ProjectDefinition, version: string, yanked: Yanked): ProjectDefinition {
  const copy = cloneDefinition(def);
  const versions = projectVersions(def);
  const target = resolveReleaseVersion(def, version) ?? version;
  copy.files = copy.files.map((f) => (versionOfFile(f.filename, versions) === target ? { ...f, yanked } : f));
  // Captured JSON API documents would disagree now: synthesize instead, keeping their info.
  if (copy.jsonApi) {
    const project = def.jsonApi?.project;
    copy.jsonApi = { ...copy.jsonApi };
    if (project) {
      copy.jsonApi.info ??= stripArchaicInfo(project.info as unknown as JsonObject);
      const entries: Record<string, JsonApiFile> = { ...(copy.jsonApi.fileEntries ?? {}) };
      for (const fs of Object.values(project.releases ?? {})) for (const u of fs) entries[u.filename] = u;
      copy.jsonApi.fileEntries = entries;
      if (project.ownership !== undefined) copy.jsonApi.ownership = project.ownership;
    }
    delete copy.jsonApi.project;
    delete copy.jsonApi.releases;
    if (copy.jsonApi.fileEntries) {
      const reason = typeof yanked === 'string' ? yanked : null;
      const entries: Record<string, JsonApiFile> = {};
      for (const [name, u] of Object.entries(copy.jsonApi.fileEntries)) {
        entries[name] = versionOfFile(name, versions) === target ? { ...u, yanked: yanked !== false, yanked_reason: yanked === false ? null : reason } : u;
      }
      copy.jsonApi.fileEntries = entries;
    }
  }
  copy.lastSerial = (def.lastSerial ?? 0) + 1;
  return copy;
}

// ---------------------------------------------------------------------------
// The catalog
// ---------------------------------------------------------------------------

export interface CatalogEntry {
  /** Normalized name (the /simple/<name>/ path segment). */
  name: string;
  status: ProjectStatusValue | 'none';
  /** Recorded responses backing it (relative to test/data/pypi-responses). */
  files: string[];
  note: string;
  load(): ProjectDefinition;
}

const entries = new Map<string, CatalogEntry>();

function add(entry: Omit<CatalogEntry, 'load'>, load: (source: string) => ProjectDefinition): void {
  const source = `${entry.note} [${entry.files.join(', ')}]`;
  entries.set(entry.name, { ...entry, load: () => load(source) });
}

// --- Real pipenv captures of https://pypi.org/simple/<name>/ (2026-05-12, api 1.4, active) ---
add(
  {
    name: 'six',
    status: 'active',
    files: ['simple-json/six.pypi.simple.v1.json', 'simple-html/six.pypi.simple.html', 'json-api/dependabot__pypi_response_description_source.json'],
    note: 'real simple JSON+HTML (pipenv, 29 versions to 1.17.0); JSON API synthesized from them, info seeded from the 2017 six capture',
  },
  (source) =>
    loadSimpleCapture(
      {
        simpleJson: 'simple-json/six.pypi.simple.v1.json',
        simpleHtml: 'simple-html/six.pypi.simple.html',
        infoSeedFile: 'json-api/dependabot__pypi_response_description_source.json',
      },
      source,
    ),
);
add(
  {
    name: 'tablib',
    status: 'active',
    files: ['simple-json/tablib.pypi.simple.v1.json'],
    note: 'real simple JSON (pipenv); HTML rendered from it; JSON API synthesized',
  },
  (source) => loadSimpleCapture({ simpleJson: 'simple-json/tablib.pypi.simple.v1.json' }, source),
);
add(
  {
    name: 'django',
    status: 'active',
    files: ['simple-json/django.pypi.simple.v1.json', 'simple-html/django.pypi.simple.html'],
    note: 'real simple JSON+HTML (pipenv, 424 versions, yanked 4.2.12/5.0.5 with reason); JSON API synthesized; display name "Django"',
  },
  (source) =>
    loadSimpleCapture(
      { simpleJson: 'simple-json/django.pypi.simple.v1.json', simpleHtml: 'simple-html/django.pypi.simple.html', displayName: 'Django' },
      source,
    ),
);
add(
  {
    name: 'cryptography',
    status: 'active',
    files: ['simple-json/cryptography.pypi.simple.v1.json'],
    note: 'real simple JSON (pipenv, 155 versions, 3496 files, 85 yanked files: 48 with reason, 37 bare); HTML rendered from it (byte for byte the HTML capture, not kept for its size); JSON API synthesized',
  },
  (source) => loadSimpleCapture({ simpleJson: 'simple-json/cryptography.pypi.simple.v1.json' }, source),
);

// --- PEP 792 real captures ---
add(
  {
    name: 'pepy',
    status: 'archived',
    files: ['project-status/uv__pepy.minimized.simple.v1.json', 'project-status/uv__pepy.minimized.simple.html'],
    note: 'real archived project (uv test data minimized from pypi.org, one file 2.1.1); JSON API synthesized',
  },
  (source) =>
    loadSimpleCapture({ simpleJson: 'project-status/uv__pepy.minimized.simple.v1.json', simpleHtml: 'project-status/uv__pepy.minimized.simple.html' }, source),
);
add(
  {
    name: 'pil',
    status: 'archived',
    files: ['project-status/warehouse-issue-19017__pil.simple.v1.json', 'project-status/warehouse-issue-19017__pil.simple.html'],
    note: 'real archived project with zero files/versions (curl output in pypi/warehouse#19017); display name "PIL"; JSON API 404 (no releases, as Warehouse answers)',
  },
  (source) => {
    const def = loadSimpleCapture(
      {
        simpleJson: 'project-status/warehouse-issue-19017__pil.simple.v1.json',
        simpleHtml: 'project-status/warehouse-issue-19017__pil.simple.html',
        displayName: 'PIL',
      },
      source,
    );
    def.jsonApi = { project: null };
    return def;
  },
);

// --- PEP 792 synthetic variants (no real capture exists) ---
add(
  {
    name: 'haunted-project',
    status: 'archived',
    files: ['project-status/uv__html_rs__archived_with_reason.SYNTHETIC.html'],
    note: 'SYNTHETIC archived project WITH a reason (uv "fakeproject" test page: one sdist 1.2.3); files in the six capture shape',
  },
  (source) =>
    makeProject({
      name: 'haunted-project',
      status: 'archived',
      reason: 'This project is haunted. Use newproject instead.',
      versions: ['1.0.0', '1.2.2', '1.2.3'],
      sdistOnly: true,
      summary: 'A project that was archived with a reason',
      lastSerial: 15765070,
      source,
    }),
);
add(
  {
    name: 'deprecated-project',
    status: 'deprecated',
    files: ['project-status/uv__html_rs__deprecated_emoji_reason.SYNTHETIC.html'],
    note: 'SYNTHETIC deprecated project with the non-ASCII (emoji) reason of uv\'s "spookyproject" test page (0.9.9)',
  },
  (source) =>
    makeProject({
      name: 'deprecated-project',
      status: 'deprecated',
      reason: 'This project is haunted 👻.',
      versions: ['0.9.7', '0.9.8', '0.9.9'],
      sdistOnly: true,
      summary: 'A deprecated project',
      lastSerial: 15765070,
      source,
    }),
);
add(
  {
    name: 'unknown-status-project',
    status: 'unknown-status',
    files: ['project-status/uv__html_rs__unknown_status.SYNTHETIC.html'],
    note: 'SYNTHETIC project with a status value outside PEP 792 ("unknown-status"; uv treats it as active)',
  },
  (source) => makeProject({ name: 'unknown-status-project', status: 'unknown-status', versions: ['0.1.0'], sdistOnly: true, lastSerial: 15765070, source }),
);
add(
  {
    name: 'aiocpa',
    status: 'quarantined',
    files: [],
    note: 'SYNTHETIC quarantined project with a reason (status+reason shape from the 2026-08-11 PyPI blog post on the frozen HTML index; quarantined 2024-11-21 per the aiocpa attack analysis post, both in pypi/warehouse docs/blog/posts/); no files, JSON API 404',
  },
  (source) =>
    makeProject({
      name: 'aiocpa',
      status: 'quarantined',
      reason: 'Malware found in releases 0.1.13 and 0.1.14; quarantined by PyPI Security on 2024-11-21.',
      versions: [],
      lastSerial: 26034513,
      source,
    }),
);

// --- Poetry fixtures: real pypi.org data pruned to a few versions (hashes of stubbed files rewritten) ---
interface PoetryProject {
  name: string;
  displayName?: string;
  releases?: string[];
}
const POETRY: PoetryProject[] = [
  { name: 'attrs' },
  { name: 'black', releases: ['19.10b0', '21.11b0'] },
  { name: 'cleo' },
  { name: 'clikit' },
  { name: 'colorama' },
  { name: 'discord-py', displayName: 'discord.py' },
  { name: 'filecache' },
  { name: 'funcsigs' },
  { name: 'futures' },
  { name: 'hbmqtt' },
  { name: 'importlib-metadata', displayName: 'importlib_metadata' },
  { name: 'ipython', releases: ['7.5.0'] },
  { name: 'isodate', releases: ['0.7.0'] },
  { name: 'isort' },
  { name: 'jupyter' },
  { name: 'more-itertools' },
  { name: 'pastel' },
  { name: 'pluggy' },
  { name: 'poetry-core' },
  { name: 'py' },
  { name: 'pylev' },
  { name: 'pytest' },
  { name: 'python-language-server' },
  { name: 'pyyaml', displayName: 'PyYAML' },
  { name: 'requests', releases: ['2.18.4'] },
  { name: 'setuptools', releases: ['67.6.1'] },
  { name: 'sqlalchemy', displayName: 'SQLAlchemy' },
  { name: 'toga', releases: ['0.4.0'] },
  { name: 'tomlkit' },
  { name: 'twisted', displayName: 'Twisted' },
  { name: 'wheel' },
  { name: 'zipp' },
];
for (const p of POETRY) {
  const files = [`simple-json/poetry__${p.name}.json`, ...(p.releases ?? []).map((v) => `json-api/poetry__release__${p.name}-${v}.json`)];
  const yankNote =
    p.name === 'black'
      ? '; 21.11b0 yanked ("Broken regex dependency. Use 21.11b1 instead.")'
      : p.name === 'isodate'
        ? '; 0.7.0 yanked ("fails for py2.7 but is not marked as py3 only.")'
        : '';
  add(
    {
      name: p.name,
      status: 'active',
      files,
      note: `poetry fixture (real data, pruned, pretty-printed by poetry; _last-serial 0)${p.releases ? '; captured release JSON served as-is' : ''}${yankNote}; HTML rendered, other JSON API views synthesized`,
    },
    (source) => {
      const opts: SimpleCaptureOptions = { simpleJson: files[0]! };
      if (p.displayName) opts.displayName = p.displayName;
      if (p.releases) opts.releases = p.releases.map((v) => ({ version: v, file: `json-api/poetry__release__${p.name}-${v}.json` }));
      return loadSimpleCapture(opts, source);
    },
  );
}
add(
  {
    name: 'isort-metadata',
    status: 'none',
    files: ['simple-json/poetry__isort-metadata.json'],
    note: 'poetry MOCKED api-version 1.0 shape: no project-status, no versions, no size/upload-time, "core-metadata": true',
  },
  (source) => loadSimpleCapture({ simpleJson: 'simple-json/poetry__isort-metadata.json' }, source),
);
add(
  {
    name: 'numpy',
    status: 'none',
    files: ['simple-json/renovate__numpy-simple.json'],
    note: 'renovate fixture (trimmed real /simple/numpy/): api-version 1.4 WITHOUT project-status; JSON API synthesized',
  },
  (source) => loadSimpleCapture({ simpleJson: 'simple-json/renovate__numpy-simple.json' }, source),
);
add(
  {
    name: 'yanked-pkg',
    status: 'none',
    files: ['simple-json/SYNTHETIC__yanked-pkg.json'],
    note: 'SYNTHETIC (pipenv) api 1.0: yanked false / true / reason string, files.example.invalid URLs',
  },
  (source) => loadSimpleCapture({ simpleJson: 'simple-json/SYNTHETIC__yanked-pkg.json' }, source),
);
add(
  {
    name: 'missing-hash',
    status: 'none',
    files: ['simple-json/SYNTHETIC__missing-hash.json'],
    note: 'SYNTHETIC (pipenv) api 1.0: a file whose hashes object is {}',
  },
  (source) => loadSimpleCapture({ simpleJson: 'simple-json/SYNTHETIC__missing-hash.json' }, source),
);

// --- JSON API captures (project documents with `releases`): simple views synthesized from them ---
const JSON_API_PROJECTS: { file: string; name: string; note: string }[] = [
  {
    file: 'json-api/dependabot__pypi_response_luigi.json',
    name: 'luigi',
    note: 'real /pypi/luigi/json (3.6.0, 84 releases, 2 without files, vulnerabilities [])',
  },
  { file: 'json-api/dependabot__pypi_response_extras.json', name: 'celery', note: 'real /pypi/celery/json (4.4.0, 150 releases, no vulnerabilities key)' },
  { file: 'json-api/dependabot__pypi_response_pendulum.json', name: 'pendulum', note: 'real /pypi/pendulum/json (2.0.3, 47 releases)' },
  {
    file: 'json-api/dependabot__pypi_response_project_urls_source.json',
    name: 'django-split-settings',
    note: 'real /pypi/django-split-settings/json (1.3.2, 2 releases, modern keys)',
  },
  {
    file: 'json-api/renovate__azure-cli-monitor.json',
    name: 'azure-cli-monitor',
    note: 'real /pypi/azure-cli-monitor/json (0.1.7, 22 releases; only the sdist of 0.1.6 is yanked)',
  },
  {
    file: 'json-api/dependabot__pypi_response_no_source.json',
    name: 'psycopg2',
    note: 'OLD pre-2017 /pypi/psycopg2/json (2.6.2; no sha256 digests — simple view uses md5 hashes; `path` keys, no last_serial)',
  },
];
for (const p of JSON_API_PROJECTS) {
  add({ name: p.name, status: 'active', files: [p.file], note: `${p.note}; served as-is, simple JSON/HTML and release JSON synthesized from it` }, (source) =>
    loadJsonApiProjectCapture(p.file, source),
  );
}

// --- Release-only JSON API captures ---
add(
  {
    name: 'pycrypto',
    status: 'active',
    files: ['json-api/pycrypto-2.6.1.release.json'],
    note: 'VULNERABLE: real /pypi/pycrypto/2.6.1/json with 4 OSV vulnerabilities (fixed_in []), served as-is; simple views and project JSON synthesized from its urls (only 2.6.1 known)',
  },
  (source) => loadReleaseOnlyCapture('json-api/pycrypto-2.6.1.release.json', source),
);
add(
  {
    name: 'snowchange',
    status: 'active',
    files: ['json-api/snowchange-2.8.1.release.json'],
    note: 'INACTIVE: real /pypi/snowchange/2.8.1/json (classifier "Development Status :: 7 - Inactive", renamed to schemachange), served as-is; other views synthesized (only 2.8.1 known)',
  },
  (source) => loadReleaseOnlyCapture('json-api/snowchange-2.8.1.release.json', source),
);

/** Normalized names of every catalog project. */
export function catalogNames(): string[] {
  return [...entries.keys()];
}

export function catalogEntry(name: string): CatalogEntry | undefined {
  return entries.get(normalizeName(name));
}

const loaded = new Map<string, ProjectDefinition>();

/** The catalog definition of a project (loaded from its recorded responses on first use), or undefined. */
export function loadProject(name: string): ProjectDefinition | undefined {
  const key = normalizeName(name);
  const cached = loaded.get(key);
  if (cached) return cached;
  const entry = entries.get(key);
  if (!entry) return undefined;
  const def = entry.load();
  loaded.set(key, def);
  return def;
}

/** Names that stay 404 even with `unknownProjects: 'generate'`. */
export function isReservedMissingName(name: string): boolean {
  return /^(nonexistent|does-not-exist|not-found|no-such)(-|$)/.test(normalizeName(name));
}

/** The project synthesized for an unknown name in `generate` mode (active, plausible versions). */
export function generatedProject(name: string): ProjectDefinition {
  return makeProject({ name: normalizeName(name), source: `generated for unknown name "${name}" in the shape of simple-json/six.pypi.simple.v1.json` });
}

// ---------------------------------------------------------------------------
// PEP 740 provenance (`/integrity/<project>/<version>/<file>/provenance`)
// ---------------------------------------------------------------------------

/**
 * The Trusted Publisher a project's provenance objects name. SYNTHETIC: the recorded object is
 * pypi-attestations' (test/data/pep740/); these projects' own are not recorded, so the served
 * object keeps its attestations and names the project's publishing workflow instead.
 */
const PUBLISHERS: Record<string, JsonObject> = {
  cryptography: { environment: 'publish', kind: 'GitHub', repository: 'pyca/cryptography', workflow: 'pypi-publish.yml' },
};

let recordedProvenance: JsonObject | undefined;

/** Where a provenance URL of a recorded page is served: its path, whatever host the page names. */
export function provenancePath(url: string): string {
  return new URL(url, 'http://index.invalid/').pathname;
}

/**
 * The provenance object of the file whose page entry gives `requestPath` as its provenance URL, in
 * the shape PyPI serves (`{"attestation_bundles": [...], "version": 1}`); undefined when no file has one there.
 */
export function provenanceDocument(def: ProjectDefinition, requestPath: string): string | undefined {
  const file = def.files.find((f) => typeof f.provenance === 'string' && provenancePath(f.provenance) === requestPath);
  if (!file) return undefined;
  recordedProvenance ??= JSON.parse(
    readFileSync(path.join(REPO_ROOT, 'test', 'data', 'pep740', 'pypi_attestations-0.0.19.tar.gz.provenance'), 'utf8'),
  ) as JsonObject;
  const publisher = PUBLISHERS[normalizeName(def.name)];
  if (!publisher) return pyJson(recordedProvenance);
  const bundles = (recordedProvenance.attestation_bundles as JsonObject[]).map((b) => ({ ...b, publisher }));
  return pyJson({ ...recordedProvenance, attestation_bundles: bundles });
}
