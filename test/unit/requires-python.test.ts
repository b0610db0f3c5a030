/**
 * requires-python as sets of Python versions, and the PEP 440 ordering the pin choice relies on,
 * against Debian's python3-packaging (test/support/pep440-reference.py): generated versions are
 * ranked by both, generated specifier sets are asked about a grid of final releases dense enough
 * around every bound they use that a subset test over the grid is the exact answer.
 *
 *   node --import tsx --test test/unit/requires-python.test.ts
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { compareVersions, isVersion } from '../../server/src/core/pep440.js';
import { isSubset, parsePythonRange, rangeContains, supportsProjectPython } from '../../server/src/core/requiresPython.js';
import { seededRandom } from '../support/random.js';
import { type Pep440Reference, pep440Reference } from '../support/pep440-reference.js';

const SEED = Number(process.env.PYPI_STATUS_DIFF_SEED ?? 20250601);
const random = seededRandom(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

function generatedVersion(): string {
  let s = random() < 0.08 ? pick(['1!', '0!', '2!']) : '';
  s += Array.from({ length: 1 + Math.floor(random() * 4) }, () => pick(['0', '1', '2', '00', '10', '3', '999'])).join('.');
  if (random() < 0.3) s += pick(['a', 'b', 'rc', 'c', 'alpha', 'beta', 'pre', 'preview', '-a', '.b', '_rc']) + pick(['', '0', '1', '2']);
  if (random() < 0.3) s += pick(['.post', '-post', 'post', '-', '.rev', '.r', '_post']) + pick(['', '0', '1', '2']);
  if (random() < 0.3) s += pick(['.dev', 'dev', '-dev', '_dev']) + pick(['', '0', '1']);
  if (random() < 0.2) s += '+' + pick(['abc', '1', '1.abc', 'abc.1', 'a.b', '0', '00', 'ABC', '1_2', 'a-1', '']);
  if (random() < 0.05) s = pick(['v', 'V', ' ', 'x']) + s;
  if (random() < 0.03) s = s.toUpperCase();
  return s;
}

const SPEC_VERSIONS = [
  '0',
  '1',
  '2',
  '3',
  '2.7',
  '3.0',
  '3.1',
  '3.2',
  '3.3',
  '2.0.1',
  '3.1.2',
  '3.2.0',
  '3.3.2',
  '1.3',
  '3.2rc1',
  '3.1.dev0',
  '3.2.post1',
  '3.0a1.post2',
  '1!1.0',
  '3.2+local',
  'v3.1',
  '3.1.0.0',
];
const OPS = ['==', '!=', '<', '<=', '>', '>=', '~=', '===', '==', '>=', '<'];

function generatedClause(): string {
  const op = pick(OPS);
  let v = pick(SPEC_VERSIONS);
  if ((op === '==' || op === '!=') && random() < 0.35) v = pick(['3', '3.1', '2', '3.2.0', '1', '3.3', 'v3.2', '1!3', '3.1rc1']) + '.*';
  if (random() < 0.02) v += '.*';
  return op + pick(['', '', ' ']) + v;
}

function generatedSpecifierSet(): string {
  const n = random() < 0.1 ? 0 : 1 + Math.floor(random() * 3);
  return Array.from({ length: n }, generatedClause).join(pick([',', ', ', ' ,']));
}

/** Finals on every side of every bound the generated sets use, and between any two of them. */
function probes(): string[] {
  const out = new Set<string>();
  for (let a = 0; a <= 4; a++) {
    out.add(`${a}`);
    for (let b = 0; b <= 8; b++) {
      out.add(`${a}.${b}`);
      for (let c = 0; c <= 3; c++) {
        out.add(`${a}.${b}.${c}`);
        out.add(`${a}.${b}.${c}.1`);
      }
    }
  }
  // No epochs: Python versions have none, and packaging 23.0 matches `==0.*` against every `1!…` version.
  return [...out];
}

describe('PEP 440 ordering and requires-python against python3-packaging', () => {
  const versions = Array.from({ length: 3000 }, generatedVersion);
  const specifiers = Array.from({ length: 1000 }, generatedSpecifierSet);
  const grid = probes();
  let reference: Pep440Reference;
  before(async () => {
    reference = await pep440Reference({ versions, specifiers, probes: grid });
  });

  it('accepts the versions packaging accepts and orders them as packaging does', () => {
    const mismatches: string[] = [];
    const ranked: [string, number][] = [];
    versions.forEach((v, i) => {
      const ref = reference.versions[i];
      if (isVersion(v) !== (ref !== null)) mismatches.push(`valid(${JSON.stringify(v)}): ours ${isVersion(v)}`);
      if (ref && isVersion(v)) ranked.push([v, ref.rank]);
    });
    for (let i = 0; i < 30_000; i++) {
      const [a, ra] = pick(ranked);
      const [b, rb] = pick(ranked);
      const ours = compareVersions(a, b);
      if (Math.sign(ours) !== Math.sign(ra - rb)) mismatches.push(`compare(${a}, ${b}) = ${ours}, packaging ${Math.sign(ra - rb)}`);
    }
    assert.ok(ranked.length > 2000, 'the generator makes mostly valid versions');
    assert.deepEqual(mismatches.slice(0, 20), [], `seed ${SEED}`);
  });

  it('reads specifier sets as packaging does: validity and membership of every final release', () => {
    const mismatches: string[] = [];
    let valid = 0;
    specifiers.forEach((spec, i) => {
      const ours = parsePythonRange(spec);
      const ref = reference.specifiers[i];
      // `===` compares spellings, which no set of versions expresses: such a set is unknown by design.
      if (/===/.test(spec)) return void (ours === undefined || mismatches.push(`${JSON.stringify(spec)} is read`));
      if ((ours === undefined) !== (ref === null)) return void mismatches.push(`valid(${JSON.stringify(spec)}): ours ${ours !== undefined}`);
      if (!ours || !ref) return;
      valid++;
      grid.forEach((probe, j) => {
        if (rangeContains(ours, probe) !== ref[j]) mismatches.push(`${JSON.stringify(spec)} contains ${probe}: ours ${!ref[j]}`);
      });
    });
    assert.ok(valid > 600, `most generated sets are valid (${valid})`);
    assert.deepEqual(mismatches.slice(0, 20), [], `seed ${SEED}`);
  });

  it('tells whether one set of Pythons is inside another exactly as the grid does', () => {
    const sets = specifiers.map((spec, i) => ({ spec, ours: parsePythonRange(spec), ref: reference.specifiers[i] })).filter((s) => s.ours && s.ref);
    const mismatches: string[] = [];
    let inside = 0;
    for (let n = 0; n < 20_000; n++) {
      const p = pick(sets);
      const r = pick(sets);
      const brute = p.ref!.every((inP, j) => !inP || r.ref![j]);
      if (brute) inside++;
      if (isSubset(p.ours!, r.ours!) !== brute) mismatches.push(`${JSON.stringify(p.spec)} inside ${JSON.stringify(r.spec)}: ours ${!brute}`);
    }
    assert.ok(inside > 1000 && inside < 19_000, `both answers are common (${inside} inside)`);
    assert.deepEqual(mismatches.slice(0, 20), [], `seed ${SEED}`);
  });
});

describe('supportsProjectPython', () => {
  it('says yes only when every Python of the project is allowed by the release', () => {
    assert.equal(supportsProjectPython('>=3.8', '>=3.9'), 'yes');
    assert.equal(supportsProjectPython('>=3.9', '>=3.8'), 'no');
    assert.equal(supportsProjectPython('>=3.8.1', '>=3.8'), 'no', 'Python 3.8.0 is left out');
    assert.equal(supportsProjectPython('>=3.9.0', '>=3.9'), 'yes', '3.9 and 3.9.0 are one version');
    assert.equal(supportsProjectPython('>=3.9,<4', '>=3.9'), 'no', 'the project allows Python 4');
    assert.equal(supportsProjectPython('>=3.9,<4', '~=3.10'), 'yes');
    assert.equal(supportsProjectPython('!=3.9.0,!=3.9.1,>=3.9', '>=3.10'), 'yes');
    assert.equal(supportsProjectPython('!=3.9.0,!=3.9.1,>=3.9', '>=3.9'), 'no');
    assert.equal(supportsProjectPython('>=3.13.0rc1', '>=3.13'), 'yes', 'a pre-release bound admits the final');
    assert.equal(supportsProjectPython('==3.12.*', '>=3.12,<3.13'), 'yes');
  });

  it('lets a missing or unreadable value through as unknown or yes, never as no', () => {
    assert.equal(supportsProjectPython(undefined, '>=3.9'), 'yes');
    assert.equal(supportsProjectPython('>=3.9', undefined), 'yes');
    assert.equal(supportsProjectPython('  ', '>=3.9'), 'yes');
    assert.equal(supportsProjectPython('>=3.6.*', '>=3.9'), 'unknown');
    assert.equal(supportsProjectPython('>=3.9', 'python 3'), 'unknown');
    assert.equal(supportsProjectPython('>='.repeat(2000), '>=3.9'), 'unknown');
  });
});
