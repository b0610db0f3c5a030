/** The warning an editor without the unchecked notification gets: once per index and kind of failure while it lasts. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failureKind, UncheckedMessages } from '../../server/src/lsp/uncheckedMessages.js';

const INDEX = 'https://pypi.example/simple/';
const down = (n: number, reason = 'HTTP 503') => Array.from({ length: n }, () => ({ sourceKey: INDEX, reason }));

describe('unchecked messages', () => {
  it('says how many and why, once while the failure lasts, whatever its details become', () => {
    const m = new UncheckedMessages();
    assert.deepEqual(m.update('a', 'requirements.txt', down(12)), [
      'pypi-status: 12 dependencies of requirements.txt not checked: HTTP 503 (index https://pypi.example/simple/).',
    ]);
    assert.deepEqual(m.update('a', 'requirements.txt', down(12, 'the index is backed off after errors (retrying in 8 s)')), []);
    assert.deepEqual(m.update('b', 'pyproject.toml', down(1)), [], 'another file, the same outage');
    assert.deepEqual(m.update('a', 'requirements.txt', []), []);
    assert.deepEqual(m.update('b', 'pyproject.toml', []), []);
    assert.deepEqual(m.update('a', 'requirements.txt', down(1)), [
      'pypi-status: 1 dependency of requirements.txt not checked: HTTP 503 (index https://pypi.example/simple/).',
    ]);
  });

  it('says again when the kind of failure changes, or once a closed file took its failure with it', () => {
    const m = new UncheckedMessages();
    assert.equal(m.update('a', 'r.txt', down(2)).length, 1);
    const refused = `index \`pypi.example\` refused the request (HTTP 401): set credentials in pip.conf`;
    assert.deepEqual(m.update('a', 'r.txt', down(2, refused)), [`pypi-status: 2 dependencies of r.txt not checked: ${refused} (index ${INDEX}).`]);
    m.forget('a');
    assert.equal(m.update('a', 'r.txt', down(2, refused)).length, 1);
  });

  it('says "not fully checked" where only the JSON API failed, without naming the simple index that answered', () => {
    const m = new UncheckedMessages();
    assert.deepEqual(m.update('a', 'r.txt', down(2, 'JSON API: HTTP 503')), ['pypi-status: 2 dependencies of r.txt not fully checked: JSON API: HTTP 503.']);
    assert.equal(failureKind('JSON API: HTTP 503'), 'details');
    assert.equal(m.update('a', 'r.txt', down(1)).length, 1, 'the index itself failing is news');
  });

  it('names the index only where the source is one index and the reason does not', () => {
    const m = new UncheckedMessages();
    const reason = 'locked from https://private.example/simple, another registry than the configured index: asked only in a trusted workspace';
    assert.deepEqual(m.update('a', 'uv.lock', [{ sourceKey: `not checked: ${reason}`, reason }]), [
      `pypi-status: 1 dependency of uv.lock not checked: ${reason}.`,
    ]);
    assert.equal(failureKind(reason), 'not-asked');
    assert.equal(failureKind('offline and not in the cache'), 'offline');
    assert.equal(failureKind('connect ECONNREFUSED 127.0.0.1:9'), 'unreachable');
  });
});
