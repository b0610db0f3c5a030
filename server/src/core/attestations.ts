/**
 * What a hover says of a dependency's PEP 740 attestations: whether the files of its pinned release
 * (else its latest) carry them, the Trusted Publisher they name (fetched only when the hover is
 * shown), and whether the latest release lost the attestations earlier ones had.
 */
import { pinnedRelease } from './findings.js';
import type { AttestationsServed, ProjectInfo, ReleaseFiles } from './pypi/model.js';
import { describePublisher, lostAttestation, type Publisher } from './pypi/provenance.js';
import { truncate } from './markdown.js';
import type { Dependency } from './types.js';

/** What became of the lookup of the provenance object, by the time the hover answers. */
export type PublisherState = { state: 'found'; publishers: Publisher[] } | { state: 'fetching' } | { state: 'unavailable'; reason: string };

/** The writer of the hover card (Markdown or plain text): index text goes through `text`. */
interface Writer {
  text(value: string): string;
  strong(value: string): string;
  aside(value: string): string;
}

/** The release whose attestations the hover describes: the pinned one when the index has it, else the latest. */
export function attestedRelease(dep: Pick<Dependency, 'pinnedVersion' | 'specifier'>, info: ProjectInfo): { version: string; files: ReleaseFiles } | undefined {
  if (dep.pinnedVersion !== undefined) return pinnedRelease(info, dep);
  const latest = info.latestVersion;
  const files = latest === undefined ? undefined : info.releases[latest];
  return latest === undefined || files === undefined ? undefined : { version: latest, files };
}

/** Distinct publishers of the bundles, in order (a wheel and its sdist usually name the same one). */
export function distinctPublishers(publishers: (Publisher | undefined)[]): Publisher[] {
  const seen = new Map<string, Publisher>();
  for (const p of publishers) if (p) seen.set(describePublisher(p), p);
  return [...seen.values()];
}

export function attestationLines(dep: Dependency, info: ProjectInfo, publisher: PublisherState | undefined, w: Writer): string[] {
  const lines: string[] = [];
  const release = attestedRelease(dep, info);
  if (release) {
    const { attestedFiles = 0, files } = release.files;
    const of = `${w.text(release.version)}`;
    if (attestedFiles > 0) lines.push(`Attestations (PEP 740) of ${of}: ${attestedFiles} of ${files ?? attestedFiles} files attested.`);
    else lines.push(`Attestations (PEP 740) of ${of}: ${NONE[info.attestations ?? 'unknown'](info)}.`);
    if (attestedFiles > 0 && publisher) lines.push(publisherLine(publisher, w));
  }
  // That the latest release has none is known only where the index says which files have one.
  const lost = info.attestations === 'served' ? lostAttestation(info.releases, info.latestVersion) : undefined;
  if (lost) {
    lines.push(
      `${w.strong('The latest release has no attestation')}; earlier ones were published with one (the last: ${w.text(lost.lastAttested)}). Publishing may have moved off its trusted pipeline.`,
    );
  }
  return lines;
}

/** What the card says of a release whose files name no provenance, by what the index's page can tell. */
const NONE: Record<AttestationsServed, (info: ProjectInfo) => string> = {
  served: () => 'no attestations',
  'not-served': () => 'not served by this index',
  unknown: (info) => (info.format === 'html' ? 'not known (HTML API)' : 'not known'),
};

function publisherLine(publisher: PublisherState, w: Writer): string {
  switch (publisher.state) {
    case 'found': {
      const named = publisher.publishers.slice(0, 3).map((p) => w.text(describePublisher(p)));
      return named.length === 0 ? 'The attestations name no Trusted Publisher.' : `Published from ${named.join('; ')}.`;
    }
    case 'fetching':
      return w.aside('The Trusted Publisher is being fetched from the index; hover again in a moment.');
    case 'unavailable':
      return w.aside(`The Trusted Publisher could not be fetched (${w.text(truncate(publisher.reason, 200))}).`);
  }
}
