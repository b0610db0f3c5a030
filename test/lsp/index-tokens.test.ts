/**
 * Tokens for an index that answers 401: the server tells a client that asks for tokens once per
 * index, a token handed over makes the same dependency found, a wrong one is told again, tokens
 * given at start-up are there before the first lookup, and no token ever appears in the log, a
 * diagnostic or a hover. The index is local and requires Basic auth; HOME is a temporary one.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { INDEX_REFUSED_NOTIFICATION, INDEX_TOKEN_NOTIFICATION, type IndexRefusedParams, type IndexTokenParams } from '../../server/src/protocol.js';
import { newTokenKey, sealToken, TOKEN_KEY_ENV } from '../../server/src/tokenSeal.js';
import { makeProject } from '../support/index-catalog.js';
import { startIndexServer, type IndexServer } from '../support/index-server.js';
import { fileUri, LspClient } from '../support/lsp-client.js';

const USER = 'token-user';
const TOKEN = 'pst-7f3a9c-Secret_Token';
const WRONG = 'pst-wrong-Secret_Token';
/** The key the client passes in the server's environment, as the VS Code client does; tokens go sealed with it. */
const KEY = newTokenKey();
const seal = (origin: string, username: string, password: string) => sealToken({ username, password }, origin, Buffer.from(KEY, 'base64'));

describe('index tokens in the language server', () => {
  let priv: IndexServer;
  let dir: string;
  let home: string;

  before(async () => {
    priv = await startIndexServer({ basicAuth: { username: USER, password: TOKEN } });
    priv.setProject('private-lib', makeProject({ name: 'private-lib', status: 'archived' }));
    dir = mkdtempSync(path.join(tmpdir(), 'pypi-status-lsp-tokens-'));
    home = path.join(dir, 'home');
    mkdirSync(path.join(home, '.config', 'pip'), { recursive: true });
    writeFileSync(path.join(home, '.config', 'pip', 'pip.conf'), `[global]\nindex-url = ${priv.simpleUrl}\n`);
  });
  after(async () => {
    await priv.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(init: Record<string, unknown>): Promise<{ client: LspClient; refusals: IndexRefusedParams[] }> {
    const cache = mkdtempSync(path.join(dir, 'cache-'));
    const env: Record<string, string | undefined> = {
      HOME: home,
      XDG_CONFIG_HOME: path.join(home, '.config'),
      XDG_CONFIG_DIRS: path.join(dir, 'etc-xdg'),
      [TOKEN_KEY_ENV]: KEY,
    };
    for (const name of Object.keys(process.env)) if (/^(PIP_|UV_|PDM_|POETRY_|PYPI_STATUS_INDEX)|^(NETRC|VIRTUAL_ENV)$/.test(name)) env[name] = undefined;
    const client = await LspClient.start({ settings: { cache: { directory: cache } }, initializationOptions: { trusted: true, ...init }, env });
    const refusals: IndexRefusedParams[] = [];
    client.connection.onNotification(INDEX_REFUSED_NOTIFICATION, (p: IndexRefusedParams) => void refusals.push(p));
    return { client, refusals };
  }

  const sendToken = (client: LspClient, params: IndexTokenParams | Record<string, unknown>) =>
    client.connection.sendNotification(INDEX_TOKEN_NOTIFICATION, params);

  /** Everything the server said that a user could see: its log, every diagnostic, the hovers. */
  async function shown(client: LspClient, uris: string[]): Promise<string> {
    const hovers = await Promise.all(uris.map((uri) => client.hover(uri, { line: 0, character: 2 })));
    return [client.logs.join('\n'), JSON.stringify(uris.map((uri) => client.diagnostics.get(uri))), JSON.stringify(hovers)].join('\n');
  }

  function assertNoToken(text: string): void {
    for (const secret of [TOKEN, WRONG, Buffer.from(`${USER}:${TOKEN}`).toString('base64'), Buffer.from(`${USER}:${WRONG}`).toString('base64')]) {
      assert.ok(!text.includes(secret), 'a token appears in the log, a diagnostic or a hover');
    }
  }

  it('tells of a 401 once, and after a token the same dependency is checked and found; a wrong token is told again', async () => {
    const { client, refusals } = await start({ indexTokenPrompt: true });
    const origin = new URL(priv.url).origin;
    try {
      const first = fileUri(path.join(dir, 'a', 'requirements.txt'));
      const second = fileUri(path.join(dir, 'b', 'requirements.txt'));
      await client.open(first, 'private-lib\n');
      await client.open(second, 'private-lib\nsix\n');
      await until(() => refusals.length > 0, 'the refusal notification');
      await Promise.all([first, second].map((uri) => client.waitForDiagnostics(uri, () => true)));
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(refusals, [{ label: new URL(priv.url).host, origin }], 'told once, for both documents');

      // Bad messages are refused with a warning and change nothing: a token not sealed with the key, or altered, or sealed for another origin, too.
      await sendToken(client, { origin: 'file:///etc', token: seal('file:///etc', USER, TOKEN) });
      await sendToken(client, { origin, token: seal(origin, `${USER}:x`, TOKEN) });
      await sendToken(client, { origin, token: { username: USER, password: TOKEN } });
      const sealed = Buffer.from(seal(origin, USER, TOKEN).sealed, 'base64');
      sealed[sealed.length - 1]! ^= 1;
      await sendToken(client, { origin, token: { sealed: sealed.toString('base64') } });
      await sendToken(client, { origin, token: seal('https://elsewhere.example', USER, TOKEN) });
      await sendToken(client, { origin, token: seal(origin, USER, WRONG) });
      await until(() => refusals.length > 1, 'the refusal of the wrong token');
      assert.match(client.logs.join('\n'), /not an http\(s\) origin/);
      assert.match(client.logs.join('\n'), /is not a user name/);
      assert.equal(client.logs.join('\n').match(/is not sealed with this server's key \(or was altered\); it is not used/g)?.length, 3);

      await sendToken(client, { origin, token: seal(origin, USER, TOKEN) });
      await client.waitForDiagnostics(first, (d) => d.map((x) => x.code).join() === 'archived', { timeoutMs: 10_000 });
      await client.waitForDiagnostics(second, (d) => d.map((x) => x.code).join() === 'archived', { timeoutMs: 10_000 });
      assert.equal(refusals.length, 2);
      const authorized = priv.requests.filter((r) => r.headers.authorization === `Basic ${Buffer.from(`${USER}:${TOKEN}`).toString('base64')}`);
      assert.ok(authorized.length > 0, 'the index received the token');
      assertNoToken(await shown(client, [first, second]));
    } finally {
      await client.stop();
    }
  });

  it('uses the tokens given at start-up from the first lookup, and tells nothing to a client that does not ask', async () => {
    const origin = new URL(priv.url).origin;
    const { client, refusals } = await start({ indexTokenPrompt: true, indexTokens: [{ origin: `${origin}/`, token: seal(`${origin}/`, USER, TOKEN) }] });
    try {
      const uri = fileUri(path.join(dir, 'c', 'requirements.txt'));
      await client.open(uri, 'private-lib\n');
      await client.waitForDiagnostics(uri, (d) => d.map((x) => x.code).join() === 'archived', { timeoutMs: 10_000 });
      assert.deepEqual(refusals, []);
      // Forgotten, the token is no longer sent: the index refuses the next lookup (what it answered is cached), and this client is told.
      await sendToken(client, { origin, token: null });
      await until(() => client.logs.join('\n').includes(`the token for ${origin} was forgotten`), 'the log line');
      await client.change(uri, 2, 'private-lib\nsix\n');
      await until(() => refusals.length === 1, 'the refusal after the token was forgotten');
      assertNoToken(await shown(client, [uri]));
    } finally {
      await client.stop();
    }
    const silent = await start({});
    try {
      const uri = fileUri(path.join(dir, 'd', 'requirements.txt'));
      await silent.client.open(uri, 'private-lib\n');
      await until(() => silent.client.logs.join('\n').includes('refused the request'), 'the refusal in the log');
      assert.deepEqual(silent.refusals, []);
    } finally {
      await silent.client.stop();
    }
  });

  it('never shows a token in the raw protocol stream, which a verbose trace logs as it is', async () => {
    const origin = new URL(priv.url).origin;
    const { client } = await start({ indexTokenPrompt: true, indexTokens: [{ origin, token: seal(origin, USER, TOKEN) }] });
    try {
      const uri = fileUri(path.join(dir, 'e', 'requirements.txt'));
      await client.open(uri, 'private-lib\n');
      await client.waitForDiagnostics(uri, (d) => d.map((x) => x.code).join() === 'archived', { timeoutMs: 10_000 });
      await sendToken(client, { origin, token: seal(origin, USER, WRONG) });
      await until(() => client.logs.join('\n').includes(`a token for ${origin} was given`), 'the log line of the second token');
      const wire = client.wire.join('');
      assert.match(wire, /"sealed":"[A-Za-z0-9+/=]+"/, 'the stream was captured, with the sealed tokens in it');
      assert.ok(!wire.includes(KEY), 'the key is not in the stream');
      assertNoToken(wire);
      assertNoToken(client.logs.join('\n'));
    } finally {
      await client.stop();
    }
  });
});

async function until(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`${what} did not come within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
