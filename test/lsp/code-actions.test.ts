/** Quick fixes over stdio: request code actions, apply the returned edits, re-parse, check the new dependency. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CodeAction, Diagnostic } from 'vscode-languageserver-protocol';
import { applyEdits } from '../../server/src/core/edits.js';
import { parsePyproject } from '../../server/src/core/pyproject.js';
import { parseRequirements } from '../../server/src/core/requirements.js';
import type { ParsedFile } from '../../server/src/core/types.js';
import { makeProject } from '../support/index-catalog.js';
import { startIndexServer, type IndexServer } from '../support/index-server.js';
import { definePinProjects, vulnerability } from '../support/pin-projects.js';
import { fileUri, LspClient, REPO_ROOT } from '../support/lsp-client.js';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'every-form');
const REQUIREMENTS = readFileSync(path.join(FIXTURES, 'requirements.txt'), 'utf8');
const PYPROJECT = readFileSync(path.join(FIXTURES, 'pyproject.toml'), 'utf8');
const REQ_URI = fileUri(path.join(FIXTURES, 'requirements.txt'));
const PYPROJECT_URI = fileUri(path.join(FIXTURES, 'pyproject.toml'));
const ENV = { PACKAGE_FROM_ENV: 'tablib' };

function apply(text: string, action: CodeAction, uri: string): string {
  const edits = action.edit?.changes?.[uri];
  assert.ok(edits && edits.length > 0, `${action.title} has no edit for ${uri}`);
  return applyEdits(text, edits);
}

describe('code actions over stdio', () => {
  let index: IndexServer;
  let client: LspClient;
  let cacheDir: string;
  let reqDiagnostics: Diagnostic[];
  let tomlDiagnostics: Diagnostic[];

  before(async () => {
    index = await startIndexServer();
    // The alternatives the fixtures point to, so that the index can vouch for them.
    for (const name of ['newproject', 'pillow', 'schemachange']) index.setProject(name, makeProject({ name }));
    index.setProject('archived-alternative', makeProject({ name: 'archived-alternative', status: 'archived' }));
    cacheDir = mkdtempSync(path.join(tmpdir(), 'pypi-status-actions-'));
    client = await LspClient.start({
      settings: { indexUrl: index.simpleUrl, jsonApiUrl: index.jsonApiUrl, cache: { directory: cacheDir }, alternatives: { aiocpa: 'safe-cpa' } },
      env: ENV,
      initializationOptions: { clientCommands: ['pypiStatus.addToIgnore'] },
    });
    await client.open(REQ_URI, REQUIREMENTS);
    await client.open(PYPROJECT_URI, PYPROJECT, 'toml');
    reqDiagnostics = await client.waitForDiagnostics(REQ_URI, (d) => d.length >= 11);
    tomlDiagnostics = await client.waitForDiagnostics(PYPROJECT_URI, (d) => d.length >= 12);
  });
  after(async () => {
    await client.stop();
    await index.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  function diagnosticAt(diagnostics: Diagnostic[], text: string, name: string, lineMarker = name): Diagnostic {
    const line = text.split('\n').findIndex((l) => l.includes(lineMarker));
    const d = diagnostics.find((x) => x.range.start.line === line && text.split('\n')[line]!.slice(x.range.start.character, x.range.end.character) === name);
    assert.ok(d, `no diagnostic on ${name}`);
    return d;
  }

  async function actionsFor(uri: string, diagnostic: Diagnostic, withContext = true): Promise<CodeAction[]> {
    return client.codeActions(uri, diagnostic.range, withContext ? [diagnostic] : []);
  }

  function reparsedName(parse: (t: string) => ParsedFile, text: string, line: number): string | undefined {
    return parse(text).dependencies.find((d) => d.nameRange.start.line === line)?.name;
  }

  it('replaces an archived requirement with the alternative its index names, keeping the line intact otherwise', async () => {
    const d = diagnosticAt(reqDiagnostics, REQUIREMENTS, 'haunted.project');
    const actions = await actionsFor(REQ_URI, d);
    const preferred = actions.find((a) => a.isPreferred);
    assert.ok(preferred, JSON.stringify(actions.map((a) => a.title)));
    assert.equal(preferred.title, 'Replace haunted.project with newproject (named on the index)');
    assert.equal(preferred.kind, 'quickfix');
    assert.deepEqual(preferred.diagnostics, [d]);
    const after = apply(REQUIREMENTS, preferred, REQ_URI);
    assert.equal(after.split('\n')[d.range.start.line], 'newproject');
    assert.equal(
      reparsedName((t) => parseRequirements(t, { env: ENV }), after, d.range.start.line),
      'newproject',
    );
  });

  it('uses the curated table (PIL → pillow) and offers to replace it in all files', async () => {
    const d = diagnosticAt(reqDiagnostics, REQUIREMENTS, 'PIL');
    const actions = await actionsFor(REQ_URI, d);
    const titles = actions.map((a) => a.title);
    assert.ok(titles.includes('Replace PIL with pillow (from the curated list)'), titles.join('\n'));
    const all = actions.find((a) => a.title.startsWith('Replace PIL with pillow in all files'));
    assert.ok(all, titles.join('\n'));
    assert.match(all.title, /3 places in 2 files/);
    const req = apply(REQUIREMENTS, all, REQ_URI);
    const toml = apply(PYPROJECT, all, PYPROJECT_URI);
    assert.ok(!parseRequirements(req, { env: ENV }).dependencies.some((x) => x.normalizedName === 'pil'));
    const tomlNames = parsePyproject(toml).dependencies.map((x) => x.name);
    assert.ok(!tomlNames.some((n) => n.toLowerCase() === 'pil'), tomlNames.join(' '));
    assert.equal(tomlNames.filter((n) => n === 'pillow').length, 2);
  });

  it('reads "snowchange is now schemachange" from the latest release, in a dependency group', async () => {
    const d = diagnosticAt(tomlDiagnostics, PYPROJECT, 'snowchange');
    assert.equal(d.code, 'inactive');
    const actions = await actionsFor(PYPROJECT_URI, d);
    const preferred = actions.find((a) => a.isPreferred)!;
    assert.equal(preferred.title, 'Replace snowchange with schemachange (named on the index)');
    const after = apply(PYPROJECT, preferred, PYPROJECT_URI);
    assert.match(after, /lint = \["schemachange"\]/);
    assert.equal(reparsedName(parsePyproject, after, d.range.start.line), 'schemachange');
  });

  it('renames a Poetry key and keeps only the fields that are not about the old project', async () => {
    const d = diagnosticAt(tomlDiagnostics, PYPROJECT, 'haunted-project');
    const preferred = (await actionsFor(PYPROJECT_URI, d)).find((a) => a.isPreferred)!;
    const after = apply(PYPROJECT, preferred, PYPROJECT_URI);
    assert.match(after, /\nnewproject = \{ version = "\*", optional = true \}\n/);
    assert.equal(reparsedName(parsePyproject, after, d.range.start.line), 'newproject');
  });

  it("puts the user's own alternative first and never offers one the index flags", async () => {
    const d = diagnosticAt(reqDiagnostics, REQUIREMENTS, 'aiocpa');
    const actions = await actionsFor(REQ_URI, d);
    assert.equal(actions.find((a) => a.isPreferred)?.title, 'Replace aiocpa with safe-cpa (from your settings)');
    // An index-named candidate that is itself archived, or unknown to the index, is not offered.
    index.setProject(
      'flagged-old',
      makeProject({
        name: 'flagged-old',
        status: 'archived',
        reason: 'Use archived-alternative instead, or use no-such-project instead, or use newproject instead.',
      }),
    );
    const uri = fileUri(path.join(FIXTURES, 'flagged', 'requirements.txt'));
    await client.open(uri, 'flagged-old\n');
    const [flagged] = await client.waitForDiagnostics(uri, (ds) => ds.length > 0);
    const titles = (await actionsFor(uri, flagged!)).map((a) => a.title);
    assert.deepEqual(
      titles.filter((t) => t.startsWith('Replace')),
      ['Replace flagged-old with newproject (named on the index)'],
    );
  });

  it('offers ignore actions for every finding, and no replacement where upgrading is the fix', async () => {
    const d = diagnosticAt(reqDiagnostics, REQUIREMENTS, 'pycrypto');
    const actions = await actionsFor(REQ_URI, d);
    assert.deepEqual(
      actions.map((a) => a.title),
      ['Ignore pycrypto on this line', 'Ignore pycrypto in this workspace (pypiStatus.ignore)'],
    );
    const after = apply(REQUIREMENTS, actions[0]!, REQ_URI);
    const dep = parseRequirements(after, { env: ENV }).dependencies.find((x) => x.name === 'pycrypto')!;
    assert.equal(dep.ignored, true);
    assert.deepEqual(actions[1]!.command, { title: 'Ignore in workspace settings', command: 'pypiStatus.addToIgnore', arguments: ['pycrypto'] });
  });

  it('removes --hash options and says so', async () => {
    const text = 'pil==1.1.7 \\\n    --hash=sha256:aaaa \\\n    --hash=sha256:bbbb  # imaging\nsix\n';
    const uri = fileUri(path.join(FIXTURES, 'hashed', 'requirements.txt'));
    await client.open(uri, text);
    const diagnostics = await client.waitForDiagnostics(uri, (ds) => ds.some((x) => x.code === 'archived'));
    const actions = await actionsFor(
      uri,
      diagnostics.find((x) => x.code === 'archived')!,
    );
    const preferred = actions.find((a) => a.isPreferred)!;
    assert.match(preferred.title, /regenerate them/);
    assert.equal(apply(text, preferred, uri), 'pillow  # imaging\nsix\n');
  });

  it('offers the replacement from the name without a diagnostic context', async () => {
    const d = diagnosticAt(reqDiagnostics, REQUIREMENTS, 'haunted.project');
    const actions = await actionsFor(REQ_URI, d, false);
    assert.equal(actions[0]?.title, 'Replace haunted.project with newproject (named on the index)');
    assert.equal(actions[0]?.diagnostics, undefined);
    const none = await client.codeActions(REQ_URI, { start: { line: 0, character: 0 }, end: { line: 0, character: 3 } });
    assert.deepEqual(none, [], 'nothing on a comment');
  });

  it('offers no replacement for a finding the severity setting turned off', async () => {
    const d = diagnosticAt(reqDiagnostics, REQUIREMENTS, 'haunted.project');
    const quiet = await LspClient.start({
      settings: { indexUrl: index.simpleUrl, jsonApiUrl: index.jsonApiUrl, cache: { directory: cacheDir }, severity: { [String(d.code)]: 'off' } },
      env: ENV,
    });
    try {
      await quiet.open(REQ_URI, REQUIREMENTS);
      await quiet.waitForDiagnostics(REQ_URI, (x) => x.length > 0 && !x.some((y) => y.code === d.code));
      const titles = (await quiet.codeActions(REQ_URI, d.range)).map((a) => a.title);
      assert.ok(!titles.some((t) => t.startsWith('Replace haunted.project')), titles.join('\n'));
    } finally {
      await quiet.stop();
    }
  });

  it('leaves lines the user ignored out of "in all files"', async () => {
    const uri = fileUri(path.join(FIXTURES, 'ignored', 'requirements.txt'));
    await client.open(uri, 'PIL==1.1.7  # pypi-status: ignore (kept on purpose)\n');
    await client.waitForDiagnostics(uri, () => true);
    const d = diagnosticAt(reqDiagnostics, REQUIREMENTS, 'PIL');
    const all = (await actionsFor(REQ_URI, d)).find((a) => a.title.startsWith('Replace PIL with pillow in all files'));
    assert.ok(all);
    assert.ok(all.edit?.changes?.[REQ_URI], 'the file asked about is edited');
    assert.equal(all.edit?.changes?.[uri], undefined, 'the ignored line was rewritten');
  });
});

describe('pin fixes over stdio', () => {
  let index: IndexServer;
  let client: LspClient;
  let dir: string;

  const TEXT = [
    'yankpin==1.0.1  # keep this comment',
    'vulnpin[extra]==2.0.0 ; python_version >= "3.8"',
    'openpin==3.0.0',
    'missingpin==9.9',
    'steady==1.0.0',
    '',
  ].join('\n');

  before(async () => {
    index = await startIndexServer();
    definePinProjects(index);
    dir = mkdtempSync(path.join(tmpdir(), 'pypi-status-pins-'));
    client = await LspClient.start({ settings: { indexUrl: index.simpleUrl, jsonApiUrl: index.jsonApiUrl, cache: { directory: path.join(dir, 'cache') } } });
  });
  after(async () => {
    await client.stop();
    await index.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function opened(name: string, text: string, count: number): Promise<{ uri: string; diagnostics: Diagnostic[] }> {
    const uri = fileUri(path.join(dir, name, 'requirements.txt'));
    await client.open(uri, text);
    return { uri, diagnostics: await client.waitForDiagnostics(uri, (d) => d.length >= count) };
  }

  /** The text after the action, checking that only the pins changed (re-parsed: same names, same count). */
  function applied(text: string, uri: string, action: CodeAction): string {
    const after = apply(text, action, uri);
    const before = parseRequirements(text).dependencies;
    const now = parseRequirements(after).dependencies;
    assert.deepEqual(
      now.map((d) => d.name),
      before.map((d) => d.name),
    );
    return after;
  }

  it('moves a yanked pin, a vulnerable one past every fix, a partly fixable one naming what stays open, and a missing one', async () => {
    const { uri, diagnostics } = await opened('each', TEXT, 4);
    const fixFor = async (code: string) => {
      const d = diagnostics.find((x) => x.code === code);
      assert.ok(d, `no ${code} in ${JSON.stringify(diagnostics.map((x) => x.code))}`);
      const actions = await client.codeActions(uri, d.range, [d]);
      return { d, actions };
    };
    const yanked = await fixFor('yanked');
    const change = yanked.actions.find((a) => a.isPreferred)!;
    assert.equal(change.title, 'Change the pin to 1.1.0');
    assert.deepEqual(change.diagnostics, [yanked.d]);
    assert.equal(applied(TEXT, uri, change).split('\n')[0], 'yankpin==1.1.0  # keep this comment');

    const vulnerable = diagnostics.filter((x) => x.code === 'vulnerable');
    assert.equal(vulnerable.length, 2);
    const [whole, partial] = vulnerable.sort((a, b) => a.range.start.line - b.range.start.line);
    const upgrade = (await client.codeActions(uri, whole!.range, [whole!])).find((a) => a.isPreferred)!;
    assert.equal(upgrade.title, 'Upgrade to 2.2.0 (fixes PYSEC-1, GHSA-2)');
    assert.equal(applied(TEXT, uri, upgrade).split('\n')[1], 'vulnpin[extra]==2.2.0 ; python_version >= "3.8"');
    const most = (await client.codeActions(uri, partial!.range, [partial!])).find((a) => a.isPreferred)!;
    assert.match(most.title, /^Upgrade to 3\.1\.0 \(fixes PYSEC-3; PYSEC-4 stays open/);

    const missing = await fixFor('missing-release');
    const nearest = missing.actions.find((a) => a.isPreferred)!;
    assert.match(nearest.title, /^Change the pin to 2\.0 /);
    assert.equal(applied(TEXT, uri, nearest).split('\n')[3], 'missingpin==2.0');
  });

  it("asks the index about the upgrade's release before offering it, passing one that is vulnerable itself", async () => {
    const text = 'hoppin==4.0.0\n';
    const { uri, diagnostics } = await opened('hop', text, 1);
    const d = diagnostics.find((x) => x.code === 'vulnerable')!;
    // Nothing has asked about 4.1.0 yet: it fixes PYSEC-5 but the JSON API lists PYSEC-6 for it.
    const actions = await client.codeActions(uri, d.range, [d]);
    const upgrade = actions.find((a) => a.isPreferred);
    assert.equal(upgrade?.title, 'Upgrade to 4.2.0 (fixes PYSEC-5)', actions.map((a) => a.title).join('\n'));
    assert.equal(apply(text, upgrade, uri), 'hoppin==4.2.0\n');
  });

  it("answers a pin's actions at once while another pin's upgrade target hangs on the index", async () => {
    index.setProject(
      'slowpin',
      makeProject({ name: 'slowpin', versions: ['5.0.0', '5.1.0', '5.2.0'], vulnerabilities: { '5.0.0': [vulnerability('PYSEC-7', ['5.1.0'])] } }),
    );
    // The upgrade target is 5.1.0, the first fixed release; the latest, 5.2.0, answers (the diagnostics need it).
    index.setFault('/pypi/slowpin/5.1.0/json', { kind: 'hang' });
    try {
      const text = 'yankpin==1.0.1\nslowpin==5.0.0\n';
      const { uri, diagnostics } = await opened('slow', text, 2);
      const d = diagnostics.find((x) => x.code === 'yanked')!;
      const started = Date.now();
      const actions = await client.codeActions(uri, d.range, [d]);
      assert.ok(Date.now() - started < 1500, `the lightbulb waited ${Date.now() - started} ms for another line's lookup`);
      assert.equal(actions.find((a) => a.isPreferred)?.title, 'Change the pin to 1.1.0');
      assert.equal(
        actions.find((a) => a.title.startsWith('Apply all pin fixes')),
        undefined,
        "an upgrade whose release the index has not described is in no edit, not even the file's",
      );
    } finally {
      index.clearFaults();
    }
  });

  it('applies every pin fix of the file as one edit, touching nothing else', async () => {
    const { uri, diagnostics } = await opened('all', TEXT, 4);
    const d = diagnostics.find((x) => x.code === 'yanked')!;
    const all = (await client.codeActions(uri, d.range, [d])).find((a) => a.title.startsWith('Apply all pin fixes in this file'));
    assert.ok(all);
    assert.equal(all.title, 'Apply all pin fixes in this file (4 pins)');
    assert.equal(
      applied(TEXT, uri, all),
      ['yankpin==1.1.0  # keep this comment', 'vulnpin[extra]==2.2.0 ; python_version >= "3.8"', 'openpin==3.1.0', 'missingpin==2.0', 'steady==1.0.0', ''].join(
        '\n',
      ),
    );
  });

  it('drops the hashes of a hashed pin and says to regenerate them', async () => {
    const text = 'yankpin==1.0.1 \\\n    --hash=sha256:aaaa  # pinned\n';
    const { uri, diagnostics } = await opened('hashed', text, 1);
    const d = diagnostics.find((x) => x.code === 'yanked')!;
    const change = (await client.codeActions(uri, d.range, [d])).find((a) => a.isPreferred)!;
    assert.match(change.title, /^Change the pin to 1\.1\.0; its --hash options are removed, regenerate them$/);
    assert.equal(apply(text, change, uri), 'yankpin==1.1.0  # pinned\n');
  });

  it('applies every pin fix of a hashed file as one edit that says its hashes go', async () => {
    const text =
      'yankpin==1.0.1 \\\n    --hash=sha256:aaaa \\\n    --hash=sha256:bbbb\nmissingpin==9.9 \\\n    --hash=sha256:cccc  # pinned\nsteady==1.0.0 --hash=sha256:dddd\n';
    const { uri, diagnostics } = await opened('hashed-all', text, 2);
    const d = diagnostics.find((x) => x.code === 'yanked')!;
    const all = (await client.codeActions(uri, d.range, [d])).find((a) => a.title.startsWith('Apply all pin fixes'));
    assert.ok(all);
    assert.equal(all.title, 'Apply all pin fixes in this file (2 pins); their --hash options are removed, regenerate them');
    assert.equal(applied(text, uri, all), 'yankpin==1.1.0\nmissingpin==2.0  # pinned\nsteady==1.0.0 --hash=sha256:dddd\n');
  });

  it('offers a close, much-downloaded name for a name the index does not know, once the index confirms it', async () => {
    const text = 'reqeusts>=2  # typo\npandsa\n';
    const { uri, diagnostics } = await opened('typo', text, 2);
    const [typo, unconfirmed] = diagnostics.filter((x) => x.code === 'not-found').sort((a, b) => a.range.start.line - b.range.start.line);
    const replace = (await client.codeActions(uri, typo!.range, [typo!])).find((a) => a.isPreferred);
    assert.ok(replace);
    assert.equal(replace.title, 'Replace reqeusts with requests (a close name among the most-downloaded projects)');
    assert.equal(apply(text, replace, uri), 'requests  # typo\npandsa\n');
    // pandas is close, but this index does not have it: nothing is offered.
    const titles = (await client.codeActions(uri, unconfirmed!.range, [unconfirmed!])).map((a) => a.title);
    assert.ok(!titles.some((t) => t.startsWith('Replace')), titles.join('\n'));
  });

  it("offers no fix for a finding turned off, alone or in the whole file's edit, and asks nothing for one", async () => {
    const quiet = await LspClient.start({
      settings: { indexUrl: index.simpleUrl, jsonApiUrl: index.jsonApiUrl, severity: { vulnerable: 'off' }, cache: { directory: path.join(dir, 'cache-off') } },
    });
    try {
      const text = 'yankpin==1.0.1\nhoppin==4.0.0\n';
      const uri = fileUri(path.join(dir, 'off', 'requirements.txt'));
      await quiet.open(uri, text);
      const [d] = await quiet.waitForDiagnostics(uri, (x) => x.length > 0);
      assert.equal(d?.code, 'yanked');
      await index.settled();
      index.resetLog();
      const titles = (await quiet.codeActions(uri, d.range, [d])).map((a) => a.title);
      assert.ok(!titles.some((t) => t.startsWith('Apply all pin fixes')), titles.join('\n'));
      const vulnerableLine = { start: { line: 1, character: 0 }, end: { line: 1, character: 1 } };
      const offLine = (await quiet.codeActions(uri, vulnerableLine, [])).map((a) => a.title);
      assert.ok(!offLine.some((t) => t.startsWith('Upgrade')), offLine.join('\n'));
      await index.settled();
      assert.deepEqual(
        index.requests.map((r) => r.path).filter((p) => p.startsWith('/pypi/hoppin/4.1.0')),
        [],
      );
    } finally {
      await quiet.stop();
    }
  });
});
