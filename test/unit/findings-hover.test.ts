/** Status rules, the hover card, escaping of untrusted index text, and settings. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { findingsFor, pinnedRelease, type DependencyFacts } from '../../server/src/core/findings.js';
import { hoverMarkdown, hoverPlainText } from '../../server/src/core/hover.js';
import { projectPageUrl } from '../../server/src/core/pypi/client.js';
import type { ProjectInfo, ReleaseInfo } from '../../server/src/core/pypi/model.js';
import { code, link, text } from '../../server/src/core/markdown.js';
import { parseRequirements } from '../../server/src/core/requirements.js';
import { defaultCacheDirectory } from '../../server/src/core/cacheDirectory.js';
import { createIndexEnvironment } from '../../server/src/core/environment.js';
import { PYPI_JSON_API_URL, resolveSettings } from '../../server/src/core/settings.js';
import { VERSION } from '../../server/src/core/version.js';
import { REPO_ROOT } from '../support/lsp-client.js';

function dep(line: string) {
  const d = parseRequirements(line).dependencies[0];
  assert.ok(d, `no dependency in ${line}`);
  return d;
}

function project(overrides: Partial<ProjectInfo> = {}): ProjectInfo {
  return {
    name: 'demo',
    status: 'active',
    versions: ['1.0', '2.0.0'],
    releases: { '1.0': { yanked: true, yankedReason: 'broken wheel' }, '2.0.0': { yanked: false, uploadTime: '2024-05-01T10:00:00Z' } },
    latestVersion: '2.0.0',
    format: 'json',
    ...overrides,
  };
}

function release(overrides: Partial<ReleaseInfo> = {}): ReleaseInfo {
  return { name: 'demo', version: '2.0.0', classifiers: [], projectUrls: {}, yanked: false, vulnerabilities: [], ...overrides };
}

const found = <T>(data: T) => ({ state: 'found' as const, data, fetchedAt: Date.UTC(2026, 0, 1) });

describe('status rules', () => {
  it('reports each status, and nothing when the index could not be asked', () => {
    const d = dep('demo');
    assert.deepEqual(findingsFor(d, { project: { state: 'unknown', reason: 'timed out' } }), []);
    assert.deepEqual(
      findingsFor(d, { project: { state: 'not-found', fetchedAt: 0 } }).map((f) => f.code),
      ['not-found'],
    );
    for (const status of ['archived', 'quarantined', 'deprecated'] as const) {
      const findings = findingsFor(d, { project: found(project({ status, statusReason: 'Use other instead.' })) });
      assert.deepEqual(
        findings.map((f) => f.code),
        [status],
      );
      assert.match(findings[0]!.message, /Reason given: Use other instead\./);
    }
    assert.deepEqual(findingsFor(d, { project: found(project()) }), []);
  });

  it('compares pins as PEP 440 versions', () => {
    const info = project();
    assert.equal(pinnedRelease(info, dep('demo==1.0'))?.version, '1.0');
    assert.equal(pinnedRelease(info, dep('demo==1.0.0'))?.version, '1.0');
    assert.equal(pinnedRelease(info, dep('demo==2'))?.version, '2.0.0');
    assert.equal(pinnedRelease(info, dep('demo==3.0')), undefined);
    // === is arbitrary (string) equality.
    assert.equal(pinnedRelease(info, dep('demo===1.0'))?.version, '1.0');
    assert.equal(pinnedRelease(info, dep('demo===1.0.0')), undefined);
    assert.deepEqual(
      findingsFor(dep('demo===1.0.0'), { project: found(info) }).map((f) => f.code),
      ['missing-release'],
      'not yanked: not there',
    );
    const yanked = findingsFor(dep('demo==1.0.0'), { project: found(info) });
    assert.deepEqual(
      yanked.map((f) => f.code),
      ['yanked'],
    );
    assert.match(yanked[0]!.message, /broken wheel/);
    assert.deepEqual(findingsFor(dep('demo>=1.0'), { project: found(info) }), [], 'only exact pins can be yanked');
  });

  it('counts local versions for a pin without a local label, and reports yanked only when all are', () => {
    const info = project({
      versions: ['1.0+cpu', '1.0+gpu'],
      releases: { '1.0+cpu': { yanked: true, yankedReason: 'bad cpu build' }, '1.0+gpu': { yanked: true } },
    });
    const all = findingsFor(dep('demo==1.0'), { project: found(info) });
    assert.deepEqual(
      all.map((f) => f.code),
      ['yanked'],
    );
    assert.match(all[0]!.message, /bad cpu build/);
    assert.deepEqual(
      findingsFor(dep('demo==1.0+gpu'), { project: found(info) }).map((f) => f.code),
      ['yanked'],
    );
    const one = project({ versions: ['1.0', '1.0+cpu'], releases: { '1.0': { yanked: true }, '1.0+cpu': { yanked: false } } });
    assert.deepEqual(findingsFor(dep('demo==1.0'), { project: found(one) }), [], '1.0+cpu is installable');
    assert.deepEqual(findingsFor(dep('demo==1.0+cpu'), { project: found(one) }), []);
    assert.deepEqual(
      findingsFor(dep('demo==1.0+gpu'), { project: found(one) }).map((f) => f.code),
      ['missing-release'],
      'no release matches',
    );
  });

  it('reports vulnerabilities of the pinned release and the inactive classifier of the latest', () => {
    const facts: DependencyFacts = {
      project: found(project()),
      pinned: found(release({ vulnerabilities: [{ id: 'PYSEC-1', aliases: [], fixedIn: ['2.1'] }] })),
      latest: found(release({ classifiers: ['Development Status :: 7 - Inactive'] })),
    };
    assert.deepEqual(
      findingsFor(dep('demo==2.0.0'), facts).map((f) => f.code),
      ['vulnerable', 'inactive'],
    );
  });
});

describe('hover card', () => {
  it('shows status, latest, pin, vulnerabilities, summary and links', () => {
    const facts: DependencyFacts = {
      project: found(project({ status: 'archived', statusReason: 'Moved to other-project.' })),
      pinned: found(
        release({ version: '1.0', yanked: true, vulnerabilities: [{ id: 'GHSA-xxxx', aliases: [], link: 'https://osv.dev/GHSA-xxxx', fixedIn: [] }] }),
      ),
      latest: found(release({ summary: 'A demo package', projectUrls: { Homepage: 'https://example.com/demo' }, uploadTime: '2024-05-01T10:00:00Z' })),
    };
    const md = hoverMarkdown(dep('demo==1.0'), facts, {
      projectPage: projectPageUrl('https://pypi.org/simple/', 'demo')!,
      alternatives: [{ name: 'other-project', origin: 'from your settings' }],
    });
    assert.match(md, /\*\*archived\*\*/);
    assert.match(md, /Moved to other\\-project\\\./);
    assert.match(md, /Latest: 2\\\.0\\\.0 \(released 2024\\-05\\-01\)/);
    assert.match(md, /\*\*yanked\*\*: broken wheel/);
    assert.match(md, /\[GHSA\\-xxxx\]\(https:\/\/osv\.dev\/GHSA-xxxx\)/);
    assert.match(md, /A demo package/);
    assert.match(md, /\[Index page\]\(https:\/\/pypi\.org\/project\/demo\/\)/);
    assert.match(md, /Alternative: \*\*other\\-project\*\*/);
  });

  it('says when every release is yanked, where there is no latest one to show', () => {
    const allYanked = project({ releases: { '1.0': { yanked: true }, '2.0.0': { yanked: true } }, latestVersion: undefined });
    assert.match(hoverMarkdown(dep('demo'), { project: found(allYanked) }), /Every release is yanked/);
    assert.doesNotMatch(hoverMarkdown(dep('demo'), { project: found(project()) }), /Every release is yanked/);
  });

  it('says when the status is unknown or the answer is stale', () => {
    assert.match(hoverMarkdown(dep('demo'), { project: { state: 'unknown', reason: 'HTTP 503' } }), /Status unknown: .*HTTP 503/);
    const stale = hoverMarkdown(dep('demo'), { project: { ...found(project()), stale: 'timed out' } });
    assert.match(stale, /As of 2026\\?-01\\?-01/);
    assert.match(hoverPlainText(dep('demo'), { project: { state: 'unknown', reason: 'HTTP 503' } }), /Status unknown: not checked, /);
  });

  it('says a dependency whose JSON API lookup failed was not fully checked, and why', () => {
    const card = hoverPlainText(dep('demo==1.0'), { project: found(project()), pinned: { state: 'unknown', reason: 'HTTP 502' } });
    assert.match(card, /Not fully checked: known vulnerabilities and the inactive classifier could not be read \(JSON API: HTTP 502\)\./);
    assert.doesNotMatch(hoverPlainText(dep('demo==1.0'), { project: found(project()) }), /Not fully checked/);
  });

  it('escapes everything the index controls', () => {
    const hostile =
      'Click [here](command:workbench.action.terminal.new) ![x](https://evil.example/p.png) <img src=x onerror=alert(1)> `code` \u001b[31m\u202Egnp.exe';
    const facts: DependencyFacts = {
      project: found(project({ status: 'deprecated', statusReason: hostile })),
      latest: found(
        release({
          summary: hostile,
          projectUrls: { 'Evil](command:x)': 'command:workbench.action.quit', Script: 'javascript:alert(1)', Fine: 'https://example.com/a b)c' },
        }),
      ),
    };
    const md = hoverMarkdown(dep('demo'), facts);
    assert.ok(!md.includes('](command:'), md);
    assert.ok(!md.includes('javascript:'), md);
    assert.ok(!md.includes('<img'), md);
    assert.ok(!md.includes('!['), md);
    assert.ok(!/[\u001b\u202e]/.test(md), 'control and bidi characters are dropped');
    assert.match(md, /\[Fine\]\(https:\/\/example\.com\/a%20b%29c\)/);
    assert.equal(text('a*b_c'), 'a\\*b\\_c');
    assert.equal(link('x', 'command:foo'), 'x');
    assert.equal(link('x', 'https://u:p@example.com/'), '[x](https://example.com/)', 'credentials never reach a hover');
    assert.equal(code('a`b'), '``a`b``');
  });
});

describe('index text in hovers and messages', () => {
  const hostile = 'Security update: download https://evil.example/fix.whl or www.evil.example, mail admin@evil.example';

  it('gives renderers no bare URL or address to turn into a link', () => {
    const facts: DependencyFacts = {
      project: found(project({ status: 'deprecated', statusReason: hostile })),
      pinned: found(
        release({ version: '2.0.0', vulnerabilities: [{ id: 'https://evil.example/id', aliases: [], fixedIn: ['https://evil.example/v'], summary: hostile }] }),
      ),
      latest: found(release({ summary: hostile, uploadTime: '2024-05-01T10:00:00Z' })),
    };
    const md = hoverMarkdown(dep('demo==2.0.0'), facts);
    // GFM autolinks need "scheme:", "www." or "x@y"; escaped, they stay text.
    assert.ok(!/https:\/\/|www\.|[^\\]@/.test(md), md);
    assert.match(md, /https\\:\/\/evil\\\.example/);
  });

  it('keeps messages on one line, without control characters, and bounds what the index can make long', () => {
    const facts: DependencyFacts = {
      project: found(project({ latestVersion: '2.0.0' })),
      pinned: found(
        release({
          version: '2.0.0',
          vulnerabilities: [
            { id: `PYSEC-1\n\u001b[31mALL CLEAR\u202e${'x'.repeat(100_000)}`, aliases: [], fixedIn: Array.from({ length: 50_000 }, (_, i) => `9.${i}`) },
          ],
        }),
      ),
      // The document's own version is the index's text: the message names the version asked for.
      latest: found(release({ version: '1.0\n\nAll clear', classifiers: ['Development Status :: 7 - Inactive'] })),
    };
    const messages = findingsFor(dep('demo==2.0.0'), facts).map((f) => f.message);
    assert.equal(messages.length, 2);
    for (const m of messages) {
      assert.ok(!/[\n\u001b\u202e]/.test(m), JSON.stringify(m));
      assert.ok(m.length < 300, `${m.length} characters`);
    }
    assert.match(messages[1]!, /latest release \(2\.0\.0\)/);
    assert.ok(hoverMarkdown(dep('demo==2.0.0'), facts).length < 2_000);
  });

  it('writes the same card in plain text, with links spelled out and nothing that renders', () => {
    const facts: DependencyFacts = {
      project: found(project({ status: 'archived', statusReason: 'Use *other* instead.\n\u202eevil' })),
      latest: found(release({ summary: 'A demo', projectUrls: { Homepage: 'https://example.com/demo', Bad: 'javascript:alert(1)' } })),
    };
    const plain = hoverPlainText(dep('demo==2.0.0'), facts, { projectPage: projectPageUrl('https://pypi.org/simple/', 'demo')! });
    assert.match(plain, /^demo ==2\.0\.0\n\nStatus: archived: the maintainers .*\. Reason: Use \*other\* instead\. evil$/m);
    assert.match(plain, /^Index page <https:\/\/pypi\.org\/project\/demo\/> · Homepage <https:\/\/example\.com\/demo>$/m);
    assert.ok(!plain.includes('javascript'), plain);
    assert.ok(!/[\u202e\\]/.test(plain), plain);
  });

  it('shows a release date only when the index gives a date', async () => {
    const { decodeSimpleJson } = await import('../../server/src/core/pypi/simple.js');
    const page = (time: string) =>
      JSON.stringify({ meta: { 'api-version': '1.1' }, name: 'demo', files: [{ filename: 'demo-1.0.tar.gz', url: 'x', hashes: {}, 'upload-time': time }] });
    assert.equal(decodeSimpleJson(page('last Tuesday, honest'), 'demo').releases['1.0']?.uploadTime, undefined);
    assert.equal(decodeSimpleJson(page('https://e'), 'demo').releases['1.0']?.uploadTime, undefined);
    assert.equal(decodeSimpleJson(page('2024-05-01T10:00:00.123456Z'), 'demo').releases['1.0']?.uploadTime, '2024-05-01T10:00:00.123456Z');
  });
});

describe('settings', () => {
  it('uses PyPI by default and keeps a private index private', () => {
    const defaults = resolveSettings(undefined);
    assert.equal(defaults.indexUrl, 'https://pypi.org/simple/');
    assert.equal(defaults.jsonApiUrl, PYPI_JSON_API_URL);
    assert.equal(defaults.ttlMs, 3_600_000);
    assert.equal(defaults.concurrency, 16);
    const priv = resolveSettings({ indexUrl: 'https://user:tok@pkgs.example.com/simple' });
    assert.equal(priv.indexUrl, 'https://user:tok@pkgs.example.com/simple/');
    assert.equal(priv.jsonApiUrl, null, 'no JSON API on pypi.org for a private index unless asked');
    assert.equal(resolveSettings({ jsonApiUrl: null }).jsonApiUrl, null);
  });

  it('reports bad values and keeps the defaults', () => {
    const warnings: string[] = [];
    const s = resolveSettings(
      {
        indexUrl: 'ftp://x',
        concurrency: -1,
        cache: { ttlSeconds: 'soon' },
        severity: { archived: 'loud', nope: 'error', inactive: 'off' },
        ignore: ['Foo_Bar', 3],
        alternatives: { sklearn: 'scikit-learn', pycrypto: ['pycryptodome', 7] },
      },
      (m) => warnings.push(m),
    );
    assert.equal(s.indexUrl, 'https://pypi.org/simple/');
    assert.match(s.indexUnusable ?? '', /not an http\(s\) URL: ftp:\/\/x/, 'an index that cannot be used is not replaced by PyPI');
    assert.equal(s.jsonApiUrl, null);
    assert.equal(s.concurrency, 16);
    assert.equal(s.ttlMs, 3_600_000);
    assert.equal(s.severity.archived, 'warning');
    assert.equal(s.severity.inactive, 'off');
    assert.deepEqual([...s.ignore], ['foo-bar']);
    assert.deepEqual(s.alternatives.get('pycrypto'), ['pycryptodome']);
    assert.equal(warnings.length, 5, warnings.join('\n'));
  });

  it('reads the defaults VS Code sends (every contributed default) as the documented defaults', () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      contributes: { configuration: { properties: Record<string, { default?: unknown }> } };
    };
    // What workspace/configuration answers for the section: each contributed key's default, nested by its dots.
    const sent: Record<string, unknown> = {};
    for (const [key, schema] of Object.entries(pkg.contributes.configuration.properties)) {
      const parts = key.split('.').slice(1);
      let at = sent;
      for (const part of parts.slice(0, -1)) at = (at[part] ??= {}) as Record<string, unknown>;
      at[parts.at(-1)!] = schema.default;
    }
    const s = resolveSettings(sent);
    assert.equal(s.jsonApiUrl, PYPI_JSON_API_URL, 'the JSON API is on for PyPI');
    assert.equal(s.cacheDirectory, defaultCacheDirectory(), 'the disk cache is on');
    assert.equal(s.indexUrlSet, undefined, "VS Code's default index is no override: the installer's configuration still applies");
    assert.equal(resolveSettings({ ...sent, indexUrl: 'https://pkgs.example.com/simple/' }).jsonApiUrl, null, 'and off for a private index');
  });

  it('looks nothing up when the configured index URL is unusable, and never prints its credentials', async () => {
    const warnings: string[] = [];
    const s = resolveSettings({ indexUrl: 'https://deploy:S3CRET/tok@pkgs.example.com:99999/simple/' }, (m) => warnings.push(m));
    assert.ok(s.indexUnusable);
    assert.ok(!JSON.stringify([warnings, s.indexUnusable]).includes('S3CRET'), JSON.stringify(warnings));
    const env = createIndexEnvironment({ ...s, cacheDirectory: null });
    try {
      const lookup = await env.client.project('six');
      assert.equal(lookup.state, 'unknown');
      assert.equal(env.client.stats.requests, 0);
    } finally {
      await env.close();
    }
  });

  it('keeps the version in the User-Agent equal to the package version', () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'server', 'package.json'), 'utf8')) as { version: string };
    assert.equal(VERSION, pkg.version);
  });
});
