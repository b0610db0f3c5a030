/**
 * Lock files in the scan, against the local index: each locked package judged as an exact pin,
 * its finding on its name with the chain that pulls it in and the manifest line of its direct
 * dependency; `transitive` on that line of the manifest; one `lock-outdated` per lock; packages of
 * another registry not checked (never "not found"); the lockFiles setting.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createIndexEnvironment } from '../../server/src/core/environment.js';
import { resolveSettings } from '../../server/src/core/settings.js';
import { isScannable, scan, type ScanFinding, type ScanResult } from '../../server/src/core/workspaceScan.js';
import { parseScript } from '../../server/src/core/script.js';
import { startIndexServer, type IndexServer } from '../support/index-server.js';

/** Generated projects of the local index have versions of their own: each lock names a real one. */
const versions = new Map<string, string>();

function pkg(name: string, deps: string[] = [], extra = ''): string {
  const version = versions.get(name) ?? '1.0';
  const list = deps.map((d) => `    ${d.startsWith('{') ? d : `{ name = "${d}" }`},\n`).join('');
  return `\n[[package]]\nname = "${name}"\nversion = "${version}"\nsource = { registry = "https://pypi.org/simple" }\n${deps.length ? `dependencies = [\n${list}]\n` : ''}${extra}`;
}

const PYPROJECT = `[project]
name = "app"
version = "0.1.0"
dependencies = [
    "webthing>=1",
    "clean-lib",
    "private-lib",
    "not-in-lock",
]

[dependency-groups]
dev = ["devtool"]
`;

function uvLock(): string {
  return (
    `version = 1\nrevision = 3\nrequires-python = ">=3.9"\n\n[[package]]\nname = "app"\nversion = "0.1.0"\nsource = { editable = "." }\n` +
    `dependencies = [\n    { name = "webthing" },\n    { name = "clean-lib" },\n    { name = "private-lib" },\n]\n\n[package.dev-dependencies]\ndev = [{ name = "devtool" }]\n` +
    pkg('webthing', ['middle', 'haunted-project']) +
    pkg('middle', ['pepy', 'cyc-a']) +
    pkg('cyc-a', ['cyc-b']) +
    pkg('cyc-b', ['cyc-a', 'aiocpa']) +
    pkg('pepy') +
    pkg('aiocpa') +
    pkg('haunted-project') +
    pkg('clean-lib', ['clean-dep']) +
    pkg('clean-dep') +
    pkg('devtool', ['black']) +
    pkg('black') +
    `\n[[package]]\nname = "private-lib"\nversion = "3.0"\nsource = { registry = "https://private.example/simple" }\n` +
    `\n[[package]]\nname = "gitdep"\nversion = "0.1"\nsource = { git = "https://github.com/example/gitdep?rev=abc#abc" }\n`
  );
}

describe('lock files in the scan', () => {
  let index: IndexServer;
  const dirs: string[] = [];

  before(async () => {
    index = await startIndexServer({ unknownProjects: 'generate' });
    const { settings, env } = environment();
    try {
      for (const name of ['webthing', 'middle', 'cyc-a', 'cyc-b', 'clean-lib', 'clean-dep', 'devtool', 'rich-thing', 'script-dep']) {
        const lookup = await env.client.project(name);
        assert.equal(lookup.state, 'found');
        if (lookup.state === 'found') versions.set(name, lookup.data.latestVersion!);
      }
      void settings;
    } finally {
      await env.close();
    }
    versions.set('pepy', '2.1.1'); // archived
    versions.set('aiocpa', '0.1.14'); // quarantined
    versions.set('haunted-project', '1.2.9'); // archived, and no such release
    versions.set('black', '21.11b0'); // yanked
  });
  after(async () => {
    await index.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  function workspace(files: Record<string, string>): string {
    const root = mkdtempSync(path.join(tmpdir(), 'pypi-status-lock-scan-'));
    dirs.push(root);
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      writeFileSync(path.join(root, rel), text);
    }
    return root;
  }

  function environment(extra: Record<string, unknown> = {}) {
    const settings = resolveSettings({ indexUrl: index.simpleUrl, jsonApiUrl: null, cache: { directory: null }, ...extra });
    return { settings, env: createIndexEnvironment(settings) };
  }

  async function run(roots: string[], extra: Record<string, unknown> = {}): Promise<ScanResult> {
    const { settings, env } = environment(extra);
    try {
      return await scan({ roots }, env.client, settings);
    } finally {
      await env.close();
    }
  }

  function of(result: ScanResult, root: string, file: string): ScanFinding[] {
    return result.summary.findings.filter((f) => path.relative(root, f.file) === file);
  }

  function textAt(file: string, range: ScanFinding['range']): string {
    const line = readFileSync(file, 'utf8').split('\n')[range.start.line]!;
    return line.slice(range.start.character, range.end.character);
  }

  it('flags locked packages on their names with their chains, and their direct dependencies on the manifest', async () => {
    const root = workspace({ 'pyproject.toml': PYPROJECT, 'uv.lock': uvLock() });
    const result = await run([root]);
    const lock = of(result, root, 'uv.lock');
    const byName = (name: string) => lock.filter((f) => f.name === name).map((f) => `${f.code}: ${f.message}`);
    assert.match(byName('pepy').join(), /^archived: pepy is archived: .*\(pulled in by: webthing → middle → pepy\)$/);
    assert.match(byName('aiocpa').join(), /^quarantined: .*\(pulled in by: webthing → middle → cyc-a → cyc-b → aiocpa\)$/, 'through the cycle');
    assert.deepEqual(
      lock
        .filter((f) => f.name === 'haunted-project')
        .map((f) => f.code)
        .sort(),
      ['archived', 'missing-release'],
    );
    assert.match(byName('black').join(), /^yanked: black 21\.11b0 is yanked.*\(pulled in by: devtool → black\)$/, 'a dev group');
    for (const f of lock) {
      assert.equal(textAt(f.file, f.range), f.name, 'on the name inside its quotes');
      assert.ok(f.lock, 'marked as a lock finding');
    }
    const pepy = lock.find((f) => f.name === 'pepy')!;
    assert.deepEqual(pepy.lock?.chain, ['webthing', 'middle', 'pepy']);
    assert.equal(pepy.related?.length, 1);
    assert.equal(path.relative(root, pepy.related[0]!.file), 'pyproject.toml');
    assert.equal(textAt(pepy.related[0]!.file, pepy.related[0]!.range), 'webthing', 'the direct dependency’s line in the manifest');
    assert.equal(lock.filter((f) => ['gitdep', 'private-lib', 'clean-lib', 'clean-dep', 'app'].includes(f.name ?? '')).length, 0);
    assert.ok(result.summary.unknownProjects.includes('private-lib'), 'another registry: not checked, not "not found"');

    const manifest = of(result, root, 'pyproject.toml');
    const transitive = manifest.filter((f) => f.code === 'transitive');
    assert.deepEqual(
      transitive.map((f) => [f.name, f.severity]),
      [
        ['webthing', 'error'],
        ['devtool', 'warning'],
      ],
    );
    assert.match(transitive[0]!.message, /^webthing pulls in aiocpa \(quarantined\) via webthing → middle → cyc-a → cyc-b → aiocpa, and 2 more \(uv\.lock\)$/);
    assert.equal(textAt(transitive[0]!.file, transitive[0]!.range), 'webthing');
    assert.deepEqual(transitive[0]!.related?.map((r) => r.message.split(':')[0]).sort(), [
      'aiocpa (quarantined)',
      'haunted-project (archived, missing-release)',
      'pepy (archived)',
    ]);
    const outdated = manifest.filter((f) => f.code === 'lock-outdated');
    assert.equal(outdated.length, 1, 'said once');
    assert.equal(outdated[0]!.severity, 'information');
    assert.match(outdated[0]!.message, /^uv\.lock does not lock not-in-lock, which this file declares/);
  });

  it('caps transitive by its setting, and reads no lock with lockFiles off', async () => {
    const root = workspace({ 'pyproject.toml': PYPROJECT, 'uv.lock': uvLock() });
    const capped = await run([root], { severity: { transitive: 'information', quarantined: 'off' } });
    const transitive = of(capped, root, 'pyproject.toml').filter((f) => f.code === 'transitive');
    assert.deepEqual(
      transitive.map((f) => [f.name, f.severity]),
      [
        ['webthing', 'information'],
        ['devtool', 'information'],
      ],
    );
    assert.match(
      transitive[0]!.message,
      /pulls in haunted-project \(archived, missing-release\) via webthing → haunted-project, and 1 more/,
      'a code set to off is not beneath',
    );
    const off = await run([root], { lockFiles: false });
    assert.deepEqual(
      off.files.map((f) => path.relative(root, f.path)),
      ['pyproject.toml'],
    );
    assert.deepEqual(
      off.summary.findings.filter((f) => f.code === 'transitive' || f.code === 'lock-outdated'),
      [],
    );
  });

  it('takes the roots of a poetry.lock from its pyproject.toml, and a named manifest brings its lock', async () => {
    const poetryLock = (name: string, deps: Record<string, string> = {}, category = 'main') =>
      `[[package]]\nname = "${name}"\nversion = "${versions.get(name) ?? '1.0'}"\ndescription = ""\ncategory = "${category}"\noptional = false\npython-versions = "*"\n` +
      (Object.keys(deps).length
        ? `\n[package.dependencies]\n${Object.entries(deps)
            .map(([k, v]) => `${k} = "${v}"`)
            .join('\n')}\n`
        : '') +
      '\n';
    const root = workspace({
      'pyproject.toml':
        '[tool.poetry]\nname = "app"\nversion = "0.1.0"\n\n[tool.poetry.dependencies]\npython = "^3.9"\nwebthing = "^1"\n\n[tool.poetry.group.dev.dependencies]\ndevtool = "*"\n',
      'poetry.lock':
        poetryLock('webthing', { middle: '*' }) +
        poetryLock('middle', { pepy: '*' }) +
        poetryLock('pepy') +
        poetryLock('devtool', { black: '*' }, 'dev') +
        poetryLock('black', {}, 'dev') +
        '[metadata]\nlock-version = "1.1"\n',
    });
    const result = await run([path.join(root, 'pyproject.toml')]);
    assert.deepEqual(
      result.files.map((f) => path.relative(root, f.path)),
      ['poetry.lock', 'pyproject.toml'],
    );
    assert.match(of(result, root, 'poetry.lock').find((f) => f.name === 'pepy')!.message, /\(pulled in by: webthing → middle → pepy\)$/);
    assert.deepEqual(
      of(result, root, 'pyproject.toml')
        .filter((f) => f.code === 'transitive')
        .map((f) => f.name),
      ['webthing', 'devtool'],
    );
  });

  it('joins compiled requirements to their .in file, a script to its lock, and a Pipfile.lock to its Pipfile', async () => {
    const root = workspace({
      'requirements.in': 'webthing\n',
      'requirements.txt': `# This file is autogenerated by pip-compile with Python 3.12\nwebthing==${versions.get('webthing')}\n    # via -r requirements.in\npepy==2.1.1\n    # via webthing\n`,
      'tool.py': `# /// script\n# requires-python = ">=3.11"\n# dependencies = [\n#   "script-dep",\n# ]\n# ///\nprint("hi")\n`,
      'tool.py.lock': `version = 1\nrevision = 3\n\n[manifest]\nrequirements = [{ name = "script-dep" }]\n` + pkg('script-dep', ['aiocpa']) + pkg('aiocpa'),
      'unlocked.py': '# /// script\n# dependencies = [\n#   "pepy",\n# ]\n# ///\n',
      'plain.py': 'import os\n# a comment that names # /// script in passing\nprint(os.name)\n',
      'huge.py': `# /// script\n# dependencies = ["pepy"]\n# ///\n${'x = 1\n'.repeat(200_000)}`,
      Pipfile: '[[source]]\nname = "pypi"\nurl = "https://pypi.org/simple"\n\n[packages]\nwebthing = "*"\n',
      'Pipfile.lock': JSON.stringify(
        {
          _meta: { sources: [{ name: 'pypi', url: 'https://pypi.org/simple' }] },
          default: { webthing: { version: `==${versions.get('webthing')}` }, pepy: { version: '==2.1.1' } },
          develop: {},
        },
        null,
        4,
      ),
    });
    const result = await run([root]);
    assert.deepEqual(
      result.files.map((f) => path.relative(root, f.path)),
      ['Pipfile', 'Pipfile.lock', 'requirements.in', 'requirements.txt', 'tool.py', 'tool.py.lock', 'unlocked.py'],
      'a script without a lock is a manifest too; a .py file without a block, or past 1 MB, is not read',
    );
    const unlocked = of(result, root, 'unlocked.py');
    assert.deepEqual(
      unlocked.map((f) => [f.code, f.name, f.range.start.line]),
      [['archived', 'pepy', 2]],
    );
    assert.equal(textAt(unlocked[0]!.file, unlocked[0]!.range), 'pepy');
    assert.match(of(result, root, 'requirements.txt').find((f) => f.name === 'pepy')!.message, /\(pulled in by: webthing → pepy\)$/);
    assert.deepEqual(
      of(result, root, 'requirements.in').map((f) => [f.code, f.name]),
      [['transitive', 'webthing']],
    );
    assert.match(of(result, root, 'tool.py.lock').find((f) => f.name === 'aiocpa')!.message, /\(pulled in by: script-dep → aiocpa\)$/);
    const script = of(result, root, 'tool.py');
    assert.deepEqual(
      script.map((f) => [f.code, f.name, f.severity]),
      [['transitive', 'script-dep', 'error']],
    );
    assert.equal(textAt(script[0]!.file, script[0]!.range), 'script-dep');
    // Pipfile.lock records no edges: a direct dependency reaches only itself, and a package the Pipfile does not name has no chain.
    const pipfileLock = of(result, root, 'Pipfile.lock');
    assert.equal(pipfileLock.find((f) => f.name === 'pepy')!.message.includes('pulled in by'), false);
    assert.equal(textAt(pipfileLock[0]!.file, pipfileLock[0]!.range), 'pepy', 'on the key inside its quotes');
  });

  it('takes a new .py file into the scanned set only when it has a block', async () => {
    const root = workspace({ 'a.py': '# /// script\n# dependencies = []\n# ///\n', 'b.py': 'print()\n', 'c.py.lock': '' });
    assert.equal(await isScannable(path.join(root, 'a.py'), [root]), true);
    assert.equal(await isScannable(path.join(root, 'b.py'), [root]), false);
    assert.equal(await isScannable(path.join(root, 'gone.py'), [root]), false);
  });

  it('reports a damaged lock on its file and goes on with the others', async () => {
    const root = workspace({
      'a/uv.lock': 'this is not TOML [[[\n',
      'a/pyproject.toml': PYPROJECT,
      'b/pdm.lock': '',
      'c/poetry.lock': '[[package]]\nname = "pepy"\nversion = "2.1.1"\n[[package]\n',
      'requirements.txt': 'pepy\n',
    });
    const result = await run([root]);
    assert.ok(of(result, root, 'a/uv.lock').some((f) => f.code === 'syntax-error'));
    assert.ok(of(result, root, 'c/poetry.lock').some((f) => f.code === 'syntax-error'));
    assert.ok(
      of(result, root, 'c/poetry.lock').some((f) => f.code === 'archived'),
      'read as far as it can be',
    );
    assert.deepEqual(
      of(result, root, 'requirements.txt').map((f) => f.code),
      ['archived'],
    );
  });

  it('reads a PEP 723 block with exact ranges, and reports an unclosed one', () => {
    const parsed = parseScript(
      '#!/usr/bin/env python\n# /// script\n# dependencies = [\n#   "requests<3",  # a comment\n#   \'rich\',\n# ]\n# ///\nimport requests\n',
    );
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(
      parsed.dependencies.map((d) => [d.name, d.nameRange.start.line, d.nameRange.start.character, d.specifier]),
      [
        ['requests', 3, 5, '<3'],
        ['rich', 4, 5, ''],
      ],
    );
    assert.deepEqual(
      parseScript('# /// script\n# dependencies = ["x"]\nprint()\n').problems.map((p) => p.message),
      ['Inline script metadata: the "# /// script" block is not closed by a "# ///" line.'],
    );
    assert.deepEqual(parseScript('print("no block")\n').dependencies, []);
  });
});
