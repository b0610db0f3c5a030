/** Close names among the most-downloaded projects, for a name the index does not know. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { NameIndex, boundedDistance, topProjects } from '../../server/src/core/similarNames.js';
import { seededRandom } from '../support/random.js';

const first = (name: string) => topProjects().similar(name)[0]?.name;

describe('similar names', () => {
  it('ships the ranking with its source and date', () => {
    const doc = JSON.parse(readFileSync(new URL('../../server/data/top-projects.json', import.meta.url), 'utf8')) as {
      source: string;
      commit: string;
      lastUpdate: string;
      projects: string[];
    };
    const schema = JSON.parse(readFileSync(new URL('../../server/data/top-projects.schema.json', import.meta.url), 'utf8')) as object;
    const validate = new Ajv2020({ allErrors: true }).compile(schema);
    assert.ok(validate(doc), JSON.stringify(validate.errors));
    assert.match(doc.source, /^https:\/\/github\.com\/hugovk\/top-pypi-packages$/);
    assert.match(doc.commit, /^[0-9a-f]{40}$/);
    assert.match(doc.lastUpdate, /^\d{4}-\d{2}-\d{2}/);
    assert.equal(topProjects().size, doc.projects.length);
    assert.ok(topProjects().size >= 5000);
  });

  it('finds typos and look-alikes of popular projects', () => {
    assert.equal(first('reqeusts'), 'requests');
    assert.equal(first('requets'), 'requests');
    assert.equal(first('python-dateutils'), 'python-dateutil');
    assert.equal(first('djnago'), 'django');
    assert.equal(first('beautfulsoup4'), 'beautifulsoup4');
    assert.equal(first('scikitlearn'), 'scikit-learn');
    assert.equal(first('Scikit_Learn'), undefined, 'the same name once normalized is the name itself');
    assert.deepEqual(topProjects().similar('dateutil')[0], { name: 'python-dateutil', rank: topProjects().similar('dateutil')[0]!.rank, likeness: 'affix' });
    assert.equal(first('yaml'), 'pyyaml');
  });

  it('never suggests the name itself, and nothing for names far from every popular one', () => {
    assert.deepEqual(topProjects().similar('requests'), []);
    assert.deepEqual(topProjects().similar('Requests'), []);
    assert.deepEqual(topProjects().similar('acme-internal-billing-service'), []);
    assert.deepEqual(topProjects().similar('zqxjv'), []);
    assert.deepEqual(topProjects().similar(''), []);
    assert.deepEqual(topProjects().similar('x'.repeat(10_000)), []);
  });

  it('ranks closer likenesses first, then by downloads', () => {
    const index = new NameIndex(['popular-thing', 'foo-bar', 'foobar', 'fooba', 'foobaz']);
    assert.deepEqual(index.similar('Foo_.Bar', 5), [], 'Foo_.Bar normalizes to foo-bar, which is known');
    assert.deepEqual(
      index.similar('foob_ar', 5).map((s) => [s.name, s.likeness]),
      [
        ['foo-bar', 'separator'],
        ['foobar', 'separator'],
      ],
    );
    assert.deepEqual(
      index.similar('foobax', 5).map((s) => s.name),
      ['foobar', 'fooba', 'foobaz'],
      'one edit each: by downloads',
    );
    assert.deepEqual(index.similar('foobax', 2).length, 2);
    assert.deepEqual(
      index.similar('popularthing-', 5).map((s) => [s.name, s.likeness]),
      [['popular-thing', 'separator']],
    );
  });

  it('computes the restricted Damerau–Levenshtein distance, bounded', () => {
    const random = seededRandom(99);
    const word = () => Array.from({ length: Math.floor(random() * 8) }, () => 'abc'[Math.floor(random() * 3)]).join('');
    for (let n = 0; n < 2000; n++) {
      const a = word();
      const b = word();
      const full = osa(a, b);
      for (const max of [0, 1, 2, 3]) assert.equal(boundedDistance(a, b, max), Math.min(full, max + 1), `${a} / ${b} within ${max}`);
    }
  });

  it('answers quickly enough to run for every unknown dependency', () => {
    const index = topProjects();
    const start = performance.now();
    for (let i = 0; i < 300; i++) index.similar(`some-unknown-project-${i}`);
    const perLookup = (performance.now() - start) / 300;
    assert.ok(perLookup < 20, `${perLookup.toFixed(2)} ms per look-up`);
  });
});

/** Textbook OSA distance, to check the bounded one against. */
function osa(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}
