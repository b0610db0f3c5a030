/**
 * The VS Code side: starts the language server over IPC and forwards the
 * settings it needs. Everything about packages happens in the server.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, State, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';

import { addToIgnoreList } from './ignoreList';
import { FORGET_TOKENS_COMMAND, IndexTokenStore } from './indexTokens';
import { createStatusBar, ReportProvider } from './findingsView';
import { scanWithProgress } from './scanCommand';
import { UncheckedDependencies } from './unchecked';
import {
  ADD_TO_IGNORE_COMMAND,
  CONFIGURATION_SECTION,
  DEPENDENCY_FILE_GLOBS,
  INDEX_REFUSED_NOTIFICATION,
  SCAN_COMMAND,
  TRUST_NOTIFICATION,
  UNCHECKED_NOTIFICATION,
  type IndexRefusedParams,
  type InitializationOptions,
  type UncheckedParams,
} from '../../server/src/protocol.js';
import { newTokenKey, TOKEN_KEY_ENV } from '../../server/src/tokenSeal.js';

let client: LanguageClient | undefined;

/** Where the server module is: bundled next to the client in a VSIX, or the workspace build in development. */
function serverModule(context: vscode.ExtensionContext): string {
  const bundled = context.asAbsolutePath(path.join('dist', 'server.cjs'));
  const workspace = context.asAbsolutePath(path.join('server', 'out', 'server.js'));
  return existsSync(bundled) ? bundled : workspace;
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const module = serverModule(context);
  // Tokens go to the server sealed with this key, which travels in its environment: a protocol trace shows neither.
  const key = newTokenKey();
  const env = { ...process.env, [TOKEN_KEY_ENV]: key };
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc, options: { env } },
    debug: { module, transport: TransportKind.ipc, options: { env, execArgv: ['--nolazy', '--inspect=6010'] } },
  };
  const output = vscode.window.createOutputChannel('PyPI Status', { log: true });
  const unchecked = new UncheckedDependencies();
  const report = new ReportProvider(unchecked);
  const http = vscode.workspace.getConfiguration('http');
  // Before the start: the stored tokens go in initializationOptions, ahead of any lookup.
  const tokens = new IndexTokenStore(context, Buffer.from(key, 'base64'));
  await tokens.load();
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { language: 'pip-requirements', scheme: 'file' },
      { language: 'pip-requirements', scheme: 'untitled' },
      // pip-tools inputs by any name (dev.in); the server itself passes over MANIFEST.in and the like.
      { pattern: '**/*.in', scheme: 'file' },
      { pattern: '**/pyproject.toml', scheme: 'file' },
      { pattern: '**/pyproject.toml', scheme: 'untitled' },
      // Lock files and the manifests that only lock files give a meaning to.
      { pattern: '**/{uv.lock,*.py.lock,poetry.lock,pdm.lock,pylock.toml,pylock.*.toml,Pipfile,Pipfile.lock}', scheme: 'file' },
      // PEP 723 scripts: the server reads a Python file's `# /// script` block and passes over any file without one.
      { language: 'python', scheme: 'file' },
      { language: 'python', scheme: 'untitled' },
    ],
    synchronize: {
      fileEvents: DEPENDENCY_FILE_GLOBS.map(({ glob, deletionsOnly }) =>
        deletionsOnly ? vscode.workspace.createFileSystemWatcher(glob, true, true, false) : vscode.workspace.createFileSystemWatcher(glob),
      ),
    },
    // A function: a restarted server (Restart Server, or after a crash) hears the trust of now.
    initializationOptions: (): InitializationOptions => ({
      httpProxy: http.get<string>('proxy') || undefined,
      httpProxyStrictSSL: http.get<boolean>('proxyStrictSSL'),
      // Commands this client implements: the server may offer actions that use them, and does not
      // announce the ones the client runs itself (the scan, with its progress notification).
      clientCommands: [ADD_TO_IGNORE_COMMAND, SCAN_COMMAND],
      notifications: [UNCHECKED_NOTIFICATION],
      // Index options inside requirements files are used only in a trusted workspace.
      trusted: vscode.workspace.isTrusted,
      // An index that answers 401 is told to this client, which asks the user for a token.
      indexTokenPrompt: true,
      indexTokens: tokens.current(),
      watchesFiles: true,
    }),
    outputChannel: output,
  };
  client = new LanguageClient('pypiStatus', 'PyPI Status', serverOptions, clientOptions);
  const started = client;
  started.onNotification(INDEX_REFUSED_NOTIFICATION, (refusal: IndexRefusedParams) => void tokens.refused(started, refusal));
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand('pypiStatus.showOutput', () => output.show(true)),
    vscode.commands.registerCommand('pypiStatus.restartServer', async () => client?.restart()),
    vscode.commands.registerCommand(FORGET_TOKENS_COMMAND, async () => tokens.forget(client)),
    // The client's own command, so that it exists (and says what to do) while the server is not running.
    vscode.commands.registerCommand(SCAN_COMMAND, async () => {
      if (client?.isRunning()) return scanWithProgress(client, []);
      const choice = await vscode.window.showErrorMessage('PyPI Status: the language server is not running.', 'Restart Server', 'Show Output');
      if (choice === 'Restart Server') await client?.restart();
      if (choice === 'Show Output') output.show(true);
      return undefined;
    }),
    // Before the start: trust granted while the server starts must reach it.
    vscode.workspace.onDidGrantWorkspaceTrust(() => void client?.sendNotification(TRUST_NOTIFICATION).catch(() => undefined)),
    vscode.window.registerTreeDataProvider('pypiStatus.report', report),
    report,
    unchecked,
    createStatusBar(SCAN_COMMAND, unchecked),
    vscode.commands.registerCommand(ADD_TO_IGNORE_COMMAND, async (name: unknown) => {
      if (typeof name !== 'string' || name === '') return;
      const config = vscode.workspace.getConfiguration(CONFIGURATION_SECTION);
      const update = addToIgnoreList(config.inspect<unknown>('ignore'), vscode.workspace.workspaceFolders !== undefined, name);
      if (!update) return;
      await config.update('ignore', update.value, update.scope === 'workspace' ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global);
    }),
  );
  // Registered before the start, so that the first publications' lists are not lost.
  context.subscriptions.push(
    client.onNotification(UNCHECKED_NOTIFICATION, (params: UncheckedParams) => unchecked.update(params)),
    // A server that stopped no longer vouches for what it said could not be checked.
    client.onDidChangeState((e) => e.newState === State.Stopped && unchecked.clear()),
  );
  // pypiStatus.clearCache is a server command: the language client registers it.
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
