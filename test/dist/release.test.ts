/**
 * `npm run release` in a copy of the repository: one version everywhere it is written, CHANGELOG's
 * Unreleased section moved under it, and the VSIX and the npm tarball built at that version.
 *
 *   node --import tsx --test test/dist/release.test.ts
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runProcess, tempDir } from '../cli/support.js';
import { REPO_ROOT } from '../support/index-catalog.js';
import { readZip } from '../vscode/vsix.js';

const RELEASE = ['scripts/release.mjs'];

/** The working tree's files (committed or not, minus what git ignores), with the repository's node_modules. */
function copyRepository(into: string): string {
  const dir = path.join(into, 'repository');
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const file of files) {
    if (!existsSync(path.join(REPO_ROOT, file))) continue;
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    copyFileSync(path.join(REPO_ROOT, file), path.join(dir, file));
  }
  symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

/** Every version the repository states, by where. */
function versions(dir: string): Record<string, string[]> {
  const json = (file: string) => JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as { version: string; packages: Record<string, { version: string }> };
  const lock = json('package-lock.json');
  const readme = readFileSync(path.join(dir, 'README.md'), 'utf8');
  const all = (re: RegExp) => [...readme.matchAll(re)].map((m) => m[1]!);
  return {
    'package.json': [json('package.json').version],
    'server/package.json': [json('server/package.json').version],
    'client/package.json': [json('client/package.json').version],
    'package-lock.json': [lock.version, lock.packages['']!.version, lock.packages['server']!.version, lock.packages['client']!.version],
    'version.ts': [/VERSION = '([^']+)'/.exec(readFileSync(path.join(dir, 'server/src/core/version.ts'), 'utf8'))![1]!],
    'README rev': all(/\brev: v(\d+\.\d+\.\d+)/g),
    'README action': all(/uses: pypi-status\/pypi-status@v(\d+\.\d+\.\d+)/g),
    'README vsix': all(/pypi-status-(\d+\.\d+\.\d+)\.vsix/g),
  };
}

function assertAll(found: Record<string, string[]>, version: string): void {
  for (const [where, list] of Object.entries(found)) {
    assert.ok(list.length > 0, `${where} states no version`);
    for (const v of list) assert.equal(v, version, `${where} says ${v}`);
  }
}

describe('npm run release', () => {
  let dir: string;
  let repo: string;
  let current: string;

  before(() => {
    dir = tempDir('release');
    repo = copyRepository(dir);
    current = (JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string }).version;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const release = (args: string[]) => runProcess(process.execPath, [...RELEASE, ...args], { cwd: repo, timeoutMs: 600_000 });

  it('finds one version everywhere in the repository as it is', () => {
    assertAll(versions(REPO_ROOT), current);
  });

  it('refuses a version that is not after the current one, a bad one, and an empty Unreleased section', async () => {
    for (const [args, message] of [
      [[current], /is not after the current version/],
      [['0.0.1'], /is not after the current version/],
      [['1.2'], /is not patch, minor, major or a version X\.Y\.Z/],
      [[], /usage: npm run release/],
      [['patch', '--publish'], /usage: npm run release/],
    ] as const) {
      const run = await release([...args, '--dry-run']);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, message);
    }
    const changelog = path.join(repo, 'CHANGELOG.md');
    const text = readFileSync(changelog, 'utf8');
    writeFileSync(changelog, text.replace(/## Unreleased\n[\s\S]*?(?=\n## )/, '## Unreleased\n'));
    const empty = await release(['patch', '--dry-run']);
    assert.match(empty.stderr, /Unreleased section is empty/);
    writeFileSync(changelog, text);
  });

  it('changes nothing with --dry-run', async () => {
    const run = await release(['minor', '--dry-run']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, new RegExp(`${current.replace(/\./g, '\\.')} → \\d+\\.\\d+\\.0`));
    assertAll(versions(repo), current);
  });

  it('refuses to start when the versions already disagree', async () => {
    const file = path.join(repo, 'client', 'package.json');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace(`"version": "${current}"`, '"version": "9.9.9"'));
    const run = await release(['patch', '--dry-run']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /client\/package\.json: 9\.9\.9/);
    writeFileSync(file, text);
  });

  it('bumps every place, dates the changelog, and builds the VSIX and the npm tarball at the new version', async () => {
    const [major, minor, patch] = current.split('.').map(Number) as [number, number, number];
    const next = `${major}.${minor}.${patch + 1}`;
    const unreleased = /## Unreleased\n([\s\S]*?)\n## /.exec(readFileSync(path.join(repo, 'CHANGELOG.md'), 'utf8'))![1]!.trim();
    const run = await release(['patch']);
    assert.equal(run.code, 0, run.stderr.slice(-4000));
    assertAll(versions(repo), next);

    const changelog = readFileSync(path.join(repo, 'CHANGELOG.md'), 'utf8');
    const today = new Date().toISOString().slice(0, 10);
    const section = new RegExp(`## Unreleased\\n\\n## ${next.replace(/\./g, '\\.')} \\(${today}\\)\\n([\\s\\S]*?)\\n## ${current.replace(/\./g, '\\.')}\\n`).exec(changelog);
    assert.ok(section, changelog.slice(0, 600));
    assert.equal(section[1]!.trim(), unreleased, 'the Unreleased entries moved under the new version');

    const vsix = readZip(path.join(repo, `pypi-status-${next}.vsix`));
    const manifest = JSON.parse(vsix.find((e) => e.name === 'extension/package.json')!.data().toString('utf8')) as { version: string };
    assert.equal(manifest.version, next);
    const tarball = path.join(repo, `pypi-status-${next}.tgz`);
    const packed = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' })) as { name: string; version: string };
    assert.deepEqual(packed, { ...packed, name: 'pypi-status', version: next });
    const cliVersion = execFileSync('tar', ['-xzOf', tarball, 'package/dist/cli.bundle.cjs'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    assert.ok(cliVersion.includes(`"${next}"`), 'the bundled CLI reports the new version');
    assert.match(run.stdout, new RegExp(`git tag v${next.replace(/\./g, '\\.')}`));
  });
});
