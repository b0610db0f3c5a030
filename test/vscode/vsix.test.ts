/**
 * The VSIX as `npm run package` leaves it: exactly the files VS Code needs, under 2 MB, a
 * manifest whose entry points are inside it, and a bundled language server that runs on
 * plain Node from the extracted package and answers over LSP against the local index.
 *
 *   npm run package && node --import tsx --test test/vscode/vsix.test.ts
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import type { PublishDiagnosticsParams } from 'vscode-languageserver-protocol';
import { startIndexServer, type IndexServer } from '../support/index-server.js';
import { manifest, readZip, REPO_ROOT, VSIX, type Manifest, type ZipEntry } from './vsix.js';

const MAX_BYTES = 2 * 1024 * 1024;

/** The files the VSIX must hold, and nothing else (paths inside the zip). */
function expectedEntries(): string[] {
  const data = readdirSync(path.join(REPO_ROOT, 'server', 'data'))
    .filter((f) => f.endsWith('.json') && !f.endsWith('.schema.json'))
    .map((f) => `extension/dist/data/${f}`);
  return [
    '[Content_Types].xml',
    'extension.vsixmanifest',
    'extension/package.json',
    'extension/readme.md',
    'extension/changelog.md',
    'extension/LICENSE.txt',
    'extension/images/icon.png',
    'extension/dist/extension.cjs',
    'extension/dist/server.cjs',
    'extension/dist/server.bundle.cjs',
    ...data,
    'extension/syntaxes/language-configuration.json',
    'extension/syntaxes/pip-requirements.tmLanguage.json',
  ].sort();
}

describe('the packaged VSIX', () => {
  let entries: ZipEntry[];
  before(() => {
    assert.ok(existsSync(VSIX), `${VSIX} does not exist: run npm run package first (npm run test:vscode does)`);
    entries = readZip(VSIX);
  });

  it('holds exactly the manifest, README, LICENSE, the bundles, the data and the grammar', () => {
    assert.deepEqual(entries.map((e) => e.name).sort(), expectedEntries());
  });

  it(`is at most ${MAX_BYTES / 1024 / 1024} MB`, () => {
    const bytes = statSync(VSIX).size;
    assert.ok(bytes <= MAX_BYTES, `${VSIX} is ${bytes} bytes`);
  });

  it('has a manifest whose entry points and contributions are in the package', () => {
    const packaged = JSON.parse(
      entries
        .find((e) => e.name === 'extension/package.json')!
        .data()
        .toString('utf8'),
    ) as Manifest;
    const names = new Set(entries.map((e) => e.name));
    const inside = (p: string) => `extension/${path.posix.normalize(p)}`;
    assert.equal(packaged.main, './dist/extension.cjs');
    assert.ok(names.has(inside(packaged.main)), `main ${packaged.main} is not in the VSIX`);
    for (const grammar of packaged.contributes.grammars) assert.ok(names.has(inside(grammar.path)), grammar.path);
    for (const language of packaged.contributes.languages) {
      if (language.configuration) assert.ok(names.has(inside(language.configuration)), language.configuration);
    }
    // code-server 4.100 is VS Code 1.100: the extension must accept it.
    const minimum = /^\^?(\d+)\.(\d+)\./.exec(packaged.engines.vscode);
    assert.ok(minimum && (Number(minimum[1]) < 1 || (Number(minimum[1]) === 1 && Number(minimum[2]) <= 100)), `engines.vscode ${packaged.engines.vscode}`);
    const vsixManifest = entries
      .find((e) => e.name === 'extension.vsixmanifest')!
      .data()
      .toString('utf8');
    assert.match(vsixManifest, new RegExp(`<Identity Language="en-US" Id="${manifest.name}" Version="${manifest.version}" Publisher="${manifest.publisher}"`));
    assert.match(vsixManifest, /<License>extension\/LICENSE\.txt<\/License>/);
    // What the Marketplace and Open VSX show: the icon, the changelog tab, the banner, the links.
    assert.match(vsixManifest, /<Icon>extension\/images\/icon\.png<\/Icon>/);
    assert.match(vsixManifest, /Type="Microsoft\.VisualStudio\.Services\.Content\.Changelog" Path="extension\/changelog\.md"/);
    assert.match(vsixManifest, /Type="Microsoft\.VisualStudio\.Services\.Icons\.Default" Path="extension\/images\/icon\.png"/);
    assert.match(vsixManifest, /<Property Id="Microsoft\.VisualStudio\.Services\.Branding\.Color" Value="#1e3a5f" \/>/);
    assert.match(
      vsixManifest,
      /<Property Id="Microsoft\.VisualStudio\.Services\.Links\.Support" Value="https:\/\/github\.com\/pypi-status\/pypi-status\/issues" \/>/,
    );
    assert.match(vsixManifest, /<Property Id="Microsoft\.VisualStudio\.Code\.ExtensionKind" Value="workspace" \/>/);
    const icon = entries.find((e) => e.name === 'extension/images/icon.png')!.data();
    assert.equal(icon.subarray(1, 4).toString('latin1'), 'PNG');
    // IHDR: width and height, big-endian, at bytes 16 and 20. The Marketplace wants at least 128 × 128.
    assert.ok(icon.readUInt32BE(16) >= 128 && icon.readUInt32BE(16) === icon.readUInt32BE(20), `icon is ${icon.readUInt32BE(16)} × ${icon.readUInt32BE(20)}`);
    assert.match(
      entries
        .find((e) => e.name === 'extension/changelog.md')!
        .data()
        .toString('utf8'),
      new RegExp(`^## (Unreleased|${manifest.version.replace(/\./g, '\\.')})`, 'm'),
    );
  });

  it('has no source maps, TypeScript sources or node_modules', () => {
    for (const e of entries) assert.doesNotMatch(e.name, /\.map$|\.ts$|node_modules|\/src\//, e.name);
  });

  describe('its language server, extracted and run with plain Node', () => {
    let dir: string;
    let index: IndexServer;
    before(async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'pypi-status-vsix-'));
      for (const e of entries) {
        if (!e.name.startsWith('extension/')) continue;
        const target = path.join(dir, e.name);
        mkdirSync(path.dirname(target), { recursive: true });
        writeFileSync(target, e.data());
      }
      index = await startIndexServer();
    });
    after(async () => {
      await index.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('prints its version', async () => {
      const { code, stdout } = await runNode([path.join(dir, 'extension', 'dist', 'server.cjs'), '--version']);
      assert.equal(code, 0);
      assert.equal(stdout.trim(), manifest.version);
    });

    it('publishes diagnostics over stdio', async () => {
      const server = spawn(process.execPath, [path.join(dir, 'extension', 'dist', 'server.cjs'), '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stderr = '';
      server.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const connection = createMessageConnection(new StreamMessageReader(server.stdout), new StreamMessageWriter(server.stdin));
      const published = new Promise<PublishDiagnosticsParams>((resolve) =>
        connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
          if (p.diagnostics.length >= 2) resolve(p);
        }),
      );
      connection.listen();
      try {
        await connection.sendRequest('initialize', {
          processId: process.pid,
          rootUri: null,
          capabilities: {},
          initializationOptions: { indexUrl: index.simpleUrl, jsonApiUrl: index.jsonApiUrl, cache: { directory: null } },
        });
        await connection.sendNotification('initialized', {});
        const uri = pathToFileURL(path.join(dir, 'requirements.txt')).href;
        await connection.sendNotification('textDocument/didOpen', {
          textDocument: { uri, languageId: 'pip-requirements', version: 1, text: 'six==1.16.0\npepy==2.1.1\naiocpa\n' },
        });
        const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no diagnostics within 15 s\n${stderr}`)), 15_000).unref());
        const params = await Promise.race([published, timeout]);
        assert.equal(params.uri, uri);
        assert.deepEqual(
          params.diagnostics.map((d) => [d.range.start.line, d.code]),
          [
            [1, 'archived'],
            [2, 'quarantined'],
          ],
        );
        await connection.sendRequest('shutdown');
        await connection.sendNotification('exit');
      } finally {
        connection.dispose();
        server.kill();
      }
    });
  });
});

function runNode(args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.on('exit', (code) => resolve({ code, stdout }));
  });
}
