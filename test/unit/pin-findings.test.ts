/** The rules for pins the index has no release of, and for releases younger than a cooldown. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsFor } from '../../server/src/core/findings.js';
import type { ProjectInfo } from '../../server/src/core/pypi/model.js';
import { minimumAgeCooldown, parseExcludeNewer } from '../../server/src/core/releaseAge.js';
import { parseRequirements } from '../../server/src/core/requirements.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 4, 10, 12, 0);

function dep(line: string) {
  const d = parseRequirements(line).dependencies[0];
  assert.ok(d, `no dependency in ${line}`);
  return d;
}

function info(overrides: Partial<ProjectInfo> = {}): ProjectInfo {
  return {
    name: 'demo',
    status: 'active',
    versions: ['1.0', '2.0.0'],
    releases: { '1.0': { yanked: false, uploadTime: '2024-01-01T00:00:00Z' }, '2.0.0': { yanked: false, uploadTime: '2026-05-08T09:30:00Z' } },
    latestVersion: '2.0.0',
    format: 'json',
    ...overrides,
  };
}

const found = <T>(data: T) => ({ state: 'found' as const, data, fetchedAt: NOW });
const codes = (line: string, project = info(), context = {}) => findingsFor(dep(line), { project: found(project) }, context).map((f) => f.code);

describe('missing-release', () => {
  it('flags an exact pin to a release the index does not list, naming the latest', () => {
    const findings = findingsFor(dep('demo==1.5'), { project: found(info()) });
    assert.deepEqual(
      findings.map((f) => f.code),
      ['missing-release'],
    );
    assert.match(findings[0]!.message, /demo has no release 1\.5 on the package index \(its latest is 2\.0\.0\)/);
    assert.deepEqual(codes('demo===1.0.0'), ['missing-release'], '=== compares spellings');
    assert.deepEqual(codes('demo==1.0.0'), [], '== compares versions');
    assert.deepEqual(codes('demo>=9'), [], 'only exact pins');
  });

  it('says nothing for a quarantined project (no files), or where the JSON API knows the release', () => {
    assert.deepEqual(codes('demo==1.5', info({ status: 'quarantined', releases: {} })), ['quarantined']);
    const release = { name: 'demo', version: '1.5', classifiers: [], projectUrls: {}, yanked: false, vulnerabilities: [] };
    assert.deepEqual(findingsFor(dep('demo==1.5'), { project: found(info()), pinned: found(release) }), []);
  });
});

describe('new-release', () => {
  it('is off without a cooldown', () => {
    assert.deepEqual(codes('demo==2.0.0', info(), { now: NOW }), []);
  });

  it('flags a pin younger than the minimum age, with its upload date and when it will be old enough', () => {
    const cooldown = { cooldown: minimumAgeCooldown(7)!, source: 'pypiStatus.minimumReleaseAge (7 days)' };
    const findings = findingsFor(dep('demo==2.0.0'), { project: found(info()) }, { cooldown, now: NOW });
    assert.deepEqual(
      findings.map((f) => f.code),
      ['new-release'],
    );
    assert.match(
      findings[0]!.message,
      /uploaded on 2026-05-08 09:30 UTC, more recently than pypiStatus\.minimumReleaseAge \(7 days\) allows; it will be old enough on 2026-05-15 09:30 UTC/,
    );
    assert.deepEqual(codes('demo==1.0', info(), { cooldown, now: NOW }), []);
    assert.deepEqual(codes('demo==2.0.0', info(), { cooldown, now: NOW + 8 * DAY }), []);
    assert.deepEqual(codes('demo>=2', info(), { cooldown, now: NOW }), [], 'only exact pins');
  });

  it("reads a fixed cutoff (uv's exclude-newer date) as never old enough", () => {
    const parsed = parseExcludeNewer('2026-05-01T00:00:00Z');
    assert.ok(parsed.ok && parsed.cooldown !== 'disabled');
    const cooldown = { cooldown: parsed.cooldown, source: 'exclude-newer in pyproject.toml' };
    const findings = findingsFor(dep('demo==2.0.0'), { project: found(info()) }, { cooldown, now: NOW });
    assert.deepEqual(
      findings.map((f) => f.code),
      ['new-release'],
    );
    assert.doesNotMatch(findings[0]!.message, /old enough on/);
  });
});

describe('local projects', () => {
  it('does not call a project the workspace builds not-found', () => {
    const notFound = { project: { state: 'not-found' as const, fetchedAt: NOW } };
    assert.deepEqual(
      findingsFor(dep('my_lib'), notFound).map((f) => f.code),
      ['not-found'],
    );
    assert.deepEqual(findingsFor(dep('my_lib'), notFound, { localProjects: new Set(['my-lib']) }), []);
  });
});
