/** PEP 740 provenance objects and what a release's attestations say. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { decodeProvenance, describePublisher, lostAttestation } from '../../server/src/core/pypi/provenance.js';
import type { ReleaseFiles } from '../../server/src/core/pypi/model.js';
import { decodeSimpleJson } from '../../server/src/core/pypi/simple.js';
import { seededRandom } from '../support/random.js';

const data = (name: string) => readFileSync(new URL(`../data/pep740/${name}`, import.meta.url), 'utf8');

describe('PEP 740 provenance', () => {
  it('reads the real provenance of pypi-attestations 0.0.19', () => {
    const result = decodeProvenance(data('pypi_attestations-0.0.19.tar.gz.provenance'));
    assert.deepEqual(result, {
      ok: true,
      bundles: [
        {
          attestations: 1,
          predicateTypes: ['https://docs.pypi.org/attestations/publish/v1'],
          publisher: { kind: 'GitHub', repository: 'trailofbits/pypi-attestations', workflow: 'release.yml' },
        },
      ],
    });
    assert.equal(describePublisher(result.ok ? result.bundles[0]!.publisher : { kind: '' }), 'GitHub: trailofbits/pypi-attestations, workflow release.yml');
  });

  it('reads GitLab and Google publishers, and keeps an unknown kind as it is', () => {
    const body = JSON.stringify({
      version: 1,
      attestation_bundles: [
        { publisher: { kind: 'GitLab', repository: 'group/sub/proj', workflow_filepath: '.gitlab-ci.yml', environment: 'release' }, attestations: [{}] },
        { publisher: { kind: 'Google', email: 'svc@proj.iam.gserviceaccount.com' }, attestations: [] },
        { publisher: { kind: 'Forgejo', instance: 'codeberg.org', future: { nested: true } }, attestations: [{}, {}] },
      ],
    });
    const result = decodeProvenance(body);
    assert.ok(result.ok);
    assert.deepEqual(
      result.bundles.map((b) => b.publisher && describePublisher(b.publisher)),
      ['GitLab: group/sub/proj, workflow .gitlab-ci.yml, environment release', 'Google: svc@proj.iam.gserviceaccount.com', 'Forgejo'],
    );
    assert.deepEqual(
      result.bundles.map((b) => b.attestations),
      [1, 0, 2],
    );
  });

  it('refuses what is not a provenance object, with a reason', () => {
    for (const body of [
      '',
      'null',
      '[]',
      '{"attestation_bundles": {}}',
      '{"version": 2, "attestation_bundles": []}',
      '{'.repeat(10),
      ' '.repeat(2 * 1024 * 1024),
    ]) {
      const result = decodeProvenance(body);
      assert.ok(!result.ok && result.message.length > 0, body.slice(0, 40));
    }
  });

  it('drops hostile fields instead of carrying them into a hover', () => {
    const body = JSON.stringify({
      attestation_bundles: [
        {
          publisher: { kind: 'GitHub', repository: 'a/b\u202e\n\u0007', workflow: 'x'.repeat(5000), environment: 42 },
          attestations: [{ envelope: { statement: '!!!not base64 json' } }],
        },
        { publisher: { kind: { no: 1 } }, attestations: 'many' },
        'junk',
        ...Array.from({ length: 100 }, () => ({ attestations: [] })),
      ],
    });
    const result = decodeProvenance(body);
    assert.ok(result.ok);
    assert.deepEqual(result.bundles[0], { attestations: 1, predicateTypes: [], publisher: { kind: 'GitHub', repository: 'a/b' } });
    assert.deepEqual(result.bundles[1], { attestations: 0, predicateTypes: [] });
    assert.equal(result.bundles.length, 15, 'at most 16 bundles are looked at; the string is skipped');
  });

  it('never throws, whatever the bytes (generated mutations of the real object)', () => {
    const real = data('pypi_attestations-0.0.19.tar.gz.provenance');
    const random = seededRandom(740);
    for (let n = 0; n < 2000; n++) {
      const chars = [...real];
      for (let k = 0; k < 1 + Math.floor(random() * 5); k++) chars[Math.floor(random() * chars.length)] = '{}[]",:0a\\'[Math.floor(random() * 10)]!;
      assert.doesNotThrow(() => decodeProvenance(chars.join('')));
    }
  });
});

describe('lost attestations', () => {
  it('notices a latest release without provenance after attested ones', () => {
    const page = decodeSimpleJson(data('cryptography.simple.v1.json'), 'cryptography');
    assert.equal(lostAttestation(page.releases, '48.0.0'), undefined, 'the latest is attested');
    const stripped: Record<string, ReleaseFiles> = { ...page.releases, '48.0.0': { yanked: false } };
    assert.deepEqual(lostAttestation(stripped, '48.0.0'), { latest: '48.0.0', lastAttested: '45.0.0' });
    assert.equal(lostAttestation(stripped, '42.0.0'), undefined, 'nothing before 42.0.0 was attested');
    assert.equal(lostAttestation({}, undefined), undefined);
    assert.equal(lostAttestation({ '2.0': {}, '3.0': { attestedFiles: 1 } }, '2.0'), undefined, 'only earlier releases count');
  });
});
