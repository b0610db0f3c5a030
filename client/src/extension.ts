/**
 * The VS Code side: starts the language server over IPC and forwards the
 * settings it needs. Everything about packages happens in the server.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  LanguageClient,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';

import { addToIgnoreList } from './ignoreList';
import { createStatusBar, ReportProvider } from './report';
import { SCAN_COMMAND, scanWithProgress } from './scan';

let client: LanguageClient | undefined;

/** Where the server module is: bundled next to the client in a VSIX, or the workspace build in development. */
function serverModule(context: vscode.ExtensionContext): string {
  const bundled = context.asAbsolutePath(path.join('dist', 'server.cjs'));
  const workspace = context.asAbsolutePath(path.join('server', 'out', 'server.js'));
  return existsSync(bundled) ? bundled : workspace;
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const module = serverModule(context);
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6010'] } },
  };
  const output = vscode.window.createOutputChannel('PyPI Status', { log: true });
  const report = new ReportProvider();
  const http = vscode.workspace.getConfiguration('http');
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { language: 'pip-requirements', scheme: 'file' },
      { language: 'pip-requirements', scheme: 'untitled' },
      { pattern: '**/pyproject.toml', scheme: 'file' },
      { pattern: '**/pyproject.toml', scheme: 'untitled' },
    ],
    synchronize: {
      fileEvents: [
        vscode.workspace.createFileSystemWatcher('**/{requirements*.txt,requirements/*.txt,constraints*.txt,*.in}'),
        vscode.workspace.createFileSystemWatcher('**/pyproject.toml'),
      ],
    },
    initializationOptions: {
      httpProxy: http.get<string>('proxy') || undefined,
      httpProxyStrictSSL: http.get<boolean>('proxyStrictSSL'),
      // Commands this client implements, so the server may offer actions that use them.
      clientCommands: ['pypiStatus.addToIgnore'],
      // Index options inside requirements files are used only in a trusted workspace.
      trusted: vscode.workspace.isTrusted,
    },
    outputChannel: output,
    middleware: {
      // The scan runs with a progress notification and a cancel button, then shows a summary.
      executeCommand: (command, args, next) => (command === SCAN_COMMAND && client ? scanWithProgress(client, args) : next(command, args)),
    },
  };
  client = new LanguageClient('pypiStatus', 'PyPI Status', serverOptions, clientOptions);
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand('pypiStatus.showOutput', () => output.show(true)),
    vscode.commands.registerCommand('pypiStatus.restartServer', async () => client?.restart()),
    vscode.window.registerTreeDataProvider('pypiStatus.report', report),
    report,
    createStatusBar(SCAN_COMMAND),
    vscode.commands.registerCommand('pypiStatus.addToIgnore', async (name: unknown) => {
      if (typeof name !== 'string' || name === '') return;
      const config = vscode.workspace.getConfiguration('pypiStatus');
      const update = addToIgnoreList(config.inspect<unknown>('ignore'), vscode.workspace.workspaceFolders !== undefined, name);
      if (!update) return;
      await config.update('ignore', update.value, update.scope === 'workspace' ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global);
    }),
  );
  // pypiStatus.clearCache is a server command: the language client registers it.
  await client.start();
  context.subscriptions.push(
    vscode.workspace.onDidGrantWorkspaceTrust(() => void client?.sendNotification('pypiStatus/didGrantWorkspaceTrust')),
  );
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
