#!/usr/bin/env node
/**
 * npm run release -- <patch|minor|major|X.Y.Z> [--dry-run] [--no-build]
 *
 * One version for the VS Code extension, the npm package `pypi-status`, the pre-commit hook and the
 * GitHub Action (the last two are this repository at the tag vX.Y.Z). This bumps it everywhere it is
 * written, moves CHANGELOG's Unreleased section under the new version with today's date, then builds
 * the VSIX (pypi-status-X.Y.Z.vsix) and the npm tarball (pypi-status-X.Y.Z.tgz) at the repository root.
 * It neither commits nor tags nor publishes: it prints those commands.
 * --dry-run: says what would change and changes nothing. --no-build: bumps only.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SEMVER = /^(\d+)\.(\d+)\.(\d+)$/;

/** Every place the version is written: a file and how to read and replace it there. */
const PLACES = [
  ...['package.json', 'server/package.json', 'client/package.json'].map((file) => jsonPlace(file, ['version'])),
  jsonPlace('package-lock.json', ['version'], ['packages', '', 'version'], ['packages', 'server', 'version'], ['packages', 'client', 'version']),
  { file: 'server/src/core/version.ts', pattern: /(export const VERSION = ')(\d+\.\d+\.\d+)(';)/g },
  // README's lines to copy: the pre-commit `rev:`, the action's `@v`, the VSIX's file name.
  { file: 'README.md', pattern: /(\brev: v)(\d+\.\d+\.\d+)()/g },
  { file: 'README.md', pattern: /(\buses: pypi-status\/pypi-status@v)(\d+\.\d+\.\d+)()/g },
  { file: 'README.md', pattern: /(\bpypi-status-)(\d+\.\d+\.\d+)(\.vsix\b)/g },
];

function jsonPlace(file, ...keyPaths) {
  return { file, keyPaths };
}

function fail(message) {
  process.stderr.write(`release: ${message}\n`);
  process.exit(2);
}

function read(file) {
  return readFileSync(path.join(root, file), 'utf8');
}

/** The versions a place holds now (one per key path or per match). */
function versionsAt(place, text) {
  if (place.keyPaths) {
    const json = JSON.parse(text);
    return place.keyPaths.map((keys) => keys.reduce((o, k) => (o === undefined ? undefined : o[k]), json) ?? `(missing ${keys.join('.')})`);
  }
  return [...text.matchAll(place.pattern)].map((m) => m[2]);
}

function replaceAt(place, text, version) {
  if (place.keyPaths) {
    const json = JSON.parse(text);
    for (const keys of place.keyPaths) keys.slice(0, -1).reduce((o, k) => o[k], json)[keys.at(-1)] = version;
    return `${JSON.stringify(json, null, 2)}\n`;
  }
  return text.replace(place.pattern, (_, before, _old, after) => `${before}${version}${after}`);
}

function nextVersion(current, wanted) {
  const [major, minor, patch] = SEMVER.exec(current).slice(1).map(Number);
  const next = { major: `${major + 1}.0.0`, minor: `${major}.${minor + 1}.0`, patch: `${major}.${minor}.${patch + 1}` }[wanted] ?? wanted;
  if (!SEMVER.test(next)) fail(`"${wanted}" is not patch, minor, major or a version X.Y.Z`);
  const a = SEMVER.exec(next).slice(1).map(Number);
  const b = [major, minor, patch];
  const newer = a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
  if (newer <= 0) fail(`${next} is not after the current version ${current}`);
  return next;
}

/** CHANGELOG.md with the Unreleased section's entries under `## version (date)`, and an empty Unreleased above. */
function releaseChangelog(text, version, date) {
  const heading = /^## Unreleased[ \t]*\n/m.exec(text);
  if (!heading) fail('CHANGELOG.md has no "## Unreleased" section');
  const start = heading.index + heading[0].length;
  const end = text.slice(start).search(/^## /m);
  const body = end < 0 ? text.slice(start) : text.slice(start, start + end);
  if (body.trim() === '') fail("CHANGELOG.md's Unreleased section is empty: say what this release changes first");
  if (new RegExp(`^## ${version.replace(/\./g, '\\.')}\\b`, 'm').test(text)) fail(`CHANGELOG.md already has a section for ${version}`);
  return `${text.slice(0, heading.index)}## Unreleased\n\n## ${version} (${date})\n${body}${end < 0 ? '' : text.slice(start + end)}`;
}

function run(command, args, cwd = root) {
  process.stderr.write(`release: ${path.relative(root, cwd) || '.'}$ ${command} ${args.join(' ')}\n`);
  execFileSync(command, args, { cwd, stdio: ['ignore', process.stderr, 'inherit'] });
}

function build(version) {
  run('npm', ['run', 'build']);
  run('npm', ['run', 'package']);
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', root], { cwd: path.join(root, 'server'), encoding: 'utf8' }));
  // npm names it after the package: pypi-status-X.Y.Z.tgz already, said here in case the name ever changes.
  const tarball = `pypi-status-${version}.tgz`;
  if (packed[0].filename !== tarball) renameSync(path.join(root, packed[0].filename), path.join(root, tarball));
  return [`pypi-status-${version}.vsix`, tarball];
}

function main(argv) {
  const dryRun = argv.includes('--dry-run');
  const noBuild = argv.includes('--no-build');
  const positional = argv.filter((a) => !a.startsWith('--'));
  const unknown = argv.filter((a) => a.startsWith('--') && a !== '--dry-run' && a !== '--no-build');
  if (positional.length !== 1 || unknown.length > 0) fail('usage: npm run release -- <patch|minor|major|X.Y.Z> [--dry-run] [--no-build]');

  const texts = new Map(PLACES.map((p) => [p.file, read(p.file)]));
  const found = PLACES.flatMap((p) => versionsAt(p, texts.get(p.file)).map((v) => `${p.file}: ${v}`));
  const current = JSON.parse(texts.get('package.json')).version;
  const disagree = found.filter((f) => !f.endsWith(`: ${current}`));
  if (disagree.length > 0) fail(`the versions disagree with package.json's ${current}:\n  ${disagree.join('\n  ')}`);
  for (const place of PLACES) if (versionsAt(place, texts.get(place.file)).length === 0) fail(`${place.file} no longer states the version (${place.pattern})`);

  const version = nextVersion(current, positional[0]);
  const date = new Date().toISOString().slice(0, 10);
  for (const place of PLACES) texts.set(place.file, replaceAt(place, texts.get(place.file), version));
  texts.set('CHANGELOG.md', releaseChangelog(read('CHANGELOG.md'), version, date));

  process.stderr.write(`release: ${current} → ${version} in ${[...texts.keys()].join(', ')}\n`);
  if (dryRun) return;
  for (const [file, text] of texts) writeFileSync(path.join(root, file), text);
  const built = noBuild ? [] : build(version);
  process.stdout.write(
    `${built.length > 0 ? `Built ${built.join(' and ')}.\n` : ''}Next: review the diff, then\n` +
      `  git commit -am "Release ${version}" && git tag v${version}\n` +
      `  npx vsce publish --packagePath pypi-status-${version}.vsix && npx ovsx publish pypi-status-${version}.vsix\n` +
      `  npm publish pypi-status-${version}.tgz && git push origin main v${version}\n`,
  );
}

main(process.argv.slice(2));
