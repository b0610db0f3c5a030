/** Decoding of real recorded PyPI responses (test/data/pypi-responses). */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { decodeRelease } from '../../server/src/core/pypi/jsonapi.js';
import { DecodeError, decodeSimpleHtml, decodeSimpleJson, versionFromFilename } from '../../server/src/core/pypi/simple.js';
import { pypiResponse } from '../support/data.js';
import { loadProject, renderSimpleHtml } from '../support/index-catalog.js';

function corpus(relative: string): string {
  const file = pypiResponse(relative);
  assert.ok(existsSync(file), `missing recorded response ${file}`);
  return readFileSync(file, 'utf8');
}

/** PyPI's HTML page: django's as recorded; cryptography's (1.9 MB, not kept) as the test index renders it from the JSON, byte for byte the same. */
function simpleHtml(name: 'django' | 'cryptography'): string {
  if (name === 'django') return corpus('simple-html/django.pypi.simple.html');
  const def = { ...loadProject(name)! };
  delete def.raw;
  return renderSimpleHtml(def);
}

describe('simple API decoding (PEP 691 / PEP 503 / PEP 792)', () => {
  it('reads the archived status of pepy from both representations', () => {
    const json = decodeSimpleJson(corpus('project-status/uv__pepy.minimized.simple.v1.json'), 'pepy');
    const html = decodeSimpleHtml(corpus('project-status/uv__pepy.minimized.simple.html'), 'pepy');
    for (const info of [json, html]) {
      assert.equal(info.status, 'archived');
      assert.equal(info.statusReason, undefined);
      assert.equal(info.latestVersion, '2.1.1');
      assert.deepEqual(Object.keys(info.releases), ['2.1.1']);
    }
    assert.equal(json.releases['2.1.1']!.uploadTime, '2022-11-14T17:14:53.935145Z');
  });

  it('reads an archived project with no files at all (pil)', () => {
    const json = decodeSimpleJson(corpus('project-status/warehouse-issue-19017__pil.simple.v1.json'), 'pil');
    const html = decodeSimpleHtml(corpus('project-status/warehouse-issue-19017__pil.simple.html'), 'pil');
    for (const info of [json, html]) {
      assert.equal(info.status, 'archived');
      assert.deepEqual(info.versions, []);
      assert.equal(info.latestVersion, undefined);
    }
  });

  it('reads reasons, unknown statuses and upper-case tags from HTML', () => {
    const haunted = decodeSimpleHtml(corpus('project-status/uv__html_rs__archived_with_reason.SYNTHETIC.html'), 'fakeproject');
    assert.equal(haunted.status, 'archived');
    assert.equal(haunted.statusReason, 'This project is haunted.');
    const emoji = decodeSimpleHtml(corpus('project-status/uv__html_rs__deprecated_emoji_reason.SYNTHETIC.html'), 'x');
    assert.equal(emoji.status, 'deprecated');
    assert.ok(emoji.statusReason && /[^\x00-\x7f]/.test(emoji.statusReason));
    const unknown = decodeSimpleHtml(corpus('project-status/uv__html_rs__unknown_status.SYNTHETIC.html'), 'x');
    assert.equal(unknown.status, 'active');
    assert.equal(unknown.rawStatus, 'unknown-status');
    const upper = decodeSimpleHtml(corpus('project-status/uv__html_rs__uppercase_tags.SYNTHETIC.html'), 'x');
    assert.equal(upper.status, 'archived');
  });

  it('treats a page older than api-version 1.4 as active whatever it says', () => {
    const body = JSON.stringify({ meta: { 'api-version': '1.1' }, name: 'x', files: [], versions: [], 'project-status': { status: 'archived' } });
    assert.equal(decodeSimpleJson(body, 'x').status, 'active');
  });

  it('finds yanked releases in real captures (django, cryptography), JSON and HTML alike', () => {
    for (const name of ['django', 'cryptography'] as const) {
      const json = decodeSimpleJson(corpus(`simple-json/${name}.pypi.simple.v1.json`), name);
      const html = decodeSimpleHtml(simpleHtml(name), name);
      assert.equal(json.status, 'active');
      assert.equal(html.status, 'active');
      const yankedJson = Object.entries(json.releases)
        .filter(([, r]) => r.yanked)
        .map(([v]) => v)
        .sort();
      const yankedHtml = Object.entries(html.releases)
        .filter(([, r]) => r.yanked)
        .map(([v]) => v)
        .sort();
      assert.ok(yankedJson.length > 0, `${name} has yanked releases`);
      assert.deepEqual(yankedHtml, yankedJson);
      assert.equal(json.latestVersion, html.latestVersion);
      assert.ok(json.latestVersion && !yankedJson.includes(json.latestVersion));
    }
  });

  it('rejects bodies that are not project pages instead of guessing', () => {
    assert.throws(() => decodeSimpleJson('{"not": "a page"', 'x'), DecodeError);
    assert.throws(() => decodeSimpleJson('{"meta": {}}', 'x'), DecodeError);
    assert.throws(() => decodeSimpleHtml('\u0000\u0001 binary junk', 'x'), DecodeError);
    // PEP 629: a major version this client does not know is not read as version 1.
    const quarantined = { status: 'quarantined' };
    assert.throws(
      () => decodeSimpleJson(JSON.stringify({ meta: { 'api-version': '2.0' }, name: 'x', files: [], 'project-status': quarantined }), 'x'),
      /version 2\.0/,
    );
    assert.throws(
      () =>
        decodeSimpleHtml(
          '<html><head><meta name="pypi:repository-version" content="2.0"><meta name="pypi:project-status" content="archived"></head></html>',
          'x',
        ),
      DecodeError,
    );
    assert.equal(
      decodeSimpleJson(JSON.stringify({ meta: { 'api-version': '1.4' }, name: 'x', files: [], 'project-status': quarantined }), 'x').status,
      'quarantined',
    );
  });

  it('extracts versions from distribution filenames', () => {
    assert.equal(versionFromFilename('Django-4.2.1-py3-none-any.whl', 'django'), '4.2.1');
    assert.equal(versionFromFilename('python-dateutil-2.8.2.tar.gz', 'python-dateutil'), '2.8.2');
    assert.equal(versionFromFilename('zope.interface-5.0.zip', 'zope-interface'), '5.0');
    assert.equal(versionFromFilename('six-1.16.0-py2.7.egg', 'six'), '1.16.0');
    assert.equal(versionFromFilename('README.txt', 'six'), undefined);
  });

  it('reads yanked as PEP 691 says: a truthy value, with a non-empty string as the reason', () => {
    const page = (yanked: unknown) =>
      decodeSimpleJson(
        JSON.stringify({
          meta: { 'api-version': '1.4' },
          name: 'x',
          versions: ['1.0', '2.0'],
          files: [{ filename: 'x-1.0.tar.gz', yanked }, { filename: 'x-2.0.tar.gz' }],
        }),
        'x',
      );
    assert.equal(page('').releases['1.0']!.yanked, false, 'an empty string is falsy');
    assert.equal(page(false).releases['1.0']!.yanked, false);
    assert.equal(page(1).releases['1.0']!.yanked, true, 'a truthy non-boolean');
    assert.deepEqual(page('bad build').releases['1.0'], { yanked: true, yankedReason: 'bad build' });
  });

  it('groups files by PEP 440 version, named as the version list names it', () => {
    // Real: PyPI lists pyyaml 3.13 as "3.13.0" while its files say 3.13.
    const pyyaml = decodeSimpleJson(corpus('simple-json/poetry__pyyaml.json'), 'pyyaml');
    assert.equal(pyyaml.latestVersion, '3.13.0');
    assert.ok(pyyaml.releases['3.13.0'], JSON.stringify(Object.keys(pyyaml.releases)));
    const split = decodeSimpleJson(
      JSON.stringify({
        meta: { 'api-version': '1.1' },
        name: 'split',
        versions: ['1.0'],
        files: [
          { filename: 'split-1.0.tar.gz', yanked: 'sdist broken' },
          { filename: 'split-1.0.0-py3-none-any.whl', yanked: false },
        ],
      }),
      'split',
    );
    assert.deepEqual(split.releases, { '1.0': { yanked: false } }, 'one file of the two is installable');
    const html = decodeSimpleHtml(
      '<!DOCTYPE html><html><body><a href="foo-1.0.0.tar.gz">foo-1.0.0.tar.gz</a><a href="foo-2.0-py3-none-any.whl">foo-2.0-py3-none-any.whl</a></body></html>',
      'foo',
    );
    assert.equal(html.latestVersion, '2.0');
  });

  it('reads HTML tags as a browser does: quoted ">", upper-case closing tags, comments', () => {
    const page = (links: string) =>
      decodeSimpleHtml(`<!DOCTYPE html><html><head><meta name="pypi:repository-version" content="1.4"></head><body>${links}</body></html>`, 'x');
    const quoted = page(
      '<a href="x-1.0.tar.gz" data-requires-python=">=3.8" data-yanked="broken build">x-1.0.tar.gz</a><a href="x-0.9.tar.gz">x-0.9.tar.gz</a>',
    );
    assert.deepEqual(quoted.releases['1.0'], { yanked: true, yankedReason: 'broken build', requiresPython: ['>=3.8'] });
    assert.equal(quoted.latestVersion, '0.9');
    const mixed = page('<A HREF="x-1.0.tar.gz" DATA-YANKED="broken">x-1.0.tar.gz</A>\n<a href="x-2.0.tar.gz">x-2.0.tar.gz</a>');
    assert.deepEqual(Object.keys(mixed.releases).sort(), ['1.0', '2.0']);
    assert.equal(mixed.releases['1.0']!.yanked, true);
    const commented = page('<!-- <a href="x-9.0.tar.gz">x-9.0.tar.gz</a> --><a href="x-1.0.tar.gz">x-1.0.tar.gz</a>');
    assert.deepEqual(Object.keys(commented.releases), ['1.0']);
    // An attribute that never closes ends the page's tags, as in a browser; nothing after it is misread.
    assert.deepEqual(Object.keys(page('<a href="x-1.0.tar.gz">x-1.0.tar.gz</a><a href="x-2.0.tar.gz data-yanked>').releases), ['1.0']);
  });

  it('reads the real poetry capture of black, whose attributes hold a raw ">"', () => {
    const black = decodeSimpleHtml(corpus('simple-html/poetry__legacy__black.html'), 'black');
    assert.ok(Object.keys(black.releases).length > 0);
    for (const version of Object.keys(black.releases)) assert.match(version, /^[0-9][0-9a-z.]*$/, `garbage release key ${JSON.stringify(version)}`);
  });
});

describe('JSON API decoding', () => {
  it('reads non-withdrawn vulnerabilities of pycrypto 2.6.1', () => {
    const release = decodeRelease(corpus('json-api/pycrypto-2.6.1.release.json'));
    assert.equal(release.version, '2.6.1');
    assert.deepEqual(release.vulnerabilities.map((v) => v.id).sort(), ['GHSA-6528-wvf6-f6qg', 'GHSA-cq27-v7xp-c356', 'PYSEC-2017-94', 'PYSEC-2018-97']);
  });

  it('reads the inactive classifier of snowchange 2.8.1', () => {
    const release = decodeRelease(corpus('json-api/snowchange-2.8.1.release.json'));
    assert.ok(release.classifiers.includes('Development Status :: 7 - Inactive'));
  });

  it('reads yanked releases with their reason', () => {
    const black = decodeRelease(corpus('json-api/poetry__release__black-21.11b0.json'));
    assert.equal(black.yanked, true);
    assert.ok(black.yankedReason);
  });

  it('drops withdrawn advisories', () => {
    const doc = JSON.parse(corpus('json-api/pycrypto-2.6.1.release.json')) as { vulnerabilities: { withdrawn: string | null }[] };
    doc.vulnerabilities[0]!.withdrawn = '2024-01-01T00:00:00Z';
    assert.equal(decodeRelease(JSON.stringify(doc)).vulnerabilities.length, 3);
  });
});
