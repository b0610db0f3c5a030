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
