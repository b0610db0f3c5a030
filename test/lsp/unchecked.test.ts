/** Dependencies the index could not answer for are no diagnostics: they go to the client in their own notification. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MessageType, ShowMessageNotification, type ShowMessageParams } from 'vscode-languageserver-protocol';
import { UNCHECKED_NOTIFICATION, type UncheckedParams } from '../../server/src/protocol.js';
import { makeProject } from '../support/index-catalog.js';
import { startIndexServer, type IndexServer } from '../support/index-server.js';
import { fileUri, LspClient } from '../support/lsp-client.js';

describe('unchecked dependencies over stdio', () => {
  let index: IndexServer;
  let client: LspClient;
  let dir: string;
  const received: UncheckedParams[] = [];
  const shown: ShowMessageParams[] = [];

  before(async () => {
    index = await startIndexServer();
    index.setProject('steady', makeProject({ name: 'steady', versions: ['1.0.0'] }));
    dir = mkdtempSync(path.join(tmpdir(), 'pypi-status-unchecked-'));
    client = await LspClient.start({
      settings: { indexUrl: index.simpleUrl, jsonApiUrl: index.jsonApiUrl, cache: { directory: path.join(dir, 'cache') } },
      initializationOptions: { notifications: [UNCHECKED_NOTIFICATION] },
    });
    client.connection.onNotification(UNCHECKED_NOTIFICATION, (p: UncheckedParams) => {
      received.push(p);
    });
    client.connection.onNotification(ShowMessageNotification.type, (p) => void shown.push(p));
  });
  after(async () => {
    await client.stop();
    await index.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function listFor(uri: string, predicate: (p: UncheckedParams) => boolean): Promise<UncheckedParams> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const found = received.find((p) => p.uri === uri && predicate(p));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching notification for ${uri}: ${JSON.stringify(received)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('names the dependencies the index failed for, with their ranges and reasons, and none of them is a diagnostic', async () => {
    index.setFault('/simple/broken-one/', { kind: 'status', status: 503 });
    index.setFault('/simple/broken-two/', { kind: 'status', status: 503 });
    const uri = fileUri(path.join(dir, 'requirements.txt'));
    await client.open(uri, 'steady==1.0.0\nbroken-one\n\nbroken_two>=1\n');
    const sent = await listFor(uri, (p) => p.unchecked.length === 2);
    assert.deepEqual(
      sent.unchecked.map((u) => [u.name, u.range.start.line, u.range.start.character, u.range.end.character]),
      [
        ['broken-one', 1, 0, 10],
        ['broken_two', 3, 0, 10],
      ],
    );
    for (const u of sent.unchecked) assert.match(u.reason, /503/);
    assert.equal(sent.version, 1);
    const diagnostics = await client.waitForDiagnostics(uri);
    assert.deepEqual(diagnostics, []);
    await index.settled(200);
    assert.deepEqual(shown, [], 'a client that takes the notification gets no message besides');
  });

  it('says so with an empty list once everything could be checked', async () => {
    const uri = fileUri(path.join(dir, 'clean', 'requirements.txt'));
    await client.open(uri, 'steady==1.0.0\n');
    const sent = await listFor(uri, () => true);
    assert.deepEqual(sent.unchecked, []);
  });

  it('sends nothing to a client that did not ask for it', async () => {
    const other = await LspClient.start({
      settings: { indexUrl: index.simpleUrl, jsonApiUrl: index.jsonApiUrl, cache: { directory: path.join(dir, 'cache-other') } },
    });
    const heard: unknown[] = [];
    other.connection.onNotification(UNCHECKED_NOTIFICATION, (p: unknown) => void heard.push(p));
    try {
      index.setFault('/simple/broken-three/', { kind: 'status', status: 503 });
      const uri = fileUri(path.join(dir, 'other', 'requirements.txt'));
      await other.open(uri, 'broken-three\n');
      await other.waitForDiagnostics(uri);
      await index.settled(200);
      assert.deepEqual(heard, []);
    } finally {
      await other.stop();
    }
  });

  it('tells a client without the notification by a warning message, once across edits and re-checks, and by no diagnostic', async () => {
    const other = await LspClient.start({
      settings: { indexUrl: index.simpleUrl, jsonApiUrl: index.jsonApiUrl, cache: { directory: path.join(dir, 'cache-message') } },
    });
    const messages: ShowMessageParams[] = [];
    other.connection.onNotification(ShowMessageNotification.type, (p) => void messages.push(p));
    try {
      index.setFault('/simple/broken-four/', { kind: 'status', status: 503 });
      index.setFault('/simple/broken-five/', { kind: 'status', status: 503 });
      const uri = fileUri(path.join(dir, 'message', 'requirements.txt'));
      await other.open(uri, 'steady==1.0.0\nbroken-four\nbroken-five\n');
      const deadline = Date.now() + 10_000;
      while (messages.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(messages.length, 1, other.logs.join('\n'));
      assert.equal(messages[0]!.type, MessageType.Warning);
      assert.equal(messages[0]!.message, `pypi-status: 2 dependencies of requirements.txt not checked: HTTP 503 (index ${index.simpleUrl}).`);
      for (let version = 2; version <= 4; version++) {
        await other.change(uri, version, `steady==1.0.0\nbroken-four\nbroken-five\n${'# edit\n'.repeat(version)}`);
        await other.waitForDiagnostics(uri, (d) => d.length === 0);
        await new Promise((r) => setTimeout(r, 250));
      }
      await index.settled(300);
      assert.equal(messages.length, 1, JSON.stringify(messages));
      assert.deepEqual(await other.waitForDiagnostics(uri), []);
    } finally {
      index.clearFaults();
      await other.stop();
    }
  });

  it('names the file by its path in the workspace folder, since a workspace may hold several of that name', async () => {
    const folder = path.join(dir, 'mono');
    const other = await LspClient.start({
      settings: { indexUrl: index.simpleUrl, jsonApiUrl: index.jsonApiUrl, cache: { directory: path.join(dir, 'cache-mono') } },
      workspaceFolders: [folder],
    });
    const messages: ShowMessageParams[] = [];
    other.connection.onNotification(ShowMessageNotification.type, (p) => void messages.push(p));
    try {
      index.setFault('/simple/broken-eight/', { kind: 'status', status: 503 });
      const uri = fileUri(path.join(folder, 'services', 'api', 'requirements.txt'));
      await other.open(uri, 'broken-eight\n');
      const deadline = Date.now() + 10_000;
      while (messages.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.match(messages[0]?.message ?? '', /^pypi-status: 1 dependency of services\/api\/requirements\.txt not checked: HTTP 503/);
    } finally {
      index.clearFaults();
      await other.stop();
    }
  });

  it('tells of a failure again once the script that had it loses its block, as if it had closed', async () => {
    const other = await LspClient.start({
      settings: { indexUrl: index.simpleUrl, jsonApiUrl: index.jsonApiUrl, cache: { directory: path.join(dir, 'cache-script') } },
    });
    const messages: ShowMessageParams[] = [];
    other.connection.onNotification(ShowMessageNotification.type, (p) => void messages.push(p));
    const told = async (count: number) => {
      const deadline = Date.now() + 10_000;
      while (messages.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(messages.length, count, JSON.stringify(messages));
    };
    try {
      index.setFault('/simple/broken-six/', { kind: 'status', status: 503 });
      index.setFault('/simple/broken-seven/', { kind: 'status', status: 503 });
      const script = fileUri(path.join(dir, 'script', 'tool.py'));
      await other.open(script, '# /// script\n# dependencies = ["broken-six"]\n# ///\nimport os\n', 'python');
      await told(1);
      await other.change(script, 2, 'import os\n');
      await other.waitForDiagnostics(script, (d) => d.length === 0);
      await new Promise((r) => setTimeout(r, 300));
      const uri = fileUri(path.join(dir, 'script', 'requirements.txt'));
      await other.open(uri, 'broken-seven\n');
      await told(2);
      assert.match(messages[1]!.message, /^pypi-status: 1 dependency of requirements\.txt not checked: /);
    } finally {
      index.clearFaults();
      await other.stop();
    }
  });
});
