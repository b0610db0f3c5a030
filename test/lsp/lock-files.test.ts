/**
 * Lock files over stdio, against the local index: an open uv.lock's findings on its names with the
 * chain and the manifest line as related information; the open manifest's `transitive` on the
 * direct dependency; hovers on both; and no edit offered in a lock.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Diagnostic, MarkupContent } from 'vscode-languageserver-protocol';
import { startIndexServer, type IndexServer } from '../support/index-server.js';
import { fileUri, LspClient } from '../support/lsp-client.js';

function pkg(name: string, version: string, deps: string[] = []): string {
  const list = deps.map((d) => `    { name = "${d}" },\n`).join('');
  return `\n[[package]]\nname = "${name}"\nversion = "${version}"\nsource = { registry = "https://pypi.org/simple" }\n${deps.length ? `dependencies = [\n${list}]\n` : ''}`;
}

const PYPROJECT = '[project]\nname = "app"\nversion = "0.1.0"\ndependencies = [\n    "six",\n    "tablib",\n]\n';
const UV_LOCK =
  'version = 1\nrevision = 3\n\n[[package]]\nname = "app"\nversion = "0.1.0"\nsource = { editable = "." }\ndependencies = [\n    { name = "six" },\n    { name = "tablib" },\n]\n' +
  pkg('six', '1.16.0', ['pepy']) +
  pkg('pepy', '2.1.1', ['aiocpa']) +
  pkg('aiocpa', '0.1.14') +
  pkg('tablib', '3.5.0');

describe('lock files over stdio', () => {
  let index: IndexServer;
  let client: LspClient;
  let dir: string;
  let lockUri: string;
  let manifestUri: string;
  let lockDiagnostics: Diagnostic[];
  let manifestDiagnostics: Diagnostic[];

  const lineOf = (text: string, line: string) => text.split('\n').indexOf(line);
  const message = (d: Diagnostic) => (typeof d.message === 'string' ? d.message : d.message.value);

  before(async () => {
    index = await startIndexServer({ unknownProjects: 'generate' });
    dir = mkdtempSync(path.join(tmpdir(), 'pypi-status-lsp-lock-'));
    writeFileSync(path.join(dir, 'pyproject.toml'), PYPROJECT);
    writeFileSync(path.join(dir, 'uv.lock'), UV_LOCK);
    lockUri = fileUri(path.join(dir, 'uv.lock'));
    manifestUri = fileUri(path.join(dir, 'pyproject.toml'));
    client = await LspClient.start({
      settings: { indexUrl: index.simpleUrl, jsonApiUrl: null, cache: { directory: null } },
      initializationOptions: { clientCommands: ['pypiStatus.addToIgnore'] },
      showDocument: true,
    });
    await client.open(lockUri, UV_LOCK, 'toml');
    await client.open(manifestUri, PYPROJECT, 'toml');
    lockDiagnostics = await client.waitForDiagnostics(lockUri, (d) => d.some((x) => x.code === 'quarantined'));
    manifestDiagnostics = await client.waitForDiagnostics(manifestUri, (d) => d.some((x) => x.code === 'transitive'));
  });
  after(async () => {
    await client.stop();
    await index.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('puts each finding on the locked name, with its chain and the direct dependency’s line', () => {
    const pepy = lockDiagnostics.find((d) => d.code === 'archived')!;
    assert.equal(pepy.range.start.line, lineOf(UV_LOCK, 'name = "pepy"'));
    assert.deepEqual([pepy.range.start.character, pepy.range.end.character], [8, 12], 'inside the quotes');
    assert.match(message(pepy), /^pepy is archived: .*\(pulled in by: six → pepy\)$/);
    assert.equal(pepy.relatedInformation?.length, 1);
    assert.equal(pepy.relatedInformation[0]!.location.uri, manifestUri);
    assert.equal(pepy.relatedInformation[0]!.location.range.start.line, lineOf(PYPROJECT, '    "six",'));
    assert.deepEqual(pepy.data, { name: 'pepy', normalizedName: 'pepy', lock: { transitive: true, chain: ['six', 'pepy'] } });
    const aiocpa = lockDiagnostics.find((d) => d.code === 'quarantined')!;
    assert.match(message(aiocpa), /\(pulled in by: six → pepy → aiocpa\)$/);
    assert.deepEqual(
      lockDiagnostics.filter((d) => /^(six|tablib) /.test(message(d))),
      [],
      'clean packages say nothing',
    );
  });

  it('flags the direct dependency on the manifest as severe as the worst beneath it', () => {
    const transitive = manifestDiagnostics.filter((d) => d.code === 'transitive');
    assert.equal(transitive.length, 1);
    assert.equal(transitive[0]!.range.start.line, lineOf(PYPROJECT, '    "six",'));
    assert.equal(transitive[0]!.severity, 1, 'an Error: a quarantined package beneath');
    assert.match(message(transitive[0]!), /^six pulls in aiocpa \(quarantined\) via six → pepy → aiocpa, and 1 more \(uv\.lock\)$/);
    assert.deepEqual(
      transitive[0]!.relatedInformation?.map((r) => [r.location.uri, r.location.range.start.line]),
      [
        [lockUri, lineOf(UV_LOCK, 'name = "aiocpa"')],
        [lockUri, lineOf(UV_LOCK, 'name = "pepy"')],
      ],
    );
  });

  it('hovers: a lock entry with its chain; a direct dependency with what it pulls in, or how many packages it brings', async () => {
    const onPepy = await client.hover(lockUri, { line: lineOf(UV_LOCK, 'name = "pepy"'), character: 10 });
    assert.match((onPepy?.contents as MarkupContent).value, /\n\nPulled in by\\: six → pepy$/);
    const onSix = await client.hover(manifestUri, { line: lineOf(PYPROJECT, '    "six",'), character: 6 });
    const six = (onSix?.contents as MarkupContent).value;
    assert.match(
      six,
      /Pulls in, per uv\\\.lock\\:\n- aiocpa 0\\\.1\\\.14 \\\(quarantined\\\)\\: six → pepy → aiocpa\n- pepy 2\\\.1\\\.1 \\\(archived\\\)\\: six → pepy/,
      six,
    );
    const onTablib = await client.hover(manifestUri, { line: lineOf(PYPROJECT, '    "tablib",'), character: 6 });
    assert.match((onTablib?.contents as MarkupContent).value, /0 packages beneath it in uv\\\.lock\\: none flagged\\\./);
  });

  it('offers no edit in a lock file, only the ignore setting', async () => {
    const pepy = lockDiagnostics.find((d) => d.code === 'archived')!;
    const actions = await client.codeActions(lockUri, pepy.range, [pepy]);
    assert.ok(actions.length > 0);
    for (const a of actions) assert.equal(a.edit, undefined, a.title);
  });

  it('goes from a locked package to the manifest line of the direct dependency that pulls it in', async () => {
    const aiocpa = lockDiagnostics.find((d) => d.code === 'quarantined')!;
    const actions = await client.codeActions(lockUri, aiocpa.range, [aiocpa]);
    const go = actions.find((a) => a.command?.command === 'pypiStatus.showDirectDependency');
    assert.equal(go?.title, 'Go to six, the direct dependency in pyproject.toml');
    assert.ok(go.command);
    const shown = await client.executeCommand<boolean>(go.command.command, go.command.arguments);
    assert.equal(shown, true);
    const six = lineOf(PYPROJECT, '    "six",');
    assert.deepEqual(client.shownDocuments.at(-1), {
      uri: manifestUri,
      selection: { start: { line: six, character: 5 }, end: { line: six, character: 8 } },
      takeFocus: true,
    });
    const manifestActions = await client.codeActions(manifestUri, { start: { line: six, character: 5 }, end: { line: six, character: 5 } });
    assert.equal(
      manifestActions.find((a) => a.command?.command === 'pypiStatus.showDirectDependency'),
      undefined,
      'a manifest line is the direct dependency',
    );
  });

  it('reopened with the same text, a lock is joined to its manifest as the manifest is now', async () => {
    // Runs last in this group: the manifest, closed, changes on disk while the lock is closed too.
    const edited = PYPROJECT.replace('dependencies = [\n', 'dependencies = [\n    # moved down a line\n');
    await client.close(manifestUri);
    writeFileSync(path.join(dir, 'pyproject.toml'), edited);
    await client.close(lockUri);
    const since = client.diagnostics.get(lockUri)?.length ?? 0;
    await client.open(lockUri, UV_LOCK, 'toml', 7);
    // Asked at once, while the reopened lock's check is still reading its manifest: the way to the direct dependency is where the manifest now has it.
    const before = lockDiagnostics.find((d) => d.code === 'archived')!;
    const go = (await client.codeActions(lockUri, before.range, [before])).find((a) => a.command?.command === 'pypiStatus.showDirectDependency');
    assert.equal((go?.command?.arguments?.[1] as { start: { line: number } } | undefined)?.start.line, lineOf(edited, '    "six",'));
    const again = await client.waitForDiagnostics(lockUri, (d, p) => p.version === 7 && d.some((x) => x.code === 'archived'), { since });
    const pepy = again.find((d) => d.code === 'archived')!;
    assert.equal(pepy.relatedInformation?.[0]?.location.range.start.line, lineOf(edited, '    "six",'));
    assert.deepEqual(
      again.map((d) => [d.code, d.range.start.line]),
      lockDiagnostics.map((d) => [d.code, d.range.start.line]),
    );
  });
});

describe('the locks beside an open manifest, over stdio', () => {
  let index: IndexServer;
  let client: LspClient;
  let dir: string;
  let manifestUri: string;

  const message = (d: Diagnostic) => (typeof d.message === 'string' ? d.message : d.message.value);
  const reads = () => client.logs.filter((l) => /reading .*uv\.lock for the manifests beside it/.test(l)).length;
  const transitiveAt = (version: number) => (d: Diagnostic[], p: { version?: number }) => p.version === version && d.some((x) => x.code === 'transitive');

  before(async () => {
    index = await startIndexServer({ unknownProjects: 'generate' });
    dir = mkdtempSync(path.join(tmpdir(), 'pypi-status-lsp-lock-cache-'));
    writeFileSync(path.join(dir, 'pyproject.toml'), PYPROJECT);
    writeFileSync(path.join(dir, 'uv.lock'), UV_LOCK);
    manifestUri = fileUri(path.join(dir, 'pyproject.toml'));
    client = await LspClient.start({ settings: { indexUrl: index.simpleUrl, jsonApiUrl: null, cache: { directory: null } } });
  });
  after(async () => {
    await client.stop();
    await index.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads an unchanged lock once however often the manifest is edited, and again once it changes on disk', async () => {
    await client.open(manifestUri, PYPROJECT, 'toml', 1);
    await client.waitForDiagnostics(manifestUri, transitiveAt(1));
    assert.equal(reads(), 1);
    for (let version = 2; version <= 5; version++) {
      await client.change(manifestUri, version, `${PYPROJECT}# edit ${version}\n`);
      await client.waitForDiagnostics(manifestUri, transitiveAt(version));
    }
    assert.equal(reads(), 1, 'typing in the manifest does not re-read the lock');

    // pepy no longer pulls aiocpa in: the lock is read again and six's line names pepy alone.
    const changed = UV_LOCK.replace(pkg('pepy', '2.1.1', ['aiocpa']), pkg('pepy', '2.1.1'));
    assert.notEqual(changed, UV_LOCK);
    writeFileSync(path.join(dir, 'uv.lock'), changed);
    await client.didChangeWatchedFiles([{ uri: fileUri(path.join(dir, 'uv.lock')), type: 2 }]);
    await client.change(manifestUri, 6, `${PYPROJECT}# edit 6\n`);
    const after6 = await client.waitForDiagnostics(manifestUri, transitiveAt(6));
    assert.match(message(after6.find((d) => d.code === 'transitive')!), /^six pulls in pepy \(archived\) via six → pepy \(uv\.lock\)$/);
    assert.equal(reads(), 2);
  });

  it('re-checks the open manifest when only its lock changes on disk, and when the lock is deleted', async () => {
    const lockPath = path.join(dir, 'uv.lock');
    const lockChanged = async (type: 1 | 2 | 3, predicate: (d: Diagnostic[]) => boolean) => {
      const since = client.publications(manifestUri);
      await client.didChangeWatchedFiles([{ uri: fileUri(lockPath), type }]);
      return client.waitForDiagnostics(manifestUri, predicate, { since });
    };
    const codes = (d: Diagnostic[]) => d.map((x) => x.code);
    // six no longer pulls anything in: the manifest, untouched in the editor, loses its `transitive`.
    writeFileSync(lockPath, UV_LOCK.replace(pkg('six', '1.16.0', ['pepy']), pkg('six', '1.16.0')).replace(pkg('pepy', '2.1.1', ['aiocpa']), ''));
    assert.deepEqual(codes(await lockChanged(2, (d) => !d.some((x) => x.code === 'transitive'))), []);
    // uv locks it again with pepy: back.
    writeFileSync(lockPath, UV_LOCK);
    const back = await lockChanged(1, (d) => d.some((x) => x.code === 'transitive'));
    assert.match(message(back.find((d) => d.code === 'transitive')!), /^six pulls in aiocpa \(quarantined\)/);
    // No lock at all: nothing to judge the manifest by, so neither `transitive` nor `lock-outdated`.
    rmSync(lockPath);
    assert.deepEqual(codes(await lockChanged(3, (d) => !d.some((x) => x.code === 'transitive'))), []);
  });
});

describe('a lock reopened after lock files were turned off, over stdio', () => {
  let index: IndexServer;
  let client: LspClient;
  let dir: string;

  before(async () => {
    index = await startIndexServer({ unknownProjects: 'generate' });
    dir = mkdtempSync(path.join(tmpdir(), 'pypi-status-lsp-lock-off-'));
    writeFileSync(path.join(dir, 'pyproject.toml'), PYPROJECT);
    writeFileSync(path.join(dir, 'uv.lock'), UV_LOCK);
    client = await LspClient.start({ settings: { indexUrl: index.simpleUrl, jsonApiUrl: null, cache: { directory: null } } });
  });
  after(async () => {
    await client.stop();
    await index.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows it as a lock opened with lock files off: no chain read from its manifest when it was closed', async () => {
    const lockUri = fileUri(path.join(dir, 'uv.lock'));
    const manifestUri = fileUri(path.join(dir, 'pyproject.toml'));
    await client.open(lockUri, UV_LOCK, 'toml', 1);
    await client.open(manifestUri, PYPROJECT, 'toml', 1);
    const joined = await client.waitForDiagnostics(lockUri, (d) => d.some((x) => x.code === 'archived'));
    assert.ok(joined.find((d) => d.code === 'archived')!.relatedInformation?.length, 'joined to its manifest while lock files are on');
    await client.waitForDiagnostics(manifestUri, (d) => d.some((x) => x.code === 'transitive'));
    await client.close(lockUri);
    const manifestSince = client.publications(manifestUri);
    client.settings = { ...client.settings, lockFiles: false };
    await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
    // The settings are in force once the open manifest is checked again without its lock.
    await client.waitForDiagnostics(manifestUri, (d) => !d.some((x) => x.code === 'transitive'), { since: manifestSince });
    const since = client.publications(lockUri);
    await client.open(lockUri, UV_LOCK, 'toml', 2);
    const again = await client.waitForDiagnostics(lockUri, (d, p) => p.version === 2 && d.some((x) => x.code === 'archived'), { since });
    const pepy = again.find((d) => d.code === 'archived')!;
    assert.equal(pepy.relatedInformation, undefined);
    assert.doesNotMatch(typeof pepy.message === 'string' ? pepy.message : '', /pulled in by/i);
  });
});
