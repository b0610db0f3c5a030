/**
 * PEP 740 provenance objects (`/integrity/<project>/<version>/<file>/provenance`), reduced to
 * what a hover says: which Trusted Publisher the attestations name, and how many there are.
 * Nothing is verified here (that takes Sigstore); the index is trusted to have checked them on
 * upload, as PEP 740 has it. The body is untrusted: sizes are bounded and nothing throws.
 */
import { compareVersions, isVersion } from '../pep440.js';
import type { ReleaseFiles } from './model.js';
import { isObject } from './simple.js';

export interface Publisher {
  /** `GitHub`, `GitLab`, `Google`, `ActiveState`, or what a newer index sends. */
  kind: string;
  repository?: string;
  /** GitHub's workflow file name, GitLab's CI file path. */
  workflow?: string;
  environment?: string;
  /** Google Cloud's service account. */
  email?: string;
}

export interface AttestationBundle {
  publisher?: Publisher;
  attestations: number;
  /** The in-toto predicate types the statements declare (e.g. `https://docs.pypi.org/attestations/publish/v1`). */
  predicateTypes: string[];
}

export type ProvenanceResult = { ok: true; bundles: AttestationBundle[] } | { ok: false; message: string };

/** Real provenance objects are about 10 KB per attestation. */
export const MAX_PROVENANCE_BYTES = 1024 * 1024;
const MAX_BUNDLES = 16;
const MAX_ATTESTATIONS = 64;
const MAX_STATEMENT = 64 * 1024;
const MAX_FIELD = 200;

export function decodeProvenance(body: string): ProvenanceResult {
  if (body.length > MAX_PROVENANCE_BYTES) return { ok: false, message: 'the provenance object is larger than 1 MB' };
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return { ok: false, message: 'the index sent malformed JSON for the provenance' };
  }
  if (!isObject(doc) || !Array.isArray(doc.attestation_bundles)) return { ok: false, message: 'the index sent JSON that is not a PEP 740 provenance object' };
  if (doc.version !== undefined && doc.version !== 1)
    return { ok: false, message: `the provenance object has version ${jsonValueText(doc.version).slice(0, 20)}, which this version cannot read` };
  const bundles: AttestationBundle[] = [];
  for (const raw of doc.attestation_bundles.slice(0, MAX_BUNDLES)) {
    if (!isObject(raw)) continue;
    const attestations = Array.isArray(raw.attestations) ? raw.attestations.slice(0, MAX_ATTESTATIONS).filter(isObject) : [];
    const predicateTypes = [...new Set(attestations.map(predicateType).filter((t): t is string => t !== undefined))];
    const bundle: AttestationBundle = { attestations: attestations.length, predicateTypes };
    const publisher = isObject(raw.publisher) ? decodePublisher(raw.publisher) : undefined;
    if (publisher) bundle.publisher = publisher;
    bundles.push(bundle);
  }
  return { ok: true, bundles };
}

function decodePublisher(raw: Record<string, unknown>): Publisher | undefined {
  const kind = field(raw.kind);
  if (kind === undefined) return undefined;
  const publisher: Publisher = { kind };
  const repository = field(raw.repository);
  const workflow = field(raw.workflow) ?? field(raw.workflow_filepath);
  const environment = field(raw.environment);
  const email = field(raw.email);
  if (repository !== undefined) publisher.repository = repository;
  if (workflow !== undefined) publisher.workflow = workflow;
  if (environment !== undefined) publisher.environment = environment;
  if (email !== undefined) publisher.email = email;
  return publisher;
}

/** A short single-line string, or undefined: these end up in hovers, where bidirectional overrides could disguise a name. */
function field(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;

  const clean = value.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g, '').trim();
  return clean === '' || clean.length > MAX_FIELD ? undefined : clean;
}

function predicateType(attestation: Record<string, unknown>): string | undefined {
  const envelope = attestation.envelope;
  if (!isObject(envelope) || typeof envelope.statement !== 'string' || envelope.statement.length > MAX_STATEMENT) return undefined;
  try {
    const statement: unknown = JSON.parse(Buffer.from(envelope.statement, 'base64').toString('utf8'));
    return isObject(statement) ? field(statement.predicateType) : undefined;
  } catch {
    return undefined;
  }
}

/** "GitHub: psf/requests, workflow publish.yml, environment pypi" (the caller escapes it for Markdown). */
export function describePublisher(publisher: Publisher): string {
  const parts = [publisher.repository ?? publisher.email];
  if (publisher.workflow !== undefined) parts.push(`workflow ${publisher.workflow}`);
  if (publisher.environment !== undefined) parts.push(`environment ${publisher.environment}`);
  const rest = parts.filter((p): p is string => p !== undefined).join(', ');
  return rest === '' ? publisher.kind : `${publisher.kind}: ${rest}`;
}

export interface LostAttestation {
  latest: string;
  /** The newest earlier release whose files carry provenance. */
  lastAttested: string;
}

/**
 * Whether the latest release has no attestation while an earlier one had: a change of how the
 * project publishes worth a look (a maintainer's laptop instead of CI, or someone else).
 */
export function lostAttestation(releases: Record<string, Pick<ReleaseFiles, 'attestedFiles'>>, latest: string | undefined): LostAttestation | undefined {
  if (latest === undefined || !isVersion(latest) || (releases[latest]?.attestedFiles ?? 0) > 0) return undefined;
  let lastAttested: string | undefined;
  for (const [version, release] of Object.entries(releases)) {
    if (!(release.attestedFiles ?? 0) || !isVersion(version) || compareVersions(version, latest) >= 0) continue;
    if (lastAttested === undefined || compareVersions(version, lastAttested) > 0) lastAttested = version;
  }
  return lastAttested === undefined ? undefined : { latest, lastAttested };
}

/** A JSON value as a message shows it: a scalar as it reads, an object or array as JSON rather than `[object Object]`. */
function jsonValueText(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return JSON.stringify(value);
}
