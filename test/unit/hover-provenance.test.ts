/** The hover's PEP 740 lines: attestations of the pinned (else latest) release, the Trusted Publisher, a lost attestation. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { PublisherState } from '../../server/src/core/attestations.js';
import { attestedRelease, distinctPublishers } from '../../server/src/core/attestations.js';
import type { DependencyFacts } from '../../server/src/core/findings.js';
import { hoverMarkdown, hoverPlainText } from '../../server/src/core/hover.js';
import type { ProjectInfo } from '../../server/src/core/pypi/model.js';
import { decodeProvenance } from '../../server/src/core/pypi/provenance.js';
import { decodeSimpleJson } from '../../server/src/core/pypi/simple.js';
import { parseRequirements } from '../../server/src/core/requirements.js';

const data = (name: string) => readFileSync(new URL(`../data/pep740/${name}`, import.meta.url), 'utf8');

function dep(line: string) {
  const d = parseRequirements(line).dependencies[0];
  assert.ok(d, line);
  return d;
}

const facts = (info: ProjectInfo): DependencyFacts => ({ project: { state: 'found', data: info, fetchedAt: Date.UTC(2026, 0, 1) } });

interface Served {
  format?: ProjectInfo['format'];
  /** undefined: the page said nothing about PEP 740 (the key is left out). */
  attestations?: ProjectInfo['attestations'] | undefined;
}

function project(releases: ProjectInfo['releases'], latestVersion: string, served: Served = {}): ProjectInfo {
  const info: ProjectInfo = { name: 'demo', status: 'active', versions: Object.keys(releases), releases, latestVersion, format: served.format ?? 'json' };
  const attestations = 'attestations' in served ? served.attestations : 'served';
  if (attestations !== undefined) info.attestations = attestations;
  return info;
}

const cryptography = decodeSimpleJson(data('cryptography.simple.v1.json'), 'cryptography');
const recorded = decodeProvenance(data('pypi_attestations-0.0.19.tar.gz.provenance'));
assert.ok(recorded.ok);
const github: PublisherState = { state: 'found', publishers: distinctPublishers(recorded.bundles.map((b) => b.publisher)) };

describe('hover: PEP 740 provenance', () => {
  it('counts the attested files of the pinned release of a real page, and names the publisher fetched', () => {
    const card = hoverPlainText(dep('cryptography==43.0.3'), facts(cryptography), { publisher: github });
    assert.match(card, /Attestations \(PEP 740\) of 43\.0\.3: 2 of 2 files attested\./);
    assert.match(card, /Published from GitHub: trailofbits\/pypi-attestations, workflow release\.yml\./);
  });

  it('describes the latest release when nothing is pinned', () => {
    assert.equal(attestedRelease(dep('cryptography>=40'), cryptography)?.version, cryptography.latestVersion);
    const card = hoverPlainText(dep('cryptography>=40'), facts(cryptography), { publisher: github });
    assert.match(card, new RegExp(`of ${cryptography.latestVersion!.replace(/\./g, '\\.')}: \\d+ of \\d+ files attested`));
  });

  it('says a release without attestations has none, and asks for no publisher', () => {
    const card = hoverPlainText(dep('cryptography==42.0.0'), facts(cryptography), { publisher: github });
    assert.match(card, /of 42\.0\.0: no attestations\./);
    assert.doesNotMatch(card, /Published from/);
  });

  it('says when the publisher is still being fetched, or could not be', () => {
    assert.match(
      hoverPlainText(dep('cryptography==43.0.3'), facts(cryptography), { publisher: { state: 'fetching' } }),
      /being fetched from the index; hover again/,
    );
    const failed = hoverPlainText(dep('cryptography==43.0.3'), facts(cryptography), { publisher: { state: 'unavailable', reason: 'HTTP 503' } });
    assert.match(failed, /could not be fetched \(HTTP 503\)/);
    assert.match(
      hoverPlainText(dep('cryptography==43.0.3'), facts(cryptography), { publisher: { state: 'found', publishers: [] } }),
      /name no Trusted Publisher/,
    );
  });

  it('notices a latest release without attestation after attested ones', () => {
    const info = project(
      {
        '1.0': { yanked: false, attestedFiles: 2, files: 2, provenanceUrl: 'p1' },
        '1.1': { yanked: false, attestedFiles: 1, files: 2, provenanceUrl: 'p2' },
        '2.0': { yanked: false, files: 2 },
      },
      '2.0',
    );
    const card = hoverMarkdown(dep('demo==1.1'), facts(info), { publisher: github });
    assert.match(card, /of 1\\\.1: 1 of 2 files attested/);
    assert.match(card, /\*\*The latest release has no attestation\*\*; earlier ones were published with one \(the last: 1\\\.1\)/);
    const never = project({ '1.0': { yanked: false, files: 1 }, '2.0': { yanked: false, files: 1 } }, '2.0');
    assert.doesNotMatch(hoverPlainText(dep('demo'), facts(never)), /latest release has no attestation/);
  });

  it("says attestations are not served, or not known, where the index's page cannot tell there are none", () => {
    const releases = { '1.0': { yanked: false, attestedFiles: 1, files: 1, provenanceUrl: 'p1' }, '2.0': { yanked: false } };
    const card = (served: Served) => hoverPlainText(dep('demo==2.0'), facts(project(releases, '2.0', served)));
    assert.match(card({}), /of 2\.0: no attestations\./);
    assert.match(card({}), /latest release has no attestation/);
    assert.match(card({ attestations: 'not-served' }), /of 2\.0: not served by this index\./);
    assert.match(card({ format: 'html', attestations: 'unknown' }), /of 2\.0: not known \(HTML API\)\./);
    assert.match(card({ attestations: undefined }), /of 2\.0: not known\./);
    for (const served of [{ attestations: 'not-served' as const }, { format: 'html' as const, attestations: 'unknown' as const }])
      assert.doesNotMatch(card(served), /latest release has no attestation|no attestations/);
  });

  it('names each kind of publisher as the index describes it', () => {
    const cases: [PublisherState, RegExp][] = [
      [
        { state: 'found', publishers: [{ kind: 'GitHub', repository: 'psf/requests', workflow: 'publish.yml', environment: 'release' }] },
        /Published from GitHub: psf\/requests, workflow publish\.yml, environment release\./,
      ],
      [
        { state: 'found', publishers: [{ kind: 'GitLab', repository: 'group/sub/proj', workflow: '.gitlab-ci.yml' }] },
        /Published from GitLab: group\/sub\/proj, workflow \.gitlab-ci\.yml\./,
      ],
      [
        { state: 'found', publishers: [{ kind: 'Google', email: 'release@proj.iam.gserviceaccount.com' }] },
        /Published from Google: release@proj\.iam\.gserviceaccount\.com\./,
      ],
      [{ state: 'found', publishers: [{ kind: 'ActiveState' }] }, /Published from ActiveState\./],
    ];
    for (const [publisher, expected] of cases) assert.match(hoverPlainText(dep('cryptography==43.0.3'), facts(cryptography), { publisher }), expected);
  });

  it('escapes hostile publisher fields in Markdown and keeps them on one line in plain text', () => {
    const body = JSON.stringify({
      version: 1,
      attestation_bundles: [
        {
          publisher: { kind: 'GitHub', repository: '[x](command:evil) <img src=x>\n# head', workflow: 'a\u202eyml.exe', environment: '*bold*' },
          attestations: [],
        },
      ],
    });
    const decoded = decodeProvenance(body);
    assert.ok(decoded.ok);
    const publisher: PublisherState = { state: 'found', publishers: distinctPublishers(decoded.bundles.map((b) => b.publisher)) };
    const markdown = hoverMarkdown(dep('cryptography==43.0.3'), facts(cryptography), { publisher });
    const line = markdown.split('\n\n').find((l) => l.startsWith('Published from'))!;
    assert.ok(line, markdown);
    assert.doesNotMatch(line, /\]\(|<img|\n|\u202e|(?<!\\)\*/);
    assert.match(line, /\\\[x\\\]\\\(command\\:evil\\\) &lt;img src=x\\>/);
    const plain = hoverPlainText(dep('cryptography==43.0.3'), facts(cryptography), { publisher });
    assert.match(plain, /Published from GitHub: \[x\]\(command:evil\) <img src=x>/);
    assert.doesNotMatch(plain, /\u202e/);
  });
});
