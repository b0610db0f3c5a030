/** Pin fixes (the release, the title, the edit) and the project context that feeds them. */
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { applyEdits } from '../../server/src/core/edits.js';
import { findingsFor, type DependencyFacts } from '../../server/src/core/findings.js';
import { pinFixes, unverifiedUpgrade } from '../../server/src/core/pinFixes.js';
import { effectiveCooldown, projectContext } from '../../server/src/core/projectContext.js';
import type { ProjectInfo, ReleaseFiles, ReleaseInfo, Vulnerability } from '../../server/src/core/pypi/model.js';
import { parsePyproject } from '../../server/src/core/pyproject.js';
import { parseRequirements } from '../../server/src/core/requirements.js';

function info(releases: Record<string, Partial<ReleaseFiles>>): ProjectInfo {
  const full = Object.fromEntries(Object.entries(releases).map(([v, r]) => [v, { yanked: false, ...r }]));
  return { name: 'demo', status: 'active', versions: Object.keys(full), releases: full, latestVersion: '2.0', format: 'json' };
}
const found = <T>(data: T) => ({ state: 'found' as const, data, fetchedAt: 0 });
const release = (version: string, vulnerabilities: Vulnerability[] = []): ReleaseInfo => ({
  name: 'demo',
  version,
  classifiers: [],
  projectUrls: {},
  yanked: false,
  vulnerabilities,
});
const vuln = (id: string, fixedIn: string[]): Vulnerability => ({ id, aliases: [], fixedIn });

const RELEASES = info({
  '1.0': {},
  '1.1': { yanked: true, yankedReason: 'broken; use 1.2.1' },
  '1.2': {},
  '1.2.1': {},
  '1.3': { requiresPython: ['>=3.11'] },
  '2.0': {},
});

function fixesFor(text: string, facts: DependencyFacts, projectPython?: string) {
  const parsed = text.startsWith('[') ? parsePyproject(text) : parseRequirements(text, { env: {} });
  const dep = parsed.dependencies[0]!;
  const fixes = pinFixes(dep, facts, findingsFor(dep, facts), projectPython !== undefined ? { projectPython } : {});
  return fixes.map((f) => ({ code: f.code, title: f.title, after: applyEdits(text, f.edits) }));
}

describe('pin fixes', () => {
  it('moves a yanked pin to the release its yank reason names, keeping the rest of the line', () => {
    assert.deepEqual(fixesFor('demo == 1.1 ; python_version > "3"  # why\n', { project: found(RELEASES) }), [
      { code: 'yanked', title: 'Change the pin to 1.2.1 (named in the yank reason)', after: 'demo == 1.2.1 ; python_version > "3"  # why\n' },
    ]);
  });

  it('drops hashes and says so', () => {
    const [fix] = fixesFor('demo==1.1 \\\n    --hash=sha256:aaa\n', { project: found(info({ '1.1': { yanked: true }, '1.2': {} })) });
    assert.deepEqual(fix, { code: 'yanked', title: 'Change the pin to 1.2; its --hash options are removed, regenerate them', after: 'demo==1.2\n' });
  });

  it('moves a missing pin to the nearest release, within the project Python', () => {
    const toml = '[project]\ndependencies = ["demo==1.2.5"]\n';
    assert.deepEqual(
      fixesFor(toml, { project: found(RELEASES) }, '>=3.9').map((f) => [f.title, f.after]),
      [['Change the pin to 2.0 (the nearest release the index has)', toml.replace('1.2.5', '2.0')]],
    );
    assert.deepEqual(
      fixesFor(toml, { project: found(RELEASES) }, '>=3.11').map((f) => f.title),
      ['Change the pin to 1.3 (the nearest release the index has)'],
    );
  });

  it('upgrades a vulnerable pin past every fix, or past most of them naming what stays open', () => {
    const poetry = '[tool.poetry.dependencies]\ndemo = "1.0"\n';
    const all = { project: found(RELEASES), pinned: found(release('1.0', [vuln('PYSEC-1', ['1.2']), vuln('GHSA-2', ['1.2.1'])])) };
    assert.deepEqual(
      fixesFor(poetry, all).map((f) => [f.title, f.after]),
      [['Upgrade to 1.2.1 (fixes PYSEC-1, GHSA-2)', poetry.replace('"1.0"', '"1.2.1"')]],
    );
    const some = { project: found(RELEASES), pinned: found(release('1.0', [vuln('PYSEC-1', ['1.2']), vuln('GHSA-3', [])])) };
    assert.deepEqual(
      fixesFor(poetry, some).map((f) => f.title),
      ['Upgrade to 1.2 (fixes PYSEC-1; GHSA-3 stays open: no release fixes it)'],
    );
  });

  it('upgrades only to a release whose own vulnerabilities are known, naming the next one to ask about', () => {
    const text = 'demo==1.0\n';
    const dep = parseRequirements(text, { env: {} }).dependencies[0]!;
    const facts = { project: found(RELEASES), pinned: found(release('1.0', [vuln('PYSEC-1', ['1.2'])])) };
    const findings = findingsFor(dep, facts);
    const listed: Record<string, string[]> = {};
    const options = { knownVulnerabilities: (v: string) => listed[v] };
    assert.deepEqual(pinFixes(dep, facts, findings, options), [], 'never asked about 1.2: not offered');
    assert.equal(unverifiedUpgrade(dep, facts, findings, options), '1.2');
    listed['1.2'] = ['GHSA-9'];
    assert.equal(unverifiedUpgrade(dep, facts, findings, options), '1.2.1', '1.2 is vulnerable itself: the next one');
    listed['1.2.1'] = [];
    assert.equal(unverifiedUpgrade(dep, facts, findings, options), undefined);
    assert.deepEqual(
      pinFixes(dep, facts, findings, options).map((f) => f.title),
      ['Upgrade to 1.2.1 (fixes PYSEC-1)'],
    );
  });

  it('offers nothing for a pin the document does not hold as written, or without a finding', () => {
    assert.deepEqual(fixesFor('demo==1.0\n', { project: found(RELEASES) }), []);
    const fromEnv = parseRequirements('demo==${V}\n', { env: { V: '1.1' } }).dependencies[0]!;
    const facts = { project: found(RELEASES) };
    assert.deepEqual(pinFixes(fromEnv, facts, findingsFor(fromEnv, facts)), []);
  });
});

describe('project context', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pypi-status-context-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const read = (file: string) => readFile(file, 'utf8').catch(() => undefined);
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  };

  it("finds the nearest project folder's requires-python and uv cooldown", async () => {
    write('app/pyproject.toml', '[project]\nname = "app"\nrequires-python = ">=3.10"\n[tool.uv]\nexclude-newer = "7 days"\n');
    const context = await projectContext(path.join(dir, 'app', 'requirements', 'dev.txt'), read);
    assert.equal(context.root, path.join(dir, 'app'));
    assert.equal(context.requiresPython, '>=3.10');
    assert.deepEqual(context.cooldown, { cooldown: { kind: 'relative', spanMs: 7 * 86_400_000 }, source: 'exclude-newer in pyproject.toml' });
  });

  it('reads uv.toml first, then a lock, and reports a value it cannot read', async () => {
    write('uvt/pyproject.toml', '[tool.uv]\nexclude-newer = "7 days"\n');
    write('uvt/uv.toml', 'exclude-newer = 2025-01-01T00:00:00Z\n');
    assert.deepEqual((await projectContext(path.join(dir, 'uvt', 'requirements.txt'), read)).cooldown, {
      cooldown: { kind: 'absolute', cutoff: Date.UTC(2025, 0, 1) },
      source: 'exclude-newer in uv.toml',
    });
    write('locked/pyproject.toml', '[project]\nname = "locked"\n');
    write('locked/uv.lock', 'version = 1\n\n[options]\nexclude-newer = "2025-05-01T00:00:00Z"\nexclude-newer-span = "P3D"\n\n[[package]]\nname = "x"\n');
    assert.deepEqual((await projectContext(path.join(dir, 'locked', 'pyproject.toml'), read)).cooldown, {
      cooldown: { kind: 'relative', spanMs: 3 * 86_400_000 },
      source: "uv.lock's exclude-newer",
    });
    write('bad/pyproject.toml', '[tool.uv]\nexclude-newer = "3 months"\n');
    const bad = await projectContext(path.join(dir, 'bad', 'pyproject.toml'), read);
    assert.equal(bad.cooldown, undefined);
    assert.match(bad.problem ?? '', /exclude-newer in pyproject\.toml: .*years or months/);
  });

  it("lets the user's minimum age win over the project's", () => {
    const project = { cooldown: { cooldown: { kind: 'relative' as const, spanMs: 1 }, source: 'x' } };
    assert.equal(effectiveCooldown(undefined, project), project.cooldown);
    assert.deepEqual(effectiveCooldown(3, project), {
      cooldown: { kind: 'relative', spanMs: 3 * 86_400_000 },
      source: 'pypiStatus.minimumReleaseAge (3 days)',
    });
  });
});
