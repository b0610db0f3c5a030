/** The fixes a scan's findings get: the editor's choices with the file's project context, asked of the index only where there is something to fix. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingsFor, type DependencyFacts } from '../../server/src/core/findings.js';
import type { ProjectContext } from '../../server/src/core/projectContext.js';
import type { IndexSource, Lookup } from '../../server/src/core/pypi/client.js';
import type { ProjectInfo, ReleaseFiles, ReleaseInfo, Vulnerability } from '../../server/src/core/pypi/model.js';
import { parseRequirements } from '../../server/src/core/requirements.js';
import { fixKey, scanFixes } from '../../server/src/core/scanFixes.js';
import { resolveSettings } from '../../server/src/core/settings.js';
import type { Dependency } from '../../server/src/core/types.js';
import type { ScannedFile } from '../../server/src/core/workspaceScan.js';

interface Project {
  releases: Record<string, ReleaseFiles>;
  /** Per release, what the JSON API lists; a release missing here cannot be looked up (a network fault). */
  vulnerabilities?: Record<string, Vulnerability[]>;
}

/** An index of a few projects that records what it was asked. */
function fakeIndex(projects: Record<string, Project | undefined>) {
  const asked: string[] = [];
  const cached = new Map<string, Lookup<ReleaseInfo>>();
  const releaseLookup = (name: string, version: string): Lookup<ReleaseInfo> => {
    const listed = projects[name]?.vulnerabilities?.[version];
    if (!listed) return { state: 'unknown', reason: 'timed out' };
    return { state: 'found', fetchedAt: 0, data: { name, version, classifiers: [], projectUrls: {}, yanked: false, vulnerabilities: listed } };
  };
  const source: IndexSource = {
    key: 'fake',
    hasJsonApi: true,
    retryDelay: () => 0,
    project: (name) => {
      asked.push(`project ${name}`);
      const p = projects[name];
      const latestVersion = p ? Object.keys(p.releases).at(-1) : undefined;
      return Promise.resolve(
        p
          ? {
              state: 'found',
              fetchedAt: 0,
              data: { name, status: 'active', versions: Object.keys(p.releases), releases: p.releases, latestVersion, format: 'json' },
            }
          : { state: 'not-found', fetchedAt: 0 },
      );
    },
    release: (name, version) => {
      asked.push(`release ${name} ${version}`);
      const lookup = releaseLookup(name, version);
      cached.set(`${name} ${version}`, lookup);
      return Promise.resolve(lookup);
    },
    peekProject: () => undefined,
    peekRelease: (name, version) => cached.get(`${name} ${version}`),
    projectPage: () => undefined,
  };
  return { source, asked };
}

function facts(project: Project | undefined, dep: Dependency): DependencyFacts {
  if (!project) return { project: { state: 'not-found', fetchedAt: 0 } };
  const info: ProjectInfo = { name: dep.name, status: 'active', versions: Object.keys(project.releases), releases: project.releases, format: 'json' };
  const pinned = dep.pinnedVersion === undefined ? undefined : project.vulnerabilities?.[dep.pinnedVersion];
  const out: DependencyFacts = { project: { state: 'found', fetchedAt: 0, data: info } };
  if (pinned)
    out.pinned = {
      state: 'found',
      fetchedAt: 0,
      data: { name: dep.name, version: dep.pinnedVersion!, classifiers: [], projectUrls: {}, yanked: false, vulnerabilities: pinned },
    };
  return out;
}

function scanned(text: string, projects: Record<string, Project | undefined>, project: ProjectContext = {}, form?: Dependency['form']): ScannedFile {
  const parsed = parseRequirements(text);
  if (form) for (const d of parsed.dependencies) d.form = form;
  const analyzed = parsed.dependencies.map((dependency) => {
    const f = facts(projects[dependency.normalizedName], dependency);
    return { dependency, facts: f, findings: findingsFor(dependency, f) };
  });
  return { path: '/ws/requirements.txt', kind: 'requirements', parsed, analyzed, project };
}

const YANKED: Project = {
  releases: { '1.0': { yanked: false }, '1.0.1': { yanked: true }, '1.1': { yanked: false, requiresPython: ['>=3.11'] }, '1.2': { yanked: false } },
};
const vuln = (id: string, fixedIn: string[]): Vulnerability => ({ id, aliases: [], fixedIn });
const settings = resolveSettings({});

describe('scan fixes', () => {
  it("keeps to the project's requires-python, as the editor does", async () => {
    const choose = async (project: ProjectContext) => {
      const file = scanned('yanky==1.0.1\n', { yanky: YANKED }, project);
      const fixes = await scanFixes([file], () => fakeIndex({}).source, settings);
      return fixes.get(fixKey(file.path, file.parsed.dependencies[0]!.nameRange, 'yanked'))?.map((f) => f.version);
    };
    assert.deepEqual(await choose({}), ['1.1']);
    assert.deepEqual(await choose({ requiresPython: '>=3.9' }), ['1.2']);
  });

  it('asks nothing of a file without a finding to fix, nor of a lock file', async () => {
    let sources = 0;
    const clean = scanned('steady==1.0\n', { steady: { releases: { '1.0': { yanked: false } } } });
    const locked = scanned('nowhere-at-all==1.0\nyanky==1.0.1\n', { yanky: YANKED }, {}, 'lock-entry');
    const fixes = await scanFixes([clean, locked], () => (sources++, fakeIndex({}).source), settings);
    assert.equal(fixes.size, 0);
    assert.equal(sources, 0);
  });

  it("offers nothing for the name of the file's own project, which the index need not know", async () => {
    const { source, asked } = fakeIndex({ requests: YANKED });
    const file = scanned('reqeusts\n', {}, { name: 'Reqeusts' });
    assert.equal((await scanFixes([file], () => source, settings)).size, 0);
    assert.deepEqual(asked, []);
    const other = scanned('reqeusts\n', {});
    const fixes = await scanFixes([other], () => source, settings);
    assert.deepEqual(
      fixes.get(fixKey(other.path, other.parsed.dependencies[0]!.nameRange, 'not-found'))?.map((f) => [f.kind, f.name]),
      [['name', 'requests']],
    );
  });

  it('offers no upgrade whose release the index could not be asked about, and one past a release it lists as vulnerable', async () => {
    const releases = { '4.0': { yanked: false }, '4.1': { yanked: false }, '4.2': { yanked: false } };
    const pinned = { '4.0': [vuln('PYSEC-5', ['4.1'])] };
    const unreachable = scanned('hop==4.0\n', { hop: { releases, vulnerabilities: pinned } });
    const { source, asked } = fakeIndex({ hop: { releases, vulnerabilities: pinned } });
    assert.equal((await scanFixes([unreachable], () => source, settings)).size, 0);
    assert.deepEqual(asked, ['release hop 4.1']);

    const listed = { ...pinned, '4.1': [vuln('PYSEC-6', ['4.2'])], '4.2': [] };
    const file = scanned('hop==4.0\n', { hop: { releases, vulnerabilities: listed } });
    const index = fakeIndex({ hop: { releases, vulnerabilities: listed } });
    const fixes = await scanFixes([file], () => index.source, settings);
    assert.deepEqual(
      fixes.get(fixKey(file.path, file.parsed.dependencies[0]!.nameRange, 'vulnerable'))?.map((f) => f.title),
      ['Upgrade to 4.2 (fixes PYSEC-5)'],
    );
    assert.deepEqual(index.asked, ['release hop 4.1', 'release hop 4.2']);
  });

  it('asks nothing for a finding turned off, which no report shows', async () => {
    const releases = { '4.0': { yanked: false }, '4.1': { yanked: true }, '4.2': { yanked: false } };
    const vulnerabilities = { '4.0': [vuln('PYSEC-5', ['4.1'])], '4.1': [vuln('PYSEC-6', ['4.2'])], '4.2': [] };
    const file = scanned('hop==4.0\nyanky==1.0.1\nreqeusts\n', { hop: { releases, vulnerabilities }, yanky: YANKED });
    const { source, asked } = fakeIndex({ hop: { releases, vulnerabilities }, requests: YANKED });
    const off = resolveSettings({ severity: { vulnerable: 'off', yanked: 'off', 'not-found': 'off' } });
    assert.equal((await scanFixes([file], () => source, off)).size, 0);
    assert.deepEqual(asked, []);
  });
});
