/** Choosing the release a yanked, missing or vulnerable pin moves to. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isFixedIn, replacementForMissing, replacementForYanked, upgradeForVulnerabilities, versionsNamedIn } from '../../server/src/core/pinChoice.js';
import { compareVersions, versionKey } from '../../server/src/core/pep440.js';
import type { ReleaseFiles, Vulnerability } from '../../server/src/core/pypi/model.js';
import { decodeSimpleJson } from '../../server/src/core/pypi/simple.js';
import { seededRandom } from '../support/random.js';

function releases(spec: Record<string, Partial<ReleaseFiles>>): Record<string, ReleaseFiles> {
  return Object.fromEntries(Object.entries(spec).map(([v, r]) => [v, { yanked: false, ...r }]));
}

const vuln = (id: string, fixedIn: string[], aliases: string[] = []): Vulnerability => ({ id, aliases, fixedIn });

describe('replacement for a yanked or missing pin', () => {
  const rel = releases({ '1.0': {}, '1.1': { yanked: true }, '1.2rc1': {}, '1.2': {}, '1.3': { requiresPython: ['>=3.10'] }, '2.0': {}, '2.0+cpu': {} });

  it('takes the nearest release above that is not yanked nor a pre-release', () => {
    assert.deepEqual(replacementForYanked({ pin: '1.1', releases: rel }), { version: '1.2', below: false, namedInReason: false });
    assert.equal(replacementForYanked({ pin: '1.1.0', releases: rel })?.version, '1.2', 'the pin is matched by version, not spelling');
  });

  it('takes a pre-release when the pin was one', () => {
    assert.equal(replacementForYanked({ pin: '1.1rc1', releases: rel })?.version, '1.2rc1');
  });

  it("keeps the project's requires-python: a release that drops one of its Pythons does not qualify", () => {
    assert.equal(replacementForYanked({ pin: '1.2', releases: rel, projectPython: '>=3.10' })?.version, '1.3');
    assert.equal(replacementForYanked({ pin: '1.2', releases: rel, projectPython: '>=3.9' })?.version, '2.0');
    assert.equal(replacementForYanked({ pin: '1.2', releases: rel, projectPython: 'not a specifier' })?.version, '1.3', 'an unreadable value filters nothing');
  });

  it('prefers the version the yank reason names, skipping Python versions it mentions', () => {
    const r = replacementForYanked({ pin: '1.1', releases: rel }, 'Broken on Python 3.12; use 1.0 or v2.0 instead');
    assert.deepEqual(r, { version: '1.0', below: true, namedInReason: true });
    assert.equal(replacementForYanked({ pin: '1.1', releases: rel }, 'use 1.1.5 (not released) — see #1.2')?.version, '1.2', 'nothing named qualifies');
    assert.deepEqual(versionsNamedIn('Regression in 2.31.0; fixed in 2.31.1. Requires Python 3.8, py3.9 or python version 3.10'), ['2.31.0', '2.31.1']);
    assert.deepEqual(versionsNamedIn('see https://x/1.2.3/ and 1.2.3.4-dev1 or 1.0.post1'), ['1.2.3.4-dev1', '1.0.post1']);
  });

  it('falls back to the nearest release below when none above qualifies', () => {
    assert.deepEqual(replacementForYanked({ pin: '2.0', releases: releases({ '1.0': {}, '1.5': {}, '2.0': { yanked: true } }) }), {
      version: '1.5',
      below: true,
      namedInReason: false,
    });
    assert.equal(replacementForYanked({ pin: '1.0', releases: releases({ '1.0': { yanked: true } }) }), undefined);
  });

  it('moves a missing pin to the nearest release, and an unreadable pin to the latest', () => {
    assert.equal(replacementForMissing({ pin: '1.1.5', releases: rel })?.version, '1.2');
    assert.deepEqual(replacementForMissing({ pin: '9.0', releases: rel }), { version: '2.0', below: true, namedInReason: false });
    assert.equal(replacementForMissing({ pin: 'banana', releases: rel })?.version, '2.0');
  });

  it('reads the real cryptography page: 45.0.0 is yanked, 48.0.0 needs Python 3.9', () => {
    const page = decodeSimpleJson(readFileSync(new URL('../data/pep740/cryptography.simple.v1.json', import.meta.url), 'utf8'), 'cryptography');
    assert.equal(replacementForYanked({ pin: '45.0.0', releases: page.releases })?.version, '48.0.0');
    assert.deepEqual(replacementForYanked({ pin: '45.0.0', releases: page.releases, projectPython: '>=3.8' }), {
      version: '43.0.3',
      below: true,
      namedInReason: false,
    });
  });

  it('always lands on the nearest qualifying release (generated release sets)', () => {
    const random = seededRandom(4242);
    for (let n = 0; n < 500; n++) {
      const spec: Record<string, Partial<ReleaseFiles>> = {};
      for (let i = 0; i < 12; i++) {
        const v = `${Math.floor(random() * 3)}.${Math.floor(random() * 4)}${random() < 0.2 ? 'rc1' : ''}`;
        spec[v] = { yanked: random() < 0.3, ...(random() < 0.3 ? { requiresPython: [random() < 0.5 ? '>=3.10' : '>=3.8'] } : {}) };
      }
      const rel = releases(spec);
      const pin = `${Math.floor(random() * 3)}.${Math.floor(random() * 4)}`;
      const got = replacementForYanked({ pin, releases: rel, projectPython: '>=3.9' });
      const ok = (v: string) => !rel[v]!.yanked && !/rc/.test(v) && versionKey(v) !== versionKey(pin) && !(rel[v]!.requiresPython?.[0] === '>=3.10');
      const above = Object.keys(rel)
        .filter((v) => ok(v) && compareVersions(v, pin) > 0)
        .sort(compareVersions);
      const below = Object.keys(rel)
        .filter((v) => ok(v) && compareVersions(v, pin) < 0)
        .sort(compareVersions);
      assert.equal(got?.version, above[0] ?? below[below.length - 1], `pin ${pin} in ${JSON.stringify(spec)}`);
    }
  });
});

describe('upgrade for a vulnerable pin', () => {
  const rel = releases({
    '2.2.27': {},
    '2.2.28': {},
    '3.0.0': {},
    '3.2.5': {},
    '3.2.13': {},
    '3.2.14': { yanked: true },
    '3.2.15': {},
    '4.0.0': {},
    '4.0.4': {},
    '4.0.5': {},
  });

  it('reads fixed_in per release line, as OSV lists first fixed releases', () => {
    const fixes = ['2.2.28', '3.2.13', '4.0.4'];
    assert.equal(isFixedIn('2.2.30', fixes), true);
    assert.equal(isFixedIn('3.0.0', fixes), false, 'a later line below its own fix is affected again');
    assert.equal(isFixedIn('3.2.13', fixes), true);
    assert.equal(isFixedIn('4.0.0', fixes), false);
    assert.equal(isFixedIn('5.0', fixes), true);
    assert.equal(isFixedIn('1.0', []), false);
  });

  it('takes the lowest release that fixes every vulnerability, skipping yanked ones', () => {
    const fix = upgradeForVulnerabilities({ pin: '3.2.5', releases: rel }, [vuln('A', ['2.2.28', '3.2.13', '4.0.4']), vuln('B', ['3.2.14', '4.0.5'])]);
    assert.deepEqual(fix, { version: '3.2.15', fixes: ['A', 'B'], open: [] });
  });

  it('never takes a release the JSON API lists as vulnerable', () => {
    const listed = (v: string) => (v === '3.2.15' ? ['GHSA-new'] : v === '4.0.5' ? [] : undefined);
    const fix = upgradeForVulnerabilities({ pin: '3.2.5', releases: rel }, [vuln('A', ['2.2.28', '3.2.13', '4.0.4']), vuln('B', ['3.2.14', '4.0.5'])], listed);
    assert.deepEqual(fix, { version: '4.0.5', fixes: ['A', 'B'], open: [] });
    const stillA = (v: string) => (v === '3.2.13' ? ['PYSEC-1'] : undefined);
    assert.deepEqual(upgradeForVulnerabilities({ pin: '3.2.5', releases: rel }, [vuln('A', ['3.2.13'], ['PYSEC-1'])], stillA)?.version, '3.2.15');
  });

  it('offers the release that fixes most when some have no fix, naming what stays open', () => {
    const fix = upgradeForVulnerabilities({ pin: '3.2.5', releases: rel }, [vuln('A', ['3.2.13']), vuln('B', []), vuln('C', ['4.0.4'])]);
    assert.deepEqual(fix, { version: '4.0.4', fixes: ['A', 'C'], open: ['B'] });
    assert.equal(upgradeForVulnerabilities({ pin: '3.2.5', releases: rel }, [vuln('B', [])]), undefined, 'nothing fixes it');
    assert.equal(upgradeForVulnerabilities({ pin: '3.2.5', releases: rel }, []), undefined);
  });

  it("keeps the project's Pythons and the pin's stability", () => {
    const r = releases({ '1.0': {}, '1.1rc1': {}, '1.1': { requiresPython: ['>=3.12'] }, '1.2': {} });
    assert.equal(upgradeForVulnerabilities({ pin: '1.0', releases: r, projectPython: '>=3.9' }, [vuln('A', ['1.1rc1'])])?.version, '1.2');
    assert.equal(upgradeForVulnerabilities({ pin: '1.0rc1', releases: r, projectPython: '>=3.9' }, [vuln('A', ['1.1rc1'])])?.version, '1.1rc1');
  });
});
