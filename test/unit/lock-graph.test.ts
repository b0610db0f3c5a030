/** Chains and closures over small uv locks written for each case, and over real ones. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LockGraph, rootsFromManifest } from '../../server/src/core/lock/graph.js';
import { parsePoetryLock } from '../../server/src/core/lock/poetry.js';
import { parseUvLock } from '../../server/src/core/lock/uv.js';
import { parseCompiledRequirements } from '../../server/src/core/lock/compiled.js';
import { parsePipfile, parsePipfileLock } from '../../server/src/core/lock/pipfile.js';

const DATA = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'data', 'lockfiles');

/** A uv.lock: `app` (the project, at `.`) and registry packages, each `[name, version?, deps..., extra/dev tables]`. */
function uvLock(project: string, packages: string): string {
  return `version = 1\nrevision = 3\n\n[[package]]\nname = "app"\nversion = "0.1.0"\nsource = { editable = "." }\n${project}\n${packages}`;
}
function pkg(name: string, deps: string[] = [], extra = '', version = '1.0'): string {
  const list = deps.map((d) => `    ${d.startsWith('{') ? d : `{ name = "${d}" }`},\n`).join('');
  return `\n[[package]]\nname = "${name}"\nversion = "${version}"\nsource = { registry = "https://pypi.org/simple" }\n${deps.length ? `dependencies = [\n${list}]\n` : ''}${extra}`;
}

function chainOf(g: LockGraph, name: string): string | undefined {
  const i = g.lock.packages.findIndex((p) => p.name === name);
  const c = g.chain(i);
  return c && g.chainText(c);
}

test('the shortest chain from a direct dependency, through a cycle', () => {
  const lock = parseUvLock(
    uvLock(
      'dependencies = [{ name = "requests" }, { name = "a" }]',
      pkg('requests', ['urllib3', 'chardet']) + pkg('urllib3') + pkg('chardet', ['a']) + pkg('a', ['b']) + pkg('b', ['a', 'chardet']),
    ),
  );
  assert.deepEqual(lock.problems, []);
  const g = new LockGraph(lock);
  assert.equal(chainOf(g, 'urllib3'), 'requests → urllib3');
  assert.equal(chainOf(g, 'chardet'), 'requests → chardet');
  assert.equal(chainOf(g, 'b'), 'a → b');
  assert.equal(chainOf(g, 'requests'), 'requests');
  assert.equal(g.chain(0), undefined, 'the project itself is no one’s dependency');
  const b = lock.packages.findIndex((p) => p.name === 'b');
  assert.deepEqual(
    g
      .directDependenciesReaching(b)
      .map((d) => d.edge.name)
      .sort(),
    ['a', 'requests'],
  );
  const requests = lock.roots[0]!.edges.find((e) => e.name === 'requests')!;
  assert.deepEqual(
    g
      .closure(requests)
      .map((i) => lock.packages[i]!.name)
      .sort(),
    ['a', 'b', 'chardet', 'requests', 'urllib3'],
  );
});

test('required roots come before extras and dev groups; extras reach only what they ask for', () => {
  const project = `dependencies = [{ name = "web", extra = ["socks"] }]\n\n[package.optional-dependencies]\nfast = [{ name = "speed" }]\n\n[package.dev-dependencies]\ndev = [{ name = "pytest" }, { name = "pysocks" }]\n`;
  const lock = parseUvLock(
    uvLock(
      project,
      pkg('web', ['idna'], '\n[package.optional-dependencies]\nsocks = [{ name = "pysocks" }]\nhttp2 = [{ name = "h2" }]\n') +
        pkg('idna') +
        pkg('pysocks') +
        pkg('h2') +
        pkg('speed', ['idna']) +
        pkg('pytest', ['pluggy']) +
        pkg('pluggy'),
    ),
  );
  assert.deepEqual(lock.problems, []);
  const g = new LockGraph(lock);
  assert.equal(chainOf(g, 'pysocks'), 'web → pysocks', 'through the extra, not the shorter dev root');
  assert.equal(chainOf(g, 'h2'), undefined, 'an extra no one asks for');
  assert.equal(chainOf(g, 'speed'), 'speed');
  assert.equal(chainOf(g, 'pluggy'), 'pytest → pluggy');
  const pluggy = g.chain(lock.packages.findIndex((p) => p.name === 'pluggy'))!;
  assert.equal(pluggy.from.root.kind, 'dev');
  assert.equal(pluggy.from.root.group, 'dev');
  assert.deepEqual(g.reachedBy(lock.packages.findIndex((p) => p.name === 'idna')), ['required', 'optional']);
});

test('one name at several versions: edges with version and source reach the one they say', () => {
  const torch = (v: string, index: string): string => `\n[[package]]\nname = "torch"\nversion = "${v}"\nsource = { registry = "${index}" }\n`;
  const lock = parseUvLock(
    uvLock(
      `dependencies = [\n    { name = "torch", version = "2.7.0", source = { registry = "https://pypi.org/simple" }, marker = "sys_platform == 'darwin'" },\n    { name = "torch", version = "2.7.0+cu128", source = { registry = "https://download.pytorch.org/whl/cu128" }, marker = "sys_platform == 'linux'" },\n    { name = "vision" },\n]`,
      torch('2.7.0', 'https://pypi.org/simple') + torch('2.7.0+cu128', 'https://download.pytorch.org/whl/cu128') + pkg('vision', ['torch']),
    ),
  );
  assert.deepEqual(lock.problems, []);
  const [a, b] = lock.roots[0]!.edges;
  assert.deepEqual(a!.targets, [1]);
  assert.deepEqual(b!.targets, [2]);
  assert.equal(lock.roots[0]!.edges[0]!.marker, "sys_platform == 'darwin'");
  assert.deepEqual(lock.packages[3]!.dependencies[0]!.targets, [1, 2], 'a bare name reaches every version');
  assert.deepEqual(lock.packages[2]!.source, { kind: 'registry', url: 'https://download.pytorch.org/whl/cu128' });
});

test('an edge to a package the lock lacks is a problem, not a crash; a package listed twice is one too', () => {
  const lock = parseUvLock(uvLock('dependencies = [{ name = "a" }]', pkg('a', ['ghost', '{ name = "maybe", marker = "python_version < \'3\'" }']) + pkg('a')));
  const messages = lock.problems.map((p) => p.message);
  assert.ok(
    messages.some((m) => /a depends on ghost, which the lock does not contain/.test(m)),
    messages.join('\n'),
  );
  assert.ok(!messages.some((m) => /maybe/.test(m)), 'a marker may leave a package out');
  assert.ok(messages.some((m) => /a 1\.0 is listed twice/.test(m)));
  const g = new LockGraph(lock);
  assert.equal(chainOf(g, 'a'), 'a');
});

test('a real workspace: every package but the members is reached, chains start at a member’s direct dependency', () => {
  const lock = parseUvLock(fs.readFileSync(path.join(DATA, 'crewAIInc__crewAI', 'uv.lock'), 'utf8'));
  const g = new LockGraph(lock);
  const members = new Set(lock.members);
  lock.packages.forEach((p, i) => {
    const c = g.chain(i);
    if (members.has(p.name)) return;
    assert.ok(c, `${p.name} is reached`);
    assert.equal(c.packages[c.packages.length - 1], i);
    assert.ok(c.from.edge.targets.includes(c.packages[0]!) || c.from.edge.normalizedName === lock.packages[c.packages[0]!]!.normalizedName);
    for (let k = 1; k < c.packages.length; k++) {
      const from = lock.packages[c.packages[k - 1]!]!;
      const edges = [...from.dependencies, ...[...from.optionalDependencies.values()].flat()];
      assert.ok(
        edges.some((e) => e.targets.includes(c.packages[k]!)),
        `${g.chainText(c)}: no edge ${from.name} → ${lock.packages[c.packages[k]!]!.name}`,
      );
    }
  });
});

test('poetry: the manifest gives the roots; optional dependencies come with the extras that name them', () => {
  const lock = parsePoetryLock(fs.readFileSync(path.join(DATA, 'python-poetry__poetry', 'poetry.lock'), 'utf8'));
  const roots = rootsFromManifest(lock, [{ kind: 'required', names: [{ name: 'virtualenv' }, { name: 'requests' }] }]);
  const g = new LockGraph(lock, roots);
  assert.equal(chainOf(g, 'urllib3'), 'requests → urllib3');
  assert.match(chainOf(g, 'distlib') ?? '', /^virtualenv → distlib$/);
  const cachecontrol = lock.packages.find((p) => p.name === 'cachecontrol')!;
  assert.deepEqual([...cachecontrol.optionalDependencies.keys()], ['filecache']);
  assert.equal(cachecontrol.optionalDependencies.get('filecache')![0]!.name, 'filelock');
  assert.ok(!cachecontrol.dependencies.some((e) => e.name === 'filelock'));
});

test('compiled requirements: chains from # via comments end at the -r file', () => {
  const lock = parseCompiledRequirements(fs.readFileSync(path.join(DATA, 'pypi__warehouse', 'requirements__tests.txt'), 'utf8'), 'tests.txt');
  assert.deepEqual(lock.problems, []);
  assert.deepEqual(
    lock.roots.map((r) => r.group),
    ['requirements/tests.in'],
  );
  const g = new LockGraph(lock);
  for (let i = 0; i < lock.packages.length; i++) assert.ok(g.chain(i), lock.packages[i]!.name);
  const text = 'a==1\n    # via -r req.in\nb==2\n    # via\n    #   a\n    #   c\nc==3\n    # via b\nd==4\n    # via ghost\n';
  const small = parseCompiledRequirements(text, 'r.txt');
  const sg = new LockGraph(small);
  assert.equal(chainOf(sg, 'c'), 'a → b → c');
  assert.equal(chainOf(sg, 'd'), undefined);
  assert.match(small.problems.map((p) => p.message).join(), /d is required via ghost, which the file does not pin/);
});

test('the search is linear: a chain of n packages costs a few steps per edge', () => {
  for (const n of [1000, 4000]) {
    let body = '';
    for (let i = 0; i < n; i++) body += pkg(`p${i}`, i + 1 < n ? [`p${i + 1}`] : ['p0']);
    const lock = parseUvLock(uvLock('dependencies = [{ name = "p0" }]', body));
    const g = new LockGraph(lock);
    assert.ok(g.work <= 3 * (n + 1), `${g.work} steps for ${n} packages`);
    assert.equal(g.chain(n)!.packages.length, n);
  }
});

test('Pipfile: the categories are the roots of Pipfile.lock, names ranged on their keys', () => {
  const text = fs.readFileSync(path.join(DATA, 'pypa__pipenv', 'Pipfile'), 'utf8');
  const pipfile = parsePipfile(text);
  assert.deepEqual(pipfile.problems, []);
  assert.deepEqual(pipfile.sources, [{ name: 'pypi', url: 'https://pypi.org/simple' }]);
  const lines = text.split('\n');
  for (const e of pipfile.entries) assert.equal(lines[e.nameRange.start.line]!.slice(e.nameRange.start.character, e.nameRange.end.character), e.name);
  const stdeb = pipfile.entries.find((e) => e.name === 'stdeb')!;
  assert.deepEqual([stdeb.category, stdeb.specifier, stdeb.fromIndex], ['dev-packages', '*', true]);
  const local = parsePipfile(
    '[packages]\nmine = {path = ".", editable = true}\nother = {git = "https://example.org/x.git"}\nrequests = {version = ">=2", index = "pypi"}\n',
  );
  assert.deepEqual(
    local.entries.map((e) => [e.name, e.fromIndex, e.index ?? null]),
    [
      ['mine', false, null],
      ['other', false, null],
      ['requests', true, 'pypi'],
    ],
  );
  const lock = parsePipfileLock(fs.readFileSync(path.join(DATA, 'pypa__pipenv', 'Pipfile.lock'), 'utf8'));
  const roots = rootsFromManifest(lock, [
    { kind: 'required', names: pipfile.entries.filter((e) => e.category === 'packages') },
    { kind: 'dev', group: 'dev-packages', names: pipfile.entries.filter((e) => e.category === 'dev-packages') },
  ]);
  const g = new LockGraph(lock, roots);
  assert.equal(chainOf(g, 'sphinx'), 'sphinx', 'Pipfile.lock has no edges: only the direct dependencies have a chain');
  assert.equal(g.chain(lock.packages.findIndex((p) => p.name === 'sphinx'))!.from.root.kind, 'dev');
  const quoted = parsePipfile('[packages]\n"zope.interface" = "*"\n');
  assert.deepEqual(quoted.entries[0]!.nameRange, { start: { line: 1, character: 1 }, end: { line: 1, character: 15 } });
});
