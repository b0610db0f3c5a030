/** Where a replacement comes from, and what keeps one from being offered. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { beforeChangelog, candidatesFromText, findAlternatives } from '../../server/src/core/alternatives.js';
import { INACTIVE_CLASSIFIER, type DependencyFacts } from '../../server/src/core/findings.js';
import type { IndexSource, Lookup } from '../../server/src/core/pypi/client.js';
import type { ProjectInfo, ProjectStatus, ReleaseInfo } from '../../server/src/core/pypi/model.js';
import { resolveSettings } from '../../server/src/core/settings.js';

const names = (text: string, links = false) => candidatesFromText(text, 'old', { links }).map((c) => c.name);

/** An index that knows a few projects, with a status and whether the latest release calls itself inactive. */
function fakeIndex(projects: Record<string, { status?: ProjectStatus; inactive?: boolean } | 'unknown'>): IndexSource {
  const projectLookup = (name: string): Lookup<ProjectInfo> => {
    const p = projects[name];
    if (p === 'unknown') return { state: 'unknown', reason: 'timed out' };
    if (!p) return { state: 'not-found', fetchedAt: 0 };
    return {
      state: 'found',
      fetchedAt: 0,
      data: { name, status: p.status ?? 'active', versions: ['1.0'], releases: { '1.0': { yanked: false } }, latestVersion: '1.0', format: 'json' },
    };
  };
  const releaseLookup = (name: string, version: string): Lookup<ReleaseInfo> => {
    const p = projects[name];
    if (!p || p === 'unknown') return { state: 'unknown', reason: 'no' };
    return {
      state: 'found',
      fetchedAt: 0,
      data: { name, version, classifiers: p.inactive ? [INACTIVE_CLASSIFIER] : [], projectUrls: {}, yanked: false, vulnerabilities: [] },
    };
  };
  return {
    key: 'fake',
    hasJsonApi: true,
    retryDelay: () => 0,
    project: (name) => Promise.resolve(projectLookup(name)),
    release: (name, version) => Promise.resolve(releaseLookup(name, version)),
    peekProject: () => undefined,
    peekRelease: () => undefined,
    projectPage: () => undefined,
  };
}

function archivedWith(reason: string): DependencyFacts {
  return {
    project: { state: 'found', fetchedAt: 0, data: { name: 'old', status: 'archived', statusReason: reason, versions: [], releases: {}, format: 'json' } },
  };
}

describe('alternatives', () => {
  it('takes a bare link to a project page only from a status reason', () => {
    const text = 'A thin wrapper around [requests](https://pypi.org/project/requests/).';
    assert.deepEqual(names(text), [], 'a description links what it builds on');
    assert.deepEqual(names(text, true), ['requests']);
  });

  it('does not read URL schemes or interpreter names as projects', () => {
    assert.deepEqual(names('Moved to https://example.org/elsewhere. Dropped in favour of python3.'), []);
  });

  it('quotes the whole sentence around a link, not up to its first dot', () => {
    const [found] = candidatesFromText('The successor lives at https://pypi.org/project/httpx/ now.', 'old', { links: true });
    assert.equal(found?.sentence, 'The successor lives at https://pypi.org/project/httpx/ now.');
  });

  it('reads no successor from a negated phrase, a changelog, a URL or a common word', () => {
    for (const t of [
      'Please do not use pycrypto instead of this library.',
      'It is NOT recommended to use requests2 instead.',
      'Superseded by the standard library module. Replaced by the built-in module.',
      'old is now in maintenance mode. old is now compatible with Python 3.',
      'Use pip install git+https://github.com/x/y instead.',
      'Replaced by C++. The successor: none yet. Renamed to v2.',
    ]) {
      assert.deepEqual(names(t), [], t);
    }
    assert.deepEqual(names('No longer maintained. Use `httpx` instead.'), ['httpx']);
    assert.deepEqual(names('Not maintained - use httpx instead'), ['httpx']);
    assert.deepEqual(names('This project is no longer maintained, use httpx instead.'), ['httpx']);
    for (const t of [
      'This package is no longer maintained and has been replaced by newpkg.',
      'No longer maintained in favour of newpkg.',
      'Renamed to newpkg: please update your requirements.',
      'Superseded by newpkg: see https://example.org/newpkg',
    ]) {
      assert.deepEqual(names(t), ['newpkg'], t);
    }
    assert.equal(beforeChangelog('# old\n\n## News\n\nRenamed to newpkg.'), '# old\n\n## News\n\nRenamed to newpkg.');
    assert.equal(beforeChangelog('Use foo instead.\n\nChangelog\n=========\n\n1.0: replaced by bar'), 'Use foo instead.\n\n');
  });

  it('never offers a candidate the index flags, inactive included', async () => {
    const index = fakeIndex({ stalepkg: { inactive: true }, goodpkg: {}, gone: { status: 'archived' } });
    const alts = await findAlternatives('old', archivedWith('Use stalepkg instead. Use gone instead. Use goodpkg instead.'), resolveSettings({}), index);
    assert.deepEqual(
      alts.map((a) => a.name),
      ['goodpkg'],
    );
  });

  it('keeps a curated alternative the index cannot be asked about, drops one it flags', async () => {
    const settings = resolveSettings({});
    const reachable = await findAlternatives('pil', undefined, settings, fakeIndex({ pillow: {} }));
    assert.deepEqual(
      reachable.map((a) => [a.name, a.origin]),
      [['pillow', 'curated']],
    );
    assert.deepEqual(
      (await findAlternatives('pil', undefined, settings, fakeIndex({ pillow: 'unknown' }))).map((a) => a.name),
      ['pillow'],
    );
    assert.deepEqual(
      (await findAlternatives('pil', undefined, settings, fakeIndex({ pillow: { inactive: true } }))).map((a) => a.name),
      [],
    );
  });

  it('drops alternatives in settings that are not project names, with a warning', () => {
    const warnings: string[] = [];
    const settings = resolveSettings(
      { alternatives: { old: ['good-name', 'newpkg\n--extra-index-url https://evil.example/simple', 'baz", "qux', 'two words', 'x @ https://e.org/x.whl'] } },
      (m) => warnings.push(m),
    );
    assert.deepEqual(settings.alternatives.get('old'), ['good-name']);
    assert.equal(warnings.length, 4, warnings.join('\n'));
  });
});
