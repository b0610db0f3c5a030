/** Per-file requires-python and PEP 740 provenance in the simple API, JSON and HTML alike. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { decodeSimpleHtml, decodeSimpleJson } from '../../server/src/core/pypi/simple.js';

const data = (name: string) => readFileSync(new URL(`../data/pep740/${name}`, import.meta.url), 'utf8');

describe('simple API: requires-python and provenance per release', () => {
  const json = decodeSimpleJson(data('cryptography.simple.v1.json'), 'cryptography');
  const html = decodeSimpleHtml(data('cryptography.simple.html'), 'cryptography');

  it('reads both from the real cryptography pages, the same from JSON and HTML', () => {
    for (const info of [json, html]) {
      assert.deepEqual(info.releases['41.0.7']!.requiresPython, ['>=3.7']);
      assert.equal(info.releases['41.0.7']!.attestedFiles, undefined);
      assert.equal(info.releases['42.0.0']!.provenanceUrl, undefined);
      assert.deepEqual(info.releases['48.0.0']!.requiresPython, ['!=3.9.0,!=3.9.1,>=3.9']);
      assert.equal(info.releases['48.0.0']!.attestedFiles, 2);
      assert.equal(info.releases['48.0.0']!.files, 2);
      assert.match(info.releases['48.0.0']!.provenanceUrl!, /^https:\/\/pypi\.org\/integrity\/cryptography\/48\.0\.0\/cryptography-48\.0\.0.*\/provenance$/);
      assert.equal(info.releases['45.0.0']!.yanked, true);
      assert.equal(info.releases['45.0.0']!.attestedFiles, 2, 'a yanked release keeps its attestations');
    }
    const withoutUploadTime = Object.fromEntries(Object.entries(json.releases).map(([v, { uploadTime: _, ...rest }]) => [v, rest]));
    assert.deepEqual(withoutUploadTime, html.releases, 'HTML has no upload-time; all else agrees');
  });

  it('tells an index that serves PEP 740 from one that does not, and HTML that cannot tell', () => {
    assert.equal(json.attestations, 'served', 'PyPI sends the provenance key on every file');
    assert.equal(html.attestations, 'served', 'the HTML page names some provenance: the index serves them');
    const page = (files: object[]) => JSON.stringify({ meta: { 'api-version': '1.1' }, name: 'x', files });
    assert.equal(decodeSimpleJson(page([{ filename: 'x-1.0.tar.gz', yanked: false, provenance: null }]), 'x').attestations, 'served');
    assert.equal(decodeSimpleJson(page([{ filename: 'x-1.0.tar.gz', yanked: false }]), 'x').attestations, 'not-served');
    assert.equal(decodeSimpleJson(page([]), 'x').attestations, 'not-served');
    const links = (a: string) => `<!DOCTYPE html><html><body><h1>Links for x</h1>${a}</body></html>`;
    assert.equal(decodeSimpleHtml(links('<a href="x-1.0.tar.gz">x-1.0.tar.gz</a>'), 'x').attestations, 'unknown');
    assert.equal(decodeSimpleHtml(links('<a href="x-1.0.tar.gz" data-provenance="p">x-1.0.tar.gz</a>'), 'x').attestations, 'served');
  });

  it('reads the recorded PyPI pages as PEP 740 says: the JSON key on every file, HTML only where there is one', () => {
    const recorded = (name: string) => readFileSync(new URL(`../data/pypi-responses/${name}`, import.meta.url), 'utf8');
    // Django publishes no attestations: its JSON page says so, its HTML page cannot.
    assert.equal(decodeSimpleJson(recorded('simple-json/django.pypi.simple.v1.json'), 'django').attestations, 'served');
    assert.equal(decodeSimpleHtml(recorded('simple-html/django.pypi.simple.html'), 'django').attestations, 'unknown');
    // A capture from before api-version 1.3 has no provenance key.
    assert.equal(decodeSimpleJson(recorded('simple-json/poetry__isort-metadata.json'), 'isort').attestations, 'not-served');
  });

  it('counts a file without requires-python as installable anywhere, and ignores yanked files', () => {
    const page = (files: object[]) => JSON.stringify({ meta: { 'api-version': '1.1' }, name: 'x', files });
    const a = decodeSimpleJson(
      page([
        { filename: 'x-1.0.tar.gz', yanked: false, 'requires-python': '>=3.8' },
        { filename: 'x-1.0-py3-none-any.whl', yanked: false, 'requires-python': null },
      ]),
      'x',
    );
    assert.equal(a.releases['1.0']!.requiresPython, undefined);
    const b = decodeSimpleJson(
      page([
        { filename: 'x-1.0.tar.gz', yanked: true, 'requires-python': '>=2.7' },
        { filename: 'x-1.0-py3-none-any.whl', yanked: false, 'requires-python': '>=3.8' },
      ]),
      'x',
    );
    assert.deepEqual(b.releases['1.0']!.requiresPython, ['>=3.8']);
  });

  it('drops values of the wrong type or of absurd size, and keeps one of each distinct value', () => {
    const body = JSON.stringify({
      meta: { 'api-version': '1.1' },
      name: 'x',
      files: [
        { filename: 'x-1.0.tar.gz', yanked: false, 'requires-python': 38, provenance: { url: 'u' } },
        { filename: 'x-2.0.tar.gz', yanked: false, 'requires-python': '>=3.8', provenance: 'x'.repeat(100_000) },
        { filename: 'x-2.0-py3-none-any.whl', yanked: false, 'requires-python': '>=3.9', provenance: '' },
        { filename: 'x-2.0-py2-none-any.whl', yanked: false, 'requires-python': '>=3.9' },
      ],
    });
    const info = decodeSimpleJson(body, 'x');
    assert.equal(info.releases['1.0']!.requiresPython, undefined);
    assert.equal(info.releases['1.0']!.provenanceUrl, undefined);
    assert.deepEqual(info.releases['2.0']!.requiresPython, ['>=3.8', '>=3.9']);
    assert.equal(info.releases['2.0']!.attestedFiles, undefined);
  });

  it('decodes entities in HTML attributes', () => {
    const body =
      '<!DOCTYPE html><html><body><a href="x-1.0.tar.gz" data-requires-python="&gt;=3.8,&lt;4" data-provenance="https://i.example/x/1.0/x-1.0.tar.gz/provenance?a=1&amp;b=2">x-1.0.tar.gz</a></body></html>';
    const info = decodeSimpleHtml(body, 'x');
    assert.deepEqual(info.releases['1.0']!.requiresPython, ['>=3.8,<4']);
    assert.equal(info.releases['1.0']!.provenanceUrl, 'https://i.example/x/1.0/x-1.0.tar.gz/provenance?a=1&b=2');
  });
});
