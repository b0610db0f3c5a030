/**
 * Scan Workspace (pypiStatus.scanWorkspace), run the way the Command Palette runs it: the
 * summary it returns, and the diagnostics VS Code then holds for files no editor ever opened.
 * The fixture has a nested services/api/pyproject.toml (never opened by any test), locked/ (a
 * pyproject.toml with its uv.lock, opened by lockfiles.test.ts), and
 * legacy/requirements.txt, which the workspace setting pypiStatus.exclude (legacy/**) keeps out;
 * run.ts adds python-env/, a virtual environment (pyvenv.cfg) with a requirements.txt in it.
 * The summary notification and the report view are checked in screenshots.test.ts: the API
 * gives no access to either.
 */
import * as assert from 'node:assert/strict';
import { suite, suiteSetup, suiteTeardown, test } from 'mocha';
import * as vscode from 'vscode';
import {
  activeExtension,
  closeAllEditors,
  codeOf,
  findingIn,
  ours,
  readWorkspaceFile,
  summarize,
  waitForDiagnostics,
  workspaceUri,
  type Finding,
} from './helpers.js';

/** What the command returns (ScanResponse in server/src/protocol.ts; only what these tests read). */
interface ScanResponse {
  filesScanned: number;
  dependencies: number;
  projects: number;
  unknownProjects: string[];
  findingsByCode: Record<string, number>;
  findings?: { uri: string; code: string; name?: string }[];
  cancelled: boolean;
}

const SCANNED = ['pyproject.toml', 'requirements.txt', 'requirements/dev.txt', 'services/api/pyproject.toml', 'locked/pyproject.toml', 'locked/uv.lock'];
const NESTED = 'services/api/pyproject.toml';
/** Requirements files the scan must skip: excluded by the setting, inside a virtual environment. */
const SKIPPED = ['legacy/requirements.txt', 'python-env/requirements.txt'];

function isOpen(relative: string): boolean {
  const uri = workspaceUri(relative).toString();
  return vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri);
}

/** Deletes a file or folder the test created, whatever state the test left it in. */
async function removeQuietly(relative: string): Promise<void> {
  await vscode.workspace.fs.delete(workspaceUri(relative), { recursive: true }).then(undefined, () => undefined);
}

async function expectedNested(): Promise<Finding[]> {
  const text = await readWorkspaceFile(NESTED);
  return [findingIn(text, 'haunted-project', 'archived', 'warning', '"haunted-project'), findingIn(text, 'black', 'yanked', 'warning')].sort(
    (a, b) => a[0] - b[0],
  );
}

suite('Scan Workspace', () => {
  let response: ScanResponse | undefined;

  suiteSetup(async () => {
    await activeExtension();
    await closeAllEditors();
  });
  suiteTeardown(closeAllEditors);

  test('before the scan, files that were never opened have no diagnostics', () => {
    for (const relative of [NESTED, ...SKIPPED]) {
      assert.equal(isOpen(relative), false, `${relative} is not open`);
      assert.deepEqual(summarize(ours(workspaceUri(relative))), [], relative);
    }
  });

  test('returns the summary: files, dependencies, projects and findings by code', async () => {
    const nested = workspaceUri(NESTED);
    // The diagnostics of the unopened file arrive before the command returns.
    const published = waitForDiagnostics(nested, (d) => d.length > 0);
    response = await vscode.commands.executeCommand<ScanResponse>('pypiStatus.scanWorkspace');
    assert.ok(response, 'the command returns the summary');
    await published;
    const { findings, ...summary } = response;
    assert.deepEqual(summary, {
      // requirements.txt (-r requirements/dev.txt), requirements/dev.txt, pyproject.toml, services/api/pyproject.toml,
      // locked/pyproject.toml, locked/uv.lock
      filesScanned: 6,
      // 5 + 3 + 6 + 3 + 1 + 3 (every package the lock holds: locked-app, pepy, six)
      dependencies: 21,
      // django cryptography pepy aiocpa six black pytest haunted-project pil deprecated-project requests
      projects: 11,
      unknownProjects: [],
      // pepy in locked/uv.lock is archived, and locked/pyproject.toml's six pulls it in (transitive).
      findingsByCode: { quarantined: 2, archived: 6, deprecated: 1, yanked: 2, transitive: 1 },
      cancelled: false,
    });
    // Every finding is in a scanned file, none in a skipped one.
    assert.ok(findings, 'the summary lists the findings');
    const files = new Set(findings.map((f) => f.uri));
    assert.deepEqual([...files].sort(), SCANNED.map((r) => workspaceUri(r).toString()).sort());
  });

  test('a file no editor opened gets its diagnostics, at the names', async () => {
    assert.ok(response, 'the scan ran');
    assert.equal(isOpen(NESTED), false, `${NESTED} was not opened`);
    const diagnostics = await waitForDiagnostics(workspaceUri(NESTED), (d) => d.length >= 2);
    assert.deepEqual(summarize(diagnostics), await expectedNested());
    const archived = diagnostics.find((d) => codeOf(d) === 'archived')!;
    assert.match(archived.message, /haunted-project is archived/);
    assert.match(archived.message, /Reason given: This project is haunted/);
    // And the files the earlier suites had opened and closed are reported again.
    const counts: [string, number][] = [
      ['requirements.txt', 2],
      ['requirements/dev.txt', 2],
      ['pyproject.toml', 4],
    ];
    for (const [relative, count] of counts) await waitForDiagnostics(workspaceUri(relative), (d) => d.length === count, 10_000);
  });

  test('files under pypiStatus.exclude and in a virtual environment are skipped', () => {
    assert.ok(response, 'the scan ran');
    assert.deepEqual(vscode.workspace.getConfiguration('pypiStatus').get('exclude'), ['legacy/**'], 'the workspace setting');
    for (const relative of SKIPPED) assert.deepEqual(summarize(ours(workspaceUri(relative))), [], `${relative} is not reported`);
  });

  test('a scanned file that changes on disk is checked again without being opened', async () => {
    assert.ok(response, 'the scan ran');
    const uri = workspaceUri(NESTED);
    const original = await readWorkspaceFile(NESTED);
    const before = await expectedNested();
    const changed = original.replace('"requests>=2.18",', '"requests>=2.18",\n  "pil",');
    assert.notEqual(changed, original);
    try {
      const updated = waitForDiagnostics(uri, (d) => d.length === 3, 15_000);
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(changed));
      const diagnostics = await updated;
      assert.deepEqual(
        summarize(diagnostics),
        [findingIn(changed, 'pil', 'archived', 'warning', '"pil"'), ...before.map((f): Finding => [f[0] + 1, f[1], f[2], f[3], f[4]])].sort(
          (a, b) => a[0] - b[0],
        ),
      );
    } finally {
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(original));
    }
    assert.deepEqual(summarize(await waitForDiagnostics(uri, (d) => d.length === 2, 15_000)), before);
    assert.equal(isOpen(NESTED), false, `${NESTED} was not opened`);
  });

  test('a requirements file created after the scan is checked, and its findings go when it is deleted', async () => {
    assert.ok(response, 'the scan ran');
    // In a directory that exists: a file created together with its directory can escape the
    // editor's file watcher (seen with code-server, now and then), and the server hears only what it reports.
    const uri = workspaceUri('services/api/requirements-worker.txt');
    try {
      const reported = waitForDiagnostics(uri, (d) => d.length === 1, 15_000);
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode('six\npepy==2.1.1\n'));
      assert.deepEqual(summarize(await reported), [[1, 0, 4, 'archived', 'warning']]);
      const cleared = waitForDiagnostics(uri, (d) => d.length === 0, 15_000);
      await vscode.workspace.fs.delete(uri);
      await cleared;
    } finally {
      await removeQuietly('services/api/requirements-worker.txt');
    }
  });

  test('a requirements file created after the scan where the scan does not look (pypiStatus.exclude, a virtual environment) is not checked', async () => {
    assert.ok(response, 'the scan ran');
    const skipped = ['legacy/requirements-old.txt', `python-env/requirements-dev.txt`];
    const sentinel = workspaceUri('services/api/requirements-sentinel.txt');
    try {
      for (const relative of skipped) await vscode.workspace.fs.writeFile(workspaceUri(relative), new TextEncoder().encode('pepy\naiocpa\n'));
      // Then a file that is checked: once its findings are in, the server has handled the others (same projects, same path).
      const reported = waitForDiagnostics(sentinel, (d) => d.length === 2, 15_000);
      await vscode.workspace.fs.writeFile(sentinel, new TextEncoder().encode('pepy\naiocpa\n'));
      await reported;
      const reportedSkipped = skipped.filter((relative) => ours(workspaceUri(relative)).length > 0);
      assert.deepEqual(reportedSkipped, [], 'files the scan skips are not reported when they are created after it either');
    } finally {
      for (const relative of [...skipped, 'services/api/requirements-sentinel.txt']) await removeQuietly(relative);
    }
  });
});
