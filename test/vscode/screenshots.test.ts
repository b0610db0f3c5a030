/**
 * What a person sees: the packaged VSIX installed into code-server (`--install-extension`,
 * as a user installs a downloaded VSIX), the fixture workspace opened in the web workbench in
 * headless Chromium, and the squiggles, the hover card and the Problems panel checked in the
 * DOM and saved as screenshots under test-artifacts/vscode/.
 *
 *   npm run package && node --import tsx --test test/vscode/screenshots.test.ts
 *
 * PYPI_STATUS_UPDATE_SCREENSHOT=1 also copies the hover screenshot to docs/screenshot.png
 * (the README's picture).
 */
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { startIndexServer, type IndexServer } from '../support/index-server.js';
import { codeServerMissing, installExtension, openWorkbench, startCodeServer, type CodeServer, type Workbench } from './code-server.js';
import { manifest, REPO_ROOT, VSIX } from './vsix.js';

const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts', 'vscode');
const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'vscode-workspace');
/** How long the workbench may take to show something (it loads ~10 MB of JavaScript on a slow CI machine). */
const UI_TIMEOUT_MS = 60_000;

function writeJson(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

describe('the packaged extension in the VS Code web workbench', { timeout: 5 * 60_000 }, () => {
  let scratch: string;
  let index: IndexServer;
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
    const workspace = path.join(scratch, 'workspace');
    const userDataDir = path.join(scratch, 'user-data');
    const extensionsDir = path.join(scratch, 'extensions');
    cpSync(FIXTURE, workspace, { recursive: true });
    writeJson(path.join(workspace, '.vscode', 'settings.json'), {
      'pypiStatus.indexUrl': index.simpleUrl,
      'pypiStatus.jsonApiUrl': index.jsonApiUrl,
    });
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
    });
    // Machine-scoped: in code-server (a remote), it is read from the machine settings.
    writeJson(path.join(userDataDir, 'Machine', 'settings.json'), { 'pypiStatus.cache.directory': path.join(scratch, 'cache') });

    const options = { scratchDir: scratch, userDataDir, extensionsDir };
    await installExtension(VSIX, options);
    const id = `${manifest.publisher}.${manifest.name}-${manifest.version}`;
    assert.ok(readdirSync(extensionsDir).includes(id), `${id} is not in ${extensionsDir}: ${readdirSync(extensionsDir).join(', ')}`);
    server = await startCodeServer(options);
    workbench = await openWorkbench(server, { folder: workspace, profileDir: path.join(scratch, 'chromium'), viewport: { width: 1200, height: 900 }, deviceScaleFactor: 2 });
    page = workbench.page;
    await page.locator('.monaco-workbench').waitFor({ timeout: UI_TIMEOUT_MS });
    await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: UI_TIMEOUT_MS });
  });

  after(async () => {
    await workbench?.close().catch(() => undefined);
    await server?.close();
    await index?.close();
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
    // Wait for the file itself among the results (file search runs on the server), then pick it.
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: path.posix.basename(relative) }).first();
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
    await page.waitForFunction(
      (n) => document.querySelector('.panel .composite-bar .badge-content')?.textContent?.trim() === String(n),
      expected,
      { timeout: UI_TIMEOUT_MS },
    );
    assert.equal((await badge.innerText()).trim(), String(expected));
    // The tree fills in as the files' diagnostics arrive: poll until every finding is listed.
    const findings = ['aiocpa is quarantined', 'pepy is archived', 'black 21.11b0 is yanked', 'haunted.project is archived', 'pil is archived', 'deprecated-project is deprecated'];
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
});
