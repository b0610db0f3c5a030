/**
 * The server reads the machine's index configuration (pip.conf, uv.toml, .netrc, variables) from a
 * temporary HOME, and a project's own indexes only in a trusted workspace; the hover says which
 * index answered, and what an untrusted workspace leaves out. Two local indexes, one requiring Basic auth.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeProject } from '../support/index-catalog.js';
import { startIndexServer, type IndexServer } from '../support/index-server.js';
import { fileUri, LspClient } from '../support/lsp-client.js';

const USER = 'lsp-user';
const PASSWORD = 's3cret-pa55';

describe('index configuration in the language server', () => {
  let pub: IndexServer;
  let priv: IndexServer;
  let dir: string;
  let home: string;

  before(async () => {
    pub = await startIndexServer();
    priv = await startIndexServer({ basicAuth: { username: USER, password: PASSWORD } });
    priv.setProject('private-lib', makeProject({ name: 'private-lib', status: 'archived' }));
    dir = mkdtempSync(path.join(tmpdir(), 'pypi-status-lsp-indexconfig-'));
    home = path.join(dir, 'home');
    mkdirSync(path.join(home, '.config', 'pip'), { recursive: true });
    writeFileSync(path.join(home, '.config', 'pip', 'pip.conf'), `[global]\nindex-url = ${pub.simpleUrl}\nextra-index-url = ${priv.simpleUrl}\n`);
  });
  after(async () => {
    await Promise.all([pub.close(), priv.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(trusted: boolean, netrc: string): Promise<LspClient> {
    writeFileSync(path.join(home, '.netrc'), netrc);
    const cache = mkdtempSync(path.join(dir, 'cache-'));
    const env: Record<string, string | undefined> = { HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_CONFIG_DIRS: path.join(dir, 'etc-xdg') };
    for (const name of Object.keys(process.env)) if (/^(PIP_|UV_|PDM_|POETRY_|PYPI_STATUS_INDEX)|^(NETRC|VIRTUAL_ENV)$/.test(name)) env[name] = undefined;
    return LspClient.start({ settings: { cache: { directory: cache } }, initializationOptions: { trusted }, env });
  }

  it('looks a requirements file up where pip would, with .netrc credentials, and the hover names the index', async () => {
    const client = await start(false, `machine 127.0.0.1 login ${USER} password ${PASSWORD}\n`);
    try {
      const uri = fileUri(path.join(dir, 'app', 'requirements.txt'));
      await client.open(uri, 'private-lib\nsix\n');
      const diagnostics = await client.waitForDiagnostics(uri, (d) => d.length >= 1);
      assert.deepEqual(
        diagnostics.map((d) => d.code),
        ['archived'],
      );
      const hover = await client.hover(uri, { line: 0, character: 2 });
      const value = JSON.stringify(hover?.contents);
      assert.match(value, new RegExp(`Looked up on \`${new URL(priv.url).host.replace(/\./g, '\\.')}\``));
      assert.ok(!value.includes(PASSWORD));
    } finally {
      await client.stop();
    }
  });

  it('says once that the index refused the request, and the hover tells where credentials go', async () => {
    const client = await start(true, '');
    priv.resetLog();
    try {
      const uri = fileUri(path.join(dir, 'app2', 'requirements.txt'));
      await client.open(uri, 'private-lib\nsix\n');
      const hover = await waitForHover(client, uri, /refused/);
      assert.match(hover, /refused the request \(HTTP 401\): set credentials in .*netrc/);
      assert.doesNotMatch(hover, /Not found/);
      assert.equal(priv.requests.length, 1);
    } finally {
      await client.stop();
    }
  });

  it('in an untrusted workspace, says that the file names its own index and trusting will use it', async () => {
    const client = await start(false, '');
    try {
      const uri = fileUri(path.join(dir, 'app3', 'requirements.txt'));
      await client.open(uri, `--index-url https://elsewhere.example/simple\nsix\n`);
      const hover = await waitForHover(client, uri, /trusting/i, 1);
      assert.match(hover, /names its own index \(elsewhere\.example\).*Trusting the workspace will use it/);
    } finally {
      await client.stop();
    }
  });

  it("sends a uv workspace member's dependency to the index the workspace root pins it to", async () => {
    const ws = path.join(dir, 'uvws');
    mkdirSync(path.join(ws, 'packages', 'app'), { recursive: true });
    const root = `[project]\nname = "ws"\nversion = "1"\n\n[tool.uv.workspace]\nmembers = ["packages/*"]\n\n[[tool.uv.index]]\nname = "internal"\nurl = "${priv.simpleUrl}"\nexplicit = true\n\n[tool.uv.sources]\nprivate-lib = { index = "internal" }\n`;
    writeFileSync(path.join(ws, 'pyproject.toml'), root);
    const client = await start(true, `machine 127.0.0.1 login ${USER} password ${PASSWORD}\n`);
    try {
      const uri = fileUri(path.join(ws, 'packages', 'app', 'pyproject.toml'));
      await client.open(uri, '[project]\nname = "app"\nversion = "1"\ndependencies = ["private-lib", "six"]\n', 'toml');
      const diagnostics = await client.waitForDiagnostics(uri, (d) => d.length >= 1);
      assert.deepEqual(
        diagnostics.map((d) => d.code),
        ['archived'],
      );
      const hover = await waitForHover(client, uri, /Looked up on/, 3, 20);
      assert.match(hover, /Looked up on `internal`/);
    } finally {
      await client.stop();
    }
  });
  it('offers every pin fix of a uv project in one edit, each judged on the index its installer uses', async () => {
    priv.setProject('private-pin', makeProject({ name: 'private-pin', versions: ['1.0.0', '1.0.1', '1.1.0'], yanked: { '1.0.1': 'broken' } }));
    pub.setProject('public-pin', makeProject({ name: 'public-pin', versions: ['2.0.0', '2.0.1', '2.1.0'], yanked: { '2.0.1': 'broken' } }));
    const project = path.join(dir, 'uvpins');
    mkdirSync(project, { recursive: true });
    const text = `[project]\nname = "pins"\nversion = "1"\ndependencies = ["private-pin==1.0.1", "public-pin==2.0.1"]\n\n[[tool.uv.index]]\nname = "mirror"\nurl = "${pub.simpleUrl}"\ndefault = true\n\n[[tool.uv.index]]\nname = "internal"\nurl = "${priv.simpleUrl}"\nexplicit = true\n\n[tool.uv.sources]\nprivate-pin = { index = "internal" }\n`;
    const client = await start(true, `machine 127.0.0.1 login ${USER} password ${PASSWORD}\n`);
    try {
      const uri = fileUri(path.join(project, 'pyproject.toml'));
      await client.open(uri, text, 'toml');
      const diagnostics = await client.waitForDiagnostics(uri, (d) => d.filter((x) => x.code === 'yanked').length === 2);
      const d = diagnostics.find((x) => x.code === 'yanked' && x.range.start.character < 30)!;
      const actions = await client.codeActions(uri, d.range, [d]);
      const all = actions.find((a) => a.title.startsWith('Apply all pin fixes'));
      assert.equal(all?.title, 'Apply all pin fixes in this file (2 pins)', actions.map((a) => a.title).join('\n'));
      const edits = Object.values(all.edit?.changes ?? {})
        .flat()
        .map((e) => e.newText);
      assert.deepEqual(edits.sort(), ['1.1.0', '2.1.0']);
    } finally {
      await client.stop();
    }
  });
});

/** The hover's text once it matches (the first may come before the index answers). */
async function waitForHover(client: LspClient, uri: string, pattern: RegExp, line = 0, character = 1): Promise<string> {
  let value = '';
  for (let i = 0; i < 50; i++) {
    // Without Markdown's escapes, which the card puts before punctuation.
    value = JSON.stringify((await client.hover(uri, { line, character }))?.contents ?? '').replace(/\\/g, '');
    if (pattern.test(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return value;
}
