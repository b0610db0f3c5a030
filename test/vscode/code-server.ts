/**
 * code-server (the real VS Code: its server and web workbench, from the npm registry) and
 * a headless Chromium driven by playwright-core: how the VS Code tests run on machines that
 * cannot download desktop VS Code from Microsoft. scripts/install-code-server.sh installs both.
 *
 * Used by code-server-host.mjs (the "VS Code executable" that @vscode/test-electron's
 * runTests spawns) and by screenshots.test.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Keep in step with scripts/install-code-server.sh. code-server 4.100.3 is VS Code 1.100.3 on Node 20. */
export const CODE_SERVER_VERSION = '4.100.3';
export const CODE_SERVER_DIR = path.join(REPO_ROOT, '.vscode-test', `code-server-${CODE_SERVER_VERSION}`);
export const CODE_SERVER_ENTRY = path.join(CODE_SERVER_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const CHROMIUM = process.env.PYPI_STATUS_CHROMIUM ?? '/usr/bin/chromium';

/** Why the code-server run cannot happen on this machine, or undefined when it can. */
export function codeServerMissing(): string | undefined {
  if (!existsSync(CODE_SERVER_ENTRY)) return `code-server is not installed (${CODE_SERVER_ENTRY}); run scripts/install-code-server.sh`;
  if (!existsSync(CHROMIUM)) return `Chromium is not installed (${CHROMIUM}); run scripts/install-code-server.sh`;
  return undefined;
}

export interface CodeServerOptions {
  /** Scratch directory of this run: XDG directories and code-server's config file go here. */
  scratchDir: string;
  userDataDir: string;
  extensionsDir: string;
  env?: Record<string, string | undefined>;
  /** Receives every line code-server prints. */
  onOutput?: (line: string) => void;
}

export interface CodeServer {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** 127.0.0.1:PORT: the remote authority of vscode-remote:// URIs in this workbench. */
  readonly authority: string;
  /** Everything code-server printed, for failure messages. */
  readonly output: string[];
  close(): Promise<void>;
}

/** XDG directories under the scratch directory, so that code-server and the tests write nothing into $HOME. */
function isolatedEnv(scratchDir: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const xdg = {
    XDG_CONFIG_HOME: path.join(scratchDir, 'xdg-config'),
    XDG_DATA_HOME: path.join(scratchDir, 'xdg-data'),
    XDG_CACHE_HOME: path.join(scratchDir, 'xdg-cache'),
    XDG_STATE_HOME: path.join(scratchDir, 'xdg-state'),
  };
  for (const dir of Object.values(xdg)) mkdirSync(dir, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env, ...xdg, ...extra };
  // A VS Code or code-server session around this one must not leak into it.
  for (const key of Object.keys(env)) if (key.startsWith('VSCODE_') || key.startsWith('CODE_SERVER_')) delete env[key];
  delete env.ELECTRON_RUN_AS_NODE;
  return env;
}

function commonArgs(options: Pick<CodeServerOptions, 'scratchDir' | 'userDataDir' | 'extensionsDir'>): string[] {
  return ['--config', path.join(options.scratchDir, 'code-server.yaml'), '--user-data-dir', options.userDataDir, '--extensions-dir', options.extensionsDir];
}

/** `code-server --install-extension <vsix>`: the same path a user takes with a downloaded VSIX. */
export async function installExtension(vsix: string, options: Omit<CodeServerOptions, 'onOutput'>): Promise<string> {
  const proc = spawn(process.execPath, [CODE_SERVER_ENTRY, ...commonArgs(options), '--force', '--install-extension', vsix], {
    env: isolatedEnv(options.scratchDir, options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
  if (code !== 0) throw new Error(`code-server --install-extension ${vsix} exited with ${code}:\n${output}`);
  return output;
}

/**
 * Starts code-server on a free loopback port (127.0.0.1:0; the port is read from its log,
 * so there is no window between choosing a port and binding it).
 */
export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  mkdirSync(options.userDataDir, { recursive: true });
  mkdirSync(options.extensionsDir, { recursive: true });
  const args = [
    CODE_SERVER_ENTRY,
    '--bind-addr',
    '127.0.0.1:0',
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    ...commonArgs(options),
  ];
  // detached: its own process group, so that close() also ends the extension host and the
  // language server it started (code-server's own shutdown leaves them to die with the group).
  const proc = spawn(process.execPath, args, {
    env: isolatedEnv(options.scratchDir, options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const output: string[] = [];
  let exited = false;
  // If this process ends without close() (a crash, a signal, a closed pipe), code-server,
  // being in its own process group, would live on: end the group on the way out.
  const killOnExit = () => killGroup(proc, 'SIGKILL');
  process.on('exit', killOnExit);
  const exit = new Promise<void>((resolve) =>
    proc.on('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`code-server did not start within 60 s:\n${output.join('\n')}`)), 60_000);
    const onLine = (line: string) => {
      output.push(line);
      options.onOutput?.(line);
      const m = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    lines(proc, onLine);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`code-server exited with ${code} before listening:\n${output.join('\n')}`));
    });
  });
  return {
    url,
    authority: new URL(url).host,
    output,
    async close() {
      process.off('exit', killOnExit);
      if (exited) return killGroup(proc, 'SIGKILL');
      killGroup(proc, 'SIGTERM');
      const killed = setTimeout(() => killGroup(proc, 'SIGKILL'), 5000);
      await exit;
      clearTimeout(killed);
      // The extension host and the language server may outlive code-server's main process.
      killGroup(proc, 'SIGKILL');
    },
  };
}

function killGroup(proc: ChildProcess, signal: NodeJS.Signals): void {
  if (proc.pid === undefined) return;
  try {
    process.kill(-proc.pid, signal);
  } catch {
    // the group is gone already
  }
}

function lines(proc: ChildProcess, onLine: (line: string) => void): void {
  for (const stream of [proc.stdout, proc.stderr]) {
    let buffered = '';
    stream?.on('data', (d: Buffer) => {
      buffered += d.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop()!;
      for (const part of parts) onLine(part);
    });
  }
}

/** A vscode-remote:// URI string for a path on the code-server machine, as the web workbench expects it. */
export function remoteUri(server: CodeServer, fsPath: string): string {
  return `vscode-remote://${server.authority}${encodeURI(fsPath)}`;
}

export interface WorkbenchOptions {
  folder: string;
  /**
   * The workbench's URL payload, as VS Code's own browser integration tests use it
   * (test/integration/browser in microsoft/vscode): e.g. extensionDevelopmentPath and
   * extensionTestsPath as vscode-remote URIs.
   */
  payload?: [string, string][];
  /** Scratch directory for the browser profile. */
  profileDir: string;
  viewport?: { width: number; height: number };
  deviceScaleFactor?: number;
  /** Called with what the workbench reports through window.codeAutomationLog: a level and console.log's arguments. */
  onLog?: (level: string, args: unknown[]) => void;
  /** Called once when the workbench reports through window.codeAutomationExit (the extension test run ended). */
  onExit?: (code: number) => void;
}

export interface Workbench {
  readonly context: BrowserContext;
  readonly page: Page;
  close(): Promise<void>;
}

/** Opens the web workbench of `server` on `folder` in headless Chromium. */
export async function openWorkbench(server: CodeServer, options: WorkbenchOptions): Promise<Workbench> {
  const context = await chromium.launchPersistentContext(options.profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    // Chromium's crash handler writes under $XDG_CONFIG_HOME/chromium whatever the profile directory.
    env: isolatedEnv(path.join(options.profileDir, '..', 'chromium-home')),
    viewport: options.viewport ?? { width: 1280, height: 800 },
    deviceScaleFactor: options.deviceScaleFactor ?? 1,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      '--disable-breakpad',
    ],
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    // Only the VS Code tests' protocol: the workbench calls these when they exist.
    await page.exposeFunction('codeAutomationLog', (level: unknown, args: unknown) => {
      options.onLog?.(String(level), Array.isArray(args) ? args : [args]);
    });
    let exited = false;
    await page.exposeFunction('codeAutomationExit', (code: unknown) => {
      if (exited) return;
      exited = true;
      options.onExit?.(typeof code === 'number' ? code : 1);
    });
    const query = new URLSearchParams({ folder: options.folder });
    if (options.payload) query.set('payload', JSON.stringify(options.payload));
    await page.goto(`${server.url}/?${query.toString()}`, { waitUntil: 'domcontentloaded' });
    return {
      context,
      page,
      async close() {
        await context.close();
      },
    };
  } catch (e) {
    await context.close();
    throw e;
  }
}

/** Options of the desktop VS Code command line that the code-server host understands. */
interface HostArgs {
  folder?: string;
  extensionDevelopmentPath?: string;
  extensionTestsPath?: string;
  userDataDir?: string;
  extensionsDir?: string;
}

/** Desktop-only switches @vscode/test-electron always passes; they mean nothing to code-server. */
const DESKTOP_ONLY = new Set([
  '--no-sandbox',
  '--disable-gpu-sandbox',
  '--disable-updates',
  '--skip-welcome',
  '--skip-release-notes',
  '--disable-workspace-trust',
  '--disable-extensions',
]);

export function parseHostArgs(argv: readonly string[]): HostArgs {
  const out: HostArgs = {};
  const keys: Record<string, keyof HostArgs> = {
    '--extensionDevelopmentPath': 'extensionDevelopmentPath',
    '--extensionTestsPath': 'extensionTestsPath',
    '--user-data-dir': 'userDataDir',
    '--extensions-dir': 'extensionsDir',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (DESKTOP_ONLY.has(arg)) continue;
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const key = keys[name];
    if (key) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new Error(`${name} needs a value`);
      out[key] = path.resolve(value);
    } else if (!arg.startsWith('-') && out.folder === undefined) {
      out.folder = path.resolve(arg);
    } else {
      throw new Error(`code-server host: unsupported argument ${arg}`);
    }
  }
  return out;
}

/** The longest a whole extension test run may take in code-server before it is stopped. */
const RUN_TIMEOUT_MS = Number(process.env.PYPI_STATUS_VSCODE_TIMEOUT_MS ?? 5 * 60_000);

/**
 * What code-server-host.mjs does: takes desktop VS Code's command line as @vscode/test-electron
 * builds it, runs the extension tests in code-server's extension host (a Node process, so the
 * language server really runs), and returns the run's exit code. code-server refuses
 * --extensionDevelopmentPath on its command line; the web workbench takes both paths from the
 * URL payload instead, and reports the end of the run through window.codeAutomationExit.
 */
export async function hostExtensionTests(argv: readonly string[]): Promise<number> {
  const missing = codeServerMissing();
  if (missing) {
    console.error(missing);
    return 1;
  }
  const args = parseHostArgs(argv);
  if (!args.folder || !args.extensionDevelopmentPath || !args.extensionTestsPath) {
    console.error('code-server host: a folder, --extensionDevelopmentPath and --extensionTestsPath are required');
    return 1;
  }
  const verbose = process.env.PYPI_STATUS_VSCODE_VERBOSE === '1';
  // suite/index.ts prefixes the test report with this, so it can be told from the workbench's log.
  const marker = `[pypi-status-tests:${process.pid}]`;
  const workbenchErrors: string[] = [];
  const scratchDir = mkdtempSync(path.join(tmpdir(), 'pypi-status-code-server-'));
  const started = Date.now();
  const removeScratch = () => {
    try {
      rmSync(scratchDir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // Chromium may still be writing its profile when this process is cut short; it is in the temp directory.
    }
  };
  process.on('exit', removeScratch);
  // runTests forwards Ctrl+C as SIGINT: stop the run and clean up as after a failure.
  let interrupt!: (code: number) => void;
  const interrupted = new Promise<number>((resolve) => (interrupt = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`code-server host: stopped by ${signal}`);
    interrupt(130);
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const signal of signals) process.on(signal, onSignal);
  let server: CodeServer | undefined;
  let workbench: Workbench | undefined;
  const pageErrors: string[] = [];
  try {
    server = await startCodeServer({
      scratchDir,
      userDataDir: args.userDataDir ?? path.join(scratchDir, 'user-data'),
      extensionsDir: args.extensionsDir ?? path.join(scratchDir, 'extensions'),
      env: { PYPI_STATUS_TEST_LOG_MARKER: marker },
      onOutput: verbose ? (line) => console.log(`[code-server] ${line}`) : undefined,
    });
    console.log(`code-server ${CODE_SERVER_VERSION} listening on ${server.url} (${Date.now() - started} ms)`);
    let reportExit!: (code: number) => void;
    const exited = new Promise<number>((resolve) => (reportExit = resolve));
    workbench = await openWorkbench(server, {
      folder: args.folder,
      payload: [
        ['extensionDevelopmentPath', remoteUri(server, args.extensionDevelopmentPath)],
        ['extensionTestsPath', remoteUri(server, args.extensionTestsPath)],
        ['skipWelcome', 'true'],
      ],
      profileDir: path.join(scratchDir, 'chromium'),
      onLog: (level, logged) => {
        if (logged[0] === marker) return console.log(format(...logged.slice(1)));
        const text = format(...logged);
        if (verbose) console.log(`[workbench ${level}] ${text}`);
        else if (level === 'error') workbenchErrors.push(text);
      },
      onExit: reportExit,
    });
    workbench.page.on('pageerror', (e) => pageErrors.push(e.stack ?? e.message));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<number>((resolve) => {
      timer = setTimeout(() => {
        console.error(`The extension tests did not finish within ${RUN_TIMEOUT_MS / 1000} s.`);
        resolve(1);
      }, RUN_TIMEOUT_MS);
    });
    const code = await Promise.race([exited, timedOut, interrupted]);
    clearTimeout(timer);
    console.log(`Extension tests in code-server exited with ${code} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (code !== 0) {
      if (pageErrors.length) console.error(`Errors in the workbench page:\n${pageErrors.join('\n')}`);
      if (workbenchErrors.length) console.error(`Errors the workbench logged:\n${workbenchErrors.join('\n')}`);
      if (!verbose) console.error(`code-server output:\n${server.output.slice(-50).join('\n')}`);
    }
    return code;
  } catch (e) {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    if (server && !verbose) console.error(`code-server output:\n${server.output.slice(-50).join('\n')}`);
    return 1;
  } finally {
    await workbench?.close().catch(() => undefined);
    await server?.close();
    for (const signal of signals) process.off(signal, onSignal);
    process.off('exit', removeScratch);
    removeScratch();
  }
}
