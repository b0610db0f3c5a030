/**
 * What a person sees: the packaged VSIX installed into code-server (`--install-extension`,
 * as a user installs a downloaded VSIX), the fixture workspace opened in the web workbench in
 * headless Chromium, and what it shows checked in the DOM and saved as screenshots under
 * test-artifacts/vscode/: the squiggles, the hover card, the Problems panel, the quick fix menu
 * (Ctrl+.), Scan Workspace run from the Command Palette (its progress and summary
 * notifications, then the Problems panel with files no editor opened), the PyPI Status
 * view in the Explorer, a manifest's dependency flagged `transitive` through the uv.lock beside
 * it with its hover, a token asked for, typed and kept when an index answers 401, the quick fix
 * that moves a yanked pin to a release that is not yanked (the menu, then the line), and the hover
 * of a pin whose files are attested naming its Trusted Publisher.
 *
 *   npm run package && node --import tsx --test test/vscode/screenshots.test.ts
 *
 * PYPI_STATUS_UPDATE_SCREENSHOT=1 also copies the hover screenshot to docs/screenshot.png
 * and the provenance hover's to docs/provenance-hover.png (the README's pictures).
 */
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { makeProject } from '../support/index-catalog.js';
import { startIndexServer, type IndexServer } from '../support/index-server.js';
import { codeServerMissing, installExtension, openWorkbench, startCodeServer, type CodeServer, type Workbench } from './code-server.js';
import { manifest, REPO_ROOT, VSIX } from './vsix.js';
import { addAlternatives, prepareWorkspace, writeJson } from './workspace.js';

const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts', 'vscode');
/** The provenance screenshot's own document, copied into the workspace by that test alone. */
const ATTESTED_FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'vscode-attested');
/** How long the workbench may take to show something (it loads ~10 MB of JavaScript on a slow CI machine). */
const UI_TIMEOUT_MS = 60_000;

describe('the packaged extension in the VS Code web workbench', { timeout: 5 * 60_000 }, () => {
  let scratch: string;
  let workspace: string;
  let index: IndexServer;
  /** An index that requires a token (Basic auth), started by the token test. */
  let privateIndex: IndexServer | undefined;
  let server: CodeServer;
  let workbench: Workbench;
  let page: Page;

  before(async () => {
    const missing = codeServerMissing();
    assert.equal(missing, undefined, missing);
    assert.ok(existsSync(VSIX), `${VSIX} does not exist: run npm run package first (npm run test:vscode does)`);
    mkdirSync(ARTIFACTS, { recursive: true });
    scratch = mkdtempSync(path.join(tmpdir(), 'pypi-status-screens-'));
    index = await startIndexServer();
    workspace = path.join(scratch, 'workspace');
    const userDataDir = path.join(scratch, 'user-data');
    const extensionsDir = path.join(scratch, 'extensions');
    // The fixture with its settings (the local index, pypiStatus.exclude) and a virtual
    // environment, as for the extension tests; the index knows the quick fixes' replacements.
    prepareWorkspace(workspace, index);
    addAlternatives(index);
    // A plain editor: no minimap, chat or welcome page competing with what the pictures show.
    writeJson(path.join(userDataDir, 'User', 'settings.json'), {
      'workbench.colorTheme': 'Default Dark Modern',
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'workbench.secondarySideBar.defaultVisibility': 'hidden',
      'chat.commandCenter.enabled': false,
      'editor.minimap.enabled': false,
      'editor.fontSize': 15,
      'editor.hover.delay': 200,
      'telemetry.telemetryLevel': 'off',
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      'update.mode': 'none',
      'security.workspace.trust.enabled': false,
      // The web workbench saves edited files after a second by default.
      'files.autoSave': 'off',
    });
    // Machine-scoped: in code-server (a remote), it is read from the machine settings.
    writeJson(path.join(userDataDir, 'Machine', 'settings.json'), { 'pypiStatus.cache.directory': path.join(scratch, 'cache') });

    const options = { scratchDir: scratch, userDataDir, extensionsDir };
    await installExtension(VSIX, options);
    const id = `${manifest.publisher}.${manifest.name}-${manifest.version}`;
    assert.ok(readdirSync(extensionsDir).includes(id), `${id} is not in ${extensionsDir}: ${readdirSync(extensionsDir).join(', ')}`);
    server = await startCodeServer(options);
    workbench = await openWorkbench(server, {
      folder: workspace,
      profileDir: path.join(scratch, 'chromium'),
      viewport: { width: 1200, height: 900 },
      deviceScaleFactor: 2,
    });
    page = workbench.page;
    await page.locator('.monaco-workbench').waitFor({ timeout: UI_TIMEOUT_MS });
    await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: UI_TIMEOUT_MS });
  });

  after(async () => {
    await workbench?.close().catch(() => undefined);
    await server?.close();
    await index?.close();
    await privateIndex?.close();
    if (scratch) {
      // VS Code's logs (the extension host's, and the "PyPI Status" output channel's) explain a failure.
      const logs = path.join(scratch, 'user-data', 'logs');
      rmSync(path.join(ARTIFACTS, 'logs'), { recursive: true, force: true });
      if (existsSync(logs)) cpSync(logs, path.join(ARTIFACTS, 'logs'), { recursive: true });
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  /** Opens a workspace file through Quick Open, as a person would, and waits for its editor. */
  async function open(relative: string): Promise<Locator> {
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: UI_TIMEOUT_MS });
    await input.fill(relative);
    // Wait for the file itself among the results (file search runs on the server), then pick it:
    // the row with this name whose description (the folder) is this file's; there are several
    // requirements.txt and pyproject.toml in the workspace.
    const name = path.posix.basename(relative);
    const folder = path.posix.dirname(relative);
    const named = page
      .locator('.quick-input-list .monaco-list-row')
      .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(name)}$`) }) });
    const row = (
      folder === '.'
        ? named.filter({ hasNot: page.locator('.label-description', { hasText: /\S/ }) })
        : named.filter({ has: page.locator('.label-description', { hasText: new RegExp(`^${escapeRegExp(folder)}$`) }) })
    ).first();
    try {
      await row.waitFor({ timeout: UI_TIMEOUT_MS });
    } catch (e) {
      await shot(`failed-quick-open-${path.posix.basename(relative)}`);
      throw e;
    }
    await row.click();
    // Away from the tabs that replace the list under the pointer, or their tooltips end up in the pictures.
    await page.mouse.move(5, 5);
    const tab = page.locator('.tabs-container .tab.active', { hasText: path.posix.basename(relative) });
    await tab.waitFor({ timeout: UI_TIMEOUT_MS });
    return page.locator('.editor-group-container.active .monaco-editor').first();
  }

  function escapeRegExp(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }

  /**
   * Where an element is once the editor has laid it out: Monaco redraws its decorations while a
   * newly opened editor settles, and an element caught between two drawings has no box.
   */
  async function settledBox(locator: Locator): Promise<{ x: number; y: number; width: number; height: number }> {
    for (const deadline = Date.now() + UI_TIMEOUT_MS; Date.now() < deadline; await page.waitForTimeout(100)) {
      const box = await locator.boundingBox();
      if (box && box.width > 0) return box;
    }
    throw new Error(`${locator.toString()} is not on screen`);
  }

  /** Saves a screenshot; with `bottom`, only the window down to that many CSS pixels (readable in a README). */
  async function shot(name: string, bottom?: number): Promise<string> {
    const file = path.join(ARTIFACTS, `${name}.png`);
    const size = page.viewportSize()!;
    await page.screenshot({ path: file, ...(bottom ? { clip: { x: 0, y: 0, width: size.width, height: Math.min(size.height, Math.ceil(bottom)) } } : {}) });
    return file;
  }

  it('underlines the archived and the quarantined dependency in requirements.txt', async () => {
    const editor = await open('requirements.txt');
    // Monaco draws diagnostics as squiggly decorations over exactly the name's range.
    await editor.locator('.squiggly-error').first().waitFor({ timeout: UI_TIMEOUT_MS });
    await editor.locator('.squiggly-warning').first().waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await editor.locator('.squiggly-error').count(), 1, 'one error: aiocpa');
    assert.equal(await editor.locator('.squiggly-warning').count(), 1, 'one warning: pepy');
    const lines = await editor.locator('.view-lines').boundingBox();
    const lineCount = await editor.locator('.view-line').count();
    await shot('1-squiggles', lines ? lines.y + (lineCount + 2) * (lines.height / Math.max(lineCount, 1)) : undefined);
  });

  it('shows the status and the reason in the hover card of a quarantined dependency', async () => {
    const editor = page.locator('.editor-group-container.active .monaco-editor').first();
    const squiggle = editor.locator('.squiggly-error').first();
    const box = await squiggle.boundingBox();
    assert.ok(box, 'the squiggle is on screen');
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    // The workbench keeps several hover widgets in the DOM (an earlier one may still hold old
    // text): the one that counts is visible and about this dependency.
    const hover = page.locator('.monaco-hover').filter({ visible: true }).filter({ hasText: 'aiocpa' }).first();
    await hover.waitFor({ timeout: UI_TIMEOUT_MS });
    // The diagnostic and the card render asynchronously; wait for the card's status line.
    await hover.getByText('Status:', { exact: false }).first().waitFor({ timeout: UI_TIMEOUT_MS });
    const text = (await hover.innerText()).replace(/\s+/g, ' ');
    assert.match(text, /aiocpa is quarantined/, 'the diagnostic');
    assert.match(text, /Status: quarantined/, 'the card');
    assert.match(text, /Malware found in releases 0\.1\.13 and 0\.1\.14/);
    // Its status bar says "Checking for quick fixes..." until the code actions have answered.
    await hover.getByText('Checking for quick fixes').waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
    const card = await hover.boundingBox();
    const file = await shot('2-hover-quarantined', card ? card.y + card.height + 24 : undefined);
    if (process.env.PYPI_STATUS_UPDATE_SCREENSHOT === '1') copyFileSync(file, path.join(REPO_ROOT, 'docs', 'screenshot.png'));
    await page.mouse.move(5, 5);
    await page.keyboard.press('Escape');
  });

  it('lists every finding of the open files in the Problems panel', async () => {
    await open('requirements/dev.txt');
    await open('pyproject.toml');
    await page.keyboard.press('Control+Shift+M');
    const panel = page.locator('.markers-panel');
    await panel.waitFor({ timeout: UI_TIMEOUT_MS });
    // requirements.txt 2, requirements/dev.txt 2, pyproject.toml 4.
    const expected = 8;
    const badge = page.locator('.panel .composite-bar .badge-content').first();
    await page.waitForFunction((n) => document.querySelector('.panel .composite-bar .badge-content')?.textContent?.trim() === String(n), expected, {
      timeout: UI_TIMEOUT_MS,
    });
    assert.equal((await badge.innerText()).trim(), String(expected));
    // The tree fills in as the files' diagnostics arrive: poll until every finding is listed.
    const findings = [
      'aiocpa is quarantined',
      'pepy is archived',
      'black 21.11b0 is yanked',
      'haunted.project is archived',
      'pil is archived',
      'deprecated-project is deprecated',
    ];
    const rows = panel.locator('.monaco-list-row');
    let text = '';
    for (const deadline = Date.now() + UI_TIMEOUT_MS; Date.now() < deadline; await page.waitForTimeout(250)) {
      text = (await rows.allInnerTexts()).join('\n');
      if (findings.every((f) => text.includes(f))) break;
    }
    for (const finding of findings) assert.ok(text.includes(finding), `Problems panel lacks "${finding}":\n${text}`);
    // The status bar's problem counts: aiocpa twice; pepy twice, black, haunted.project, pil, deprecated-project.
    const counts = await page.locator('[id="status.problems"] a').first().getAttribute('aria-label');
    assert.equal(counts, 'Errors: 2, Warnings: 6');
    await shot('3-problems');
  });

  it('offers the replacement in the quick fix menu (Ctrl+.) of an archived dependency', async () => {
    const editor = await open('requirements/dev.txt');
    await editor.locator('.squiggly-warning').nth(1).waitFor({ timeout: UI_TIMEOUT_MS });
    // The cursor into the name, as a click puts it there; then the keyboard.
    const line = editor.locator('.view-line', { hasText: 'haunted.project' });
    const box = await line.boundingBox();
    assert.ok(box, 'the line is on screen');
    await page.mouse.click(box.x + 12, box.y + box.height / 2);
    await page.mouse.move(5, 5);
    // The light bulb: VS Code shows it on a line with quick fixes (the auto-fix one when a fix is preferred).
    const bulb = page.locator('.lightBulbWidget').filter({ visible: true }).first();
    await bulb.waitFor({ timeout: UI_TIMEOUT_MS });
    await page.keyboard.press('Control+.');
    const menu = page.locator('.action-widget').filter({ visible: true }).first();
    const replace = menu.locator('.monaco-list-row', { hasText: 'Replace haunted.project with newproject' });
    try {
      await replace.waitFor({ timeout: UI_TIMEOUT_MS });
    } catch (e) {
      await shot('failed-quick-fix');
      throw e;
    }
    const items = (await menu.locator('.monaco-list-row.action').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    assert.deepEqual(items, [
      'Replace haunted.project with newproject (named on the index)',
      'Ignore haunted.project on this line',
      'Ignore haunted.project in this workspace (pypiStatus.ignore)',
    ]);
    // The preferred fix is the one the menu has selected.
    assert.match(await menu.locator('.monaco-list-row.focused').first().innerText(), /Replace haunted\.project with newproject/);
    const widget = await menu.boundingBox();
    await shot('4-quick-fix', widget ? widget.y + widget.height + 24 : undefined);
    await page.keyboard.press('Escape');
    await menu.waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
  });

  it('Scan Workspace from the Command Palette: progress, a summary, and unopened files in the Problems panel', async () => {
    // Slow answers from the index for a moment, so that the progress notification can be seen
    // (services/api/pyproject.toml names one project no open file has looked up: requests).
    index.setLatency(1000);
    try {
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ timeout: UI_TIMEOUT_MS });
      await input.fill('>PyPI Status: Scan Workspace');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'PyPI Status: Scan Workspace' }).first().waitFor({ timeout: UI_TIMEOUT_MS });
      await page.keyboard.press('Enter');
      const toasts = page.locator('.notifications-toasts');
      const progress = toasts.locator('.notification-list-item', { hasText: 'PyPI Status: scanning the workspace' });
      await progress.waitFor({ timeout: UI_TIMEOUT_MS });
      await shot('5-scan-progress');
    } finally {
      index.setLatency(0);
    }
    // The summary: counts by status, in the number of files scanned (legacy/ and python-env/ skipped;
    // locked/uv.lock is one, its archived pepy one finding and the six that pulls it in another).
    const summary = page.locator('.notifications-toasts .notification-list-item', { hasText: 'archived' });
    await summary.waitFor({ timeout: UI_TIMEOUT_MS });
    const message = (await summary.locator('.notification-list-item-message').innerText()).trim();
    assert.equal(message, 'PyPI Status: 2 quarantined, 6 archived, 1 deprecated, 2 yanked, 1 transitive in 6 files');
    await shot('6-scan-summary');
    // Its button opens the Problems panel.
    await summary.getByRole('button', { name: 'Open Problems' }).click();
    const panel = page.locator('.markers-panel');
    await panel.waitFor({ timeout: UI_TIMEOUT_MS });
    // 8 in the open files (see above) + 2 in services/api/pyproject.toml and 2 in locked/, which no editor opened.
    await page.waitForFunction(() => document.querySelector('.panel .composite-bar .badge-content')?.textContent?.trim() === '12', undefined, {
      timeout: UI_TIMEOUT_MS,
    });
    assert.equal(await page.locator('[id="status.problems"] a').first().getAttribute('aria-label'), 'Errors: 2, Warnings: 10');
    // The whole list on screen (the list renders only the rows in view), and in the picture: the panel maximized, then restored.
    await page.locator('.panel .action-label[aria-label^="Maximize Panel Size"]').click();
    const rows = panel.locator('.monaco-list-row');
    const expected = ['haunted-project is archived', 'black 21.11b0 is yanked', 'six pulls in pepy (archived)'];
    let text = '';
    for (const deadline = Date.now() + UI_TIMEOUT_MS; Date.now() < deadline; await page.waitForTimeout(250)) {
      text = (await rows.allInnerTexts()).join('\n');
      if (text.includes('services/api') && expected.every((f) => text.includes(f))) break;
    }
    assert.ok(text.includes('services/api'), `the Problems panel lists services/api/pyproject.toml:\n${text}`);
    for (const finding of expected) assert.ok(text.includes(finding), `Problems panel lacks "${finding}":\n${text}`);
    assert.ok(!/legacy|python-env/.test(text), `skipped files are not in the Problems panel:\n${text}`);
    // No editor was opened for it.
    assert.equal(await page.locator('.tabs-container .tab', { hasText: 'pyproject.toml' }).count(), 1, 'only the root pyproject.toml has a tab');
    await page.mouse.move(5, 5);
    await shot('7-problems-after-scan');
    await page.locator('.panel .action-label[aria-label^="Restore Panel Size"]').click();
  });

  /** The rows of the PyPI Status view as "label description", e.g. "Archived 3" or "pepy 2 uses". */
  async function reportRows(): Promise<string[]> {
    const pane = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'PyPI Status' }) });
    return pane
      .locator('.pane-body .monaco-list-row')
      .evaluateAll((rows) =>
        rows.map((row) => [row.querySelector('.label-name')?.textContent ?? '', row.querySelector('.label-description')?.textContent ?? ''].join(' ').trim()),
      );
  }

  it('lists the flagged dependencies by status in the PyPI Status view of the Explorer', async () => {
    await page.keyboard.press('Control+Shift+E');
    // Room for the view: the folder tree above it is collapsed.
    const folders = page.locator('.pane', { has: page.locator('.explorer-folders-view') }).locator('.pane-header');
    await folders.waitFor({ timeout: UI_TIMEOUT_MS });
    if ((await folders.getAttribute('aria-expanded')) === 'true') await folders.click();
    const header = page.locator('.pane-header', { hasText: 'PyPI Status' });
    await header.waitFor({ timeout: UI_TIMEOUT_MS });
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
    await page.mouse.move(5, 5);
    // Statuses in order of severity, each with its number of projects; the projects under them with their uses.
    const statuses = ['Quarantined', 'Archived', 'Deprecated', 'Pinned to a yanked release', 'Pulls in a flagged package'];
    // pepy: requirements.txt, pyproject.toml and locked/uv.lock, where six pulls it in; six is the direct dependency that does.
    const projects = ['aiocpa 2 uses', 'pepy 3 uses, 1 transitive', 'pil 1 use', 'deprecated-project 1 use', 'black 2 uses', 'six 1 use'];
    let rows: string[] = [];
    for (const deadline = Date.now() + UI_TIMEOUT_MS; Date.now() < deadline; await page.waitForTimeout(250)) {
      rows = await reportRows();
      if (statuses.every((s) => rows.some((r) => r.startsWith(s))) && projects.every((p) => rows.includes(p))) break;
    }
    const pane = page.locator('.pane', { has: header });
    const box = await pane.boundingBox();
    await shot('8-report-view', box ? box.y + box.height + 8 : undefined);
    const seen = rows.join(' | ');
    assert.deepEqual(
      rows.filter((r) => statuses.some((s) => r.startsWith(s))).map((r) => r.replace(/ \d+$/, '')),
      statuses,
      seen,
    );
    for (const project of projects) assert.ok(rows.includes(project), `"${project}" in ${seen}`);
    assert.ok(rows.includes('Quarantined 1'), seen);
    assert.ok(rows.includes('Deprecated 1'), seen);
    assert.ok(rows.includes('Pinned to a yanked release 1'), seen);
    assert.ok(rows.includes('Pulls in a flagged package 1'), seen);
    assert.ok(
      rows.some((r) => /^haunted[.-]project \d uses?$/.test(r)),
      seen,
    );
  });

  it('counts haunted.project and haunted-project (one project, PEP 503) once in the PyPI Status view', async () => {
    const rows = await reportRows();
    // pepy, pil and haunted-project.
    assert.ok(rows.includes('Archived 3'), rows.join(' | '));
    const haunted = rows.filter((r) => /^haunted[.-]project /.test(r));
    assert.equal(haunted.length, 1, rows.join(' | '));
    assert.match(haunted[0]!, / 2 uses$/);
  });

  it('flags the direct dependency that pulls in an archived package (uv.lock) as transitive; its hover lists the package with its chain', async () => {
    // The editor at full height: the Problems panel the scan opened would leave little room for the card.
    const hidePanel = page.locator('.panel .action-label[aria-label^="Hide Panel"]');
    if (await hidePanel.isVisible()) await hidePanel.click();
    const editor = await open('locked/pyproject.toml');
    const squiggle = editor.locator('.squiggly-warning').first();
    await squiggle.waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await editor.locator('.squiggly-warning, .squiggly-error').count(), 1, 'one finding: six');
    const box = await settledBox(squiggle);
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const hover = page.locator('.monaco-hover').filter({ visible: true }).filter({ hasText: 'six pulls in' }).first();
    await hover.waitFor({ timeout: UI_TIMEOUT_MS });
    await hover.getByText('Pulls in, per uv.lock', { exact: false }).first().waitFor({ timeout: UI_TIMEOUT_MS });
    const text = (await hover.innerText()).replace(/\s+/g, ' ');
    assert.match(text, /six pulls in pepy \(archived\) via six → pepy \(uv\.lock\)/, 'the diagnostic');
    assert.match(text, /Pulls in, per uv\.lock: pepy 2\.1\.1 \(archived\): six → pepy/, 'the card');
    await hover.getByText('Checking for quick fixes').waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
    // The list of what six pulls in ends the card, below its fold (a hover is at most a quarter of the editor high): scrolled to, as a reader would.
    const card = await hover.boundingBox();
    assert.ok(card, 'the card is on screen');
    await page.mouse.move(card.x + card.width / 2, card.y + card.height / 2);
    for (let i = 0; i < 4; i++) await page.mouse.wheel(0, card.height);
    await page.waitForTimeout(300);
    await shot('9-transitive-hover', card.y + card.height + 24);
    await page.mouse.move(5, 5);
    await page.keyboard.press('Escape');
  });

  it('asks for a token when an index refuses a request, keeps it in the secret storage, and checks the dependency with it', async () => {
    const user = 'token-user';
    const token = 'pst-7f3a9c-Secret_Token';
    const authorization = `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`;
    privateIndex = await startIndexServer({ basicAuth: { username: user, password: token } });
    privateIndex.setProject('private-lib', makeProject({ name: 'private-lib', status: 'archived' }));
    privateIndex.setProject('private-tool', makeProject({ name: 'private-tool', status: 'archived' }));
    const asked = (project: string) => privateIndex!.requests.filter((r) => r.path.startsWith(`/simple/${project}/`));
    // In a trusted workspace (the settings above turn trust off, which trusts every folder) a requirements file's index is used.
    mkdirSync(path.join(workspace, 'private'), { recursive: true });
    writeFileSync(
      path.join(workspace, 'private', 'requirements.txt'),
      `# Only the company index has these.\n--index-url ${privateIndex.simpleUrl}\nprivate-lib\n`,
    );
    let editor = await open('private/requirements.txt');

    const toast = page.locator('.notifications-toasts .notification-list-item', { hasText: 'refused the request' });
    await toast.waitFor({ timeout: UI_TIMEOUT_MS });
    const host = new URL(privateIndex.url).host;
    assert.equal((await toast.locator('.notification-list-item-message').innerText()).trim(), `index \`${host}\` refused the request: enter a token`);
    assert.ok(asked('private-lib').length > 0 && asked('private-lib').every((r) => r.status === 401), 'refused without a token');
    await page.mouse.move(5, 5);
    await shot('10-token-asked');
    await toast.getByRole('button', { name: 'Enter Token…' }).click();
    const input = page.locator('.quick-input-widget input').filter({ visible: true }).first();
    await input.waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal(await input.getAttribute('type'), 'password', 'the token is not shown as it is typed');
    await input.pressSequentially(`${user}:${token}`);
    await page.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
    // Checked with the token: private-lib is archived on that index.
    await editor.locator('.squiggly-warning').first().waitFor({ timeout: UI_TIMEOUT_MS });
    assert.ok(
      asked('private-lib').some((r) => r.status === 200 && r.headers.authorization === authorization),
      'looked up again with the token',
    );

    // Kept in the secret storage: a new window's extension host hands it to its server before the
    // first lookup, so a project no one has looked up yet is checked without asking again.
    await page.reload();
    await page.locator('.monaco-workbench').waitFor({ timeout: UI_TIMEOUT_MS });
    writeFileSync(path.join(workspace, 'private', 'requirements-tools.txt'), `--index-url ${privateIndex.simpleUrl}\nprivate-tool\n`);
    editor = await open('private/requirements-tools.txt');
    await editor.locator('.squiggly-warning').first().waitFor({ timeout: UI_TIMEOUT_MS });
    const tool = asked('private-tool');
    assert.ok(tool.length > 0, 'private-tool was looked up');
    assert.deepEqual(
      tool.map((r) => [r.status, r.headers.authorization === authorization]),
      tool.map(() => [200, true]),
      'every request for private-tool carried the stored token',
    );
    assert.equal(await page.locator('.notifications-toasts .notification-list-item', { hasText: 'refused the request' }).count(), 0, 'no new prompt');
  });

  /** The editor at full height: a panel left open by an earlier test would leave little room for a menu or a card. */
  async function hidePanel(): Promise<void> {
    const hide = page.locator('.panel .action-label[aria-label^="Hide Panel"]');
    if (await hide.isVisible()) await hide.click();
  }

  it('changes a yanked pin to a release that is not yanked from the quick fix menu (Ctrl+.)', async () => {
    await hidePanel();
    const editor = await open('requirements/dev.txt');
    await editor.locator('.squiggly-warning').first().waitFor({ timeout: UI_TIMEOUT_MS });
    const line = editor.locator('.view-line', { hasText: 'black==' });
    const box = await settledBox(line);
    await page.mouse.click(box.x + 12, box.y + box.height / 2);
    await page.mouse.move(5, 5);
    await page.keyboard.press('Control+.');
    const menu = page.locator('.action-widget').filter({ visible: true }).first();
    // The local index has two releases of black: 21.11b0 (yanked) and 19.10b0.
    const change = menu.locator('.monaco-list-row', { hasText: 'Change the pin to 19.10b0' });
    try {
      await change.waitFor({ timeout: UI_TIMEOUT_MS });
    } catch (e) {
      await shot('failed-pin-fix');
      throw e;
    }
    assert.match(
      (await menu.locator('.monaco-list-row.focused').first().innerText()).replace(/\s+/g, ' '),
      /Change the pin to 19\.10b0 \(no later release qualifies; the nearest earlier one\)/,
      'the preferred fix is the one the menu has selected',
    );
    const widget = await menu.boundingBox();
    await shot('11-pin-fix', widget ? widget.y + widget.height + 24 : undefined);
    await page.keyboard.press('Enter');
    await menu.waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
    // Only the version changed; the finding goes with it.
    const fixed = editor.locator('.view-line', { hasText: 'black==19.10b0' });
    await fixed.waitFor({ timeout: UI_TIMEOUT_MS });
    assert.equal((await fixed.innerText()).replace(/\u00a0/g, ' ').trim(), 'black==19.10b0');
    assert.equal(await editor.locator('.view-line', { hasText: '21.11b0' }).count(), 0);
    for (const deadline = Date.now() + UI_TIMEOUT_MS; Date.now() < deadline; await page.waitForTimeout(250)) {
      if ((await editor.locator('.squiggly-warning').count()) === 1) break;
    }
    assert.equal(await editor.locator('.squiggly-warning').count(), 1, 'one warning left: haunted.project');
    const lines = await editor.locator('.view-lines').boundingBox();
    const lineCount = await editor.locator('.view-line').count();
    await shot('11-pin-fix-applied', lines ? lines.y + (lineCount + 2) * (lines.height / Math.max(lineCount, 1)) : undefined);
    // Back as it was (unsaved: the file on disk never changed).
    await page.keyboard.press('Control+Z');
    await editor.locator('.view-line', { hasText: 'black==21.11b0' }).waitFor({ timeout: UI_TIMEOUT_MS });
  });

  it('names the Trusted Publisher in the hover of a pin whose files are attested (PEP 740)', async () => {
    await hidePanel();
    // A document of its own, opened fresh, so that the test stands alone: written now, so no earlier scan counted it.
    cpSync(ATTESTED_FIXTURE, path.join(workspace, 'attested'), { recursive: true });
    const editor = await open('attested/requirements.txt');
    // pepy is archived: its squiggle says the file was checked.
    await editor.locator('.squiggly-warning').first().waitFor({ timeout: UI_TIMEOUT_MS });
    const pinned = editor.locator('.view-line', { hasText: 'cryptography==43.0.3' });
    await pinned.waitFor({ timeout: UI_TIMEOUT_MS });
    // The first hover asks for the provenance and waits for it only briefly: hover again until it names the publisher.
    const name = pinned.getByText('cryptography', { exact: false }).first();
    const visibleHover = () => page.locator('.monaco-hover').filter({ visible: true }).filter({ hasText: '43.0.3' }).first();
    let hover = visibleHover();
    let text = '';
    for (const deadline = Date.now() + UI_TIMEOUT_MS; Date.now() < deadline; hover = visibleHover()) {
      const at = await settledBox(name);
      await page.mouse.move(at.x + 20, at.y + at.height / 2);
      await hover.waitFor({ timeout: UI_TIMEOUT_MS });
      await page.waitForTimeout(500);
      text = (await hover.innerText()).replace(/\s+/g, ' ');
      if (/Published from/.test(text)) break;
      await page.mouse.move(5, 5);
      await page.keyboard.press('Escape');
      await hover.waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS }).catch(() => undefined);
    }
    assert.match(text, /27 of 27 files attested/, text);
    assert.match(text, /Published from GitHub: pyca\/cryptography/, text);
    await hover
      .getByText('Checking for quick fixes')
      .waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS })
      .catch(() => undefined);
    const card = await hover.boundingBox();
    const file = await shot('12-provenance-hover', card ? card.y + card.height + 24 : undefined);
    if (process.env.PYPI_STATUS_UPDATE_SCREENSHOT === '1') copyFileSync(file, path.join(REPO_ROOT, 'docs', 'provenance-hover.png'));
    await page.mouse.move(5, 5);
    await page.keyboard.press('Escape');
  });
});
