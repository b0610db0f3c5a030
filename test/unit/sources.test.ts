/** Index options in files: which index is asked for what. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createIndexEnvironment } from '../../server/src/core/environment.js';
import { gatherFacts, peekFacts } from '../../server/src/core/findings.js';
import { parseRequirements } from '../../server/src/core/requirements.js';
import { resolveSettings } from '../../server/src/core/settings.js';
import { makeProject } from '../support/index-catalog.js';
import { startIndexServer, type IndexServer } from '../support/index-server.js';

describe('index sources of a trusted file', () => {
  let primary: IndexServer;
  let extra: IndexServer;
  before(async () => {
    primary = await startIndexServer();
    extra = await startIndexServer();
    extra.setProject('private-lib', makeProject({ name: 'private-lib', versions: ['0.2.0', '1.0'] }));
  });
  after(async () => {
    await Promise.all([primary.close(), extra.close()]);
  });

  it("asks the primary index's JSON API only about projects found on the primary index", async () => {
    const settings = resolveSettings({ indexUrl: primary.simpleUrl, jsonApiUrl: primary.jsonApiUrl, cache: { directory: null } });
    const env = createIndexEnvironment(settings);
    try {
      const parsed = parseRequirements(`--extra-index-url ${extra.simpleUrl}\nprivate-lib==1.0\nsix==1.16.0\n`);
      const source = env.pool.sourceFor(parsed, true);
      const [priv, six] = parsed.dependencies;
      const privFacts = await gatherFacts(priv!, source);
      assert.equal(privFacts.project.state, 'found');
      assert.equal(privFacts.pinned?.state, 'not-found', 'the extra index has no JSON API');
      const sixFacts = await gatherFacts(six!, source);
      assert.equal(sixFacts.pinned?.state, 'found');
      const asked = primary.requests.map((r) => r.path).filter((p) => p.startsWith('/pypi/'));
      assert.ok(!asked.some((p) => p.includes('private-lib')), `the primary's JSON API was asked about private-lib: ${asked.join(' ')}`);
      assert.ok(asked.some((p) => p.startsWith('/pypi/six/')));
      // From memory, the same answer without asking.
      assert.equal(peekFacts(priv!, env.pool.sourceFor(parsed, true))?.pinned?.state, 'not-found');
    } finally {
      await env.close();
    }
  });

  it('never turns an unusable configured index into pypi.org for a file with extra indexes', async () => {
    const settings = resolveSettings({ indexUrl: 'pkgs.example.com/simple', cache: { directory: null } });
    const env = createIndexEnvironment(settings);
    try {
      const parsed = parseRequirements(`--extra-index-url ${extra.simpleUrl}\nprivate-lib==1.0\n`);
      const facts = await gatherFacts(parsed.dependencies[0]!, env.pool.sourceFor(parsed, true));
      assert.equal(facts.project.state, 'found', 'the extra index is still asked');
      assert.ok(!env.pool.all.some((c) => c.indexUrl.startsWith('https://pypi.org/')), env.pool.all.map((c) => c.indexUrl).join(' '));
    } finally {
      await env.close();
    }
  });

  it('links the page of the index that has the project, and pages only where the layout is known', async () => {
    const settings = resolveSettings({ indexUrl: primary.simpleUrl, jsonApiUrl: null, cache: { directory: null } });
    const env = createIndexEnvironment(settings);
    try {
      assert.equal(env.pool.default.projectPage('Six'), undefined, 'a private index has no known page layout');
      assert.equal(env.pool.client('https://pypi.org/simple/', null).projectPage('Foo_Bar'), 'https://pypi.org/project/foo-bar/');
      assert.equal(env.pool.client('https://test.pypi.org/simple/', null).projectPage('x'), 'https://test.pypi.org/project/x/');
      const unusable = createIndexEnvironment(resolveSettings({ indexUrl: 'pypi.org/simple', cache: { directory: null } }));
      assert.equal(unusable.pool.default.projectPage('six'), undefined, 'an unusable index has no page');
      await unusable.close();
      const parsed = parseRequirements(`--extra-index-url ${extra.simpleUrl}\nprivate-lib\n`);
      const source = env.pool.sourceFor(parsed, true);
      await gatherFacts(parsed.dependencies[0]!, source);
      assert.equal(source.projectPage('private-lib'), undefined);
    } finally {
      await env.close();
    }
  });

  it('bounds requests to every index together by the concurrency setting', async () => {
    const settings = resolveSettings({ indexUrl: primary.simpleUrl, jsonApiUrl: null, concurrency: 3, cache: { directory: null } });
    const env = createIndexEnvironment(settings);
    primary.setLatency(60);
    extra.setLatency(60);
    primary.resetLog();
    extra.resetLog();
    try {
      // Names on neither index: each is asked of both, the primary first.
      const names = Array.from({ length: 12 }, (_, i) => `nowhere-${i}`);
      const mine = parseRequirements(names.join('\n'));
      const own = parseRequirements(`--index-url ${extra.simpleUrl}\n${names.map((n) => `${n}-own`).join('\n')}`);
      await Promise.all([
        ...mine.dependencies.map((d) => gatherFacts(d, env.pool.sourceFor(mine, true))),
        ...own.dependencies.map((d) => gatherFacts(d, env.pool.sourceFor(own, true))),
      ]);
      const spans = [...primary.requests, ...extra.requests].map((r) => [Number(r.receivedNs!), Number(r.answeredNs!)] as const);
      const most = Math.max(...spans.map(([start]) => spans.filter(([s, e]) => s <= start && start < e).length));
      assert.equal(spans.length, 24);
      assert.ok(most <= 3, `${most} requests at once across the two indexes`);
    } finally {
      primary.setLatency(0);
      extra.setLatency(0);
      await env.close();
    }
  });

  it('keeps indexes whose URLs differ only after an @ apart, and keys hold no credentials', () => {
    const settings = resolveSettings({ indexUrl: primary.simpleUrl, jsonApiUrl: null, cache: { directory: null } });
    const env = createIndexEnvironment(settings);
    // Azure Artifacts feed views: the @ is in the path.
    const a = env.pool.client('https://pkgs.dev.azure.com/orgA/_packaging/feed@Release/pypi/simple/', null);
    const b = env.pool.client('https://pkgs.dev.azure.com/orgB/_packaging/other@Release/pypi/simple/', null);
    assert.notEqual(a.key, b.key);
    const secret = env.pool.client('https://deploy:S3CRET@pkgs.example.com/simple/', null);
    assert.ok(!secret.key.includes('S3CRET') && !secret.key.includes('deploy'), secret.key);
    void env.close();
  });

  it('calls nothing "not found" in a file pip installs from where no lookup reaches', async () => {
    const settings = resolveSettings({ indexUrl: primary.simpleUrl, jsonApiUrl: null, cache: { directory: null } });
    const env = createIndexEnvironment(settings);
    try {
      for (const options of ['--index-url file:///srv/wheelhouse/simple', '-i=/srv/wheelhouse', '--no-index\n--find-links ./wheels']) {
        primary.resetLog();
        const parsed = parseRequirements(`${options}\nprivate-lib==1.0\n`);
        const facts = await gatherFacts(parsed.dependencies[0]!, env.pool.sourceFor(parsed, true));
        assert.equal(facts.project.state, 'unknown', options);
        assert.equal(primary.requests.length, 0, `${options}: the configured index was asked`);
      }
      // The same project in an ordinary file is asked as usual: the lookups are not shared.
      const plain = parseRequirements('private-lib==1.0\n');
      assert.equal((await gatherFacts(plain.dependencies[0]!, env.pool.sourceFor(plain, true))).project.state, 'not-found');
    } finally {
      await env.close();
    }
  });
});
