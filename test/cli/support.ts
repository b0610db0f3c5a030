/** Runs the BUILT command line (server/dist/cli.cjs, the npm package's bin) the way a shell or CI would, and sets up workspaces. */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../support/index-catalog.js';

export const CLI = path.join(REPO_ROOT, 'server', 'dist', 'cli.cjs');
export const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'cli-workspace');

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  /** Guards against a hang, not a measure of speed: a loaded CI machine can be slow (default 120 s). */
  timeoutMs?: number;
  /** Called once the process is spawned (to send it signals). */
  onSpawn?: (child: ReturnType<typeof spawn>) => void;
}

/** Variables that would change what the CLI does and that a developer's shell may have set. */
const SCRUBBED = ['NO_COLOR', 'FORCE_COLOR', 'GITHUB_STEP_SUMMARY', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NODE_OPTIONS'];

/** Variables that name indexes or credentials (pip, uv, Poetry, PDM, .netrc): a developer's must not reach a test. */
const INDEX_CONFIG = /^(PIP_|UV_|PDM_|POETRY_|PYPI_STATUS_)|^(NETRC|VIRTUAL_ENV)$/;

/**
 * An environment in which no test can touch the real per-user cache, nor read the real
 * user's index configuration: HOME and the XDG folders point inside the test's directory.
 */
export function baseEnv(xdgCacheHome: string): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    XDG_CACHE_HOME: xdgCacheHome,
    HOME: path.join(xdgCacheHome, 'home'),
    XDG_CONFIG_HOME: path.join(xdgCacheHome, 'home', '.config'),
    XDG_CONFIG_DIRS: path.join(xdgCacheHome, 'etc-xdg'),
  };
  for (const name of SCRUBBED) delete env[name];
  for (const name of Object.keys(env)) if (INDEX_CONFIG.test(name)) delete env[name];
  return env;
}

/** Asynchronous on purpose: the local index runs in this process and must keep answering. */
export function runCli(args: string[], options: RunOptions): Promise<Run> {
  return runProcess(process.execPath, [CLI, ...args], options);
}

export function runProcess(command: string, args: string[], options: RunOptions): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${path.basename(args[0] ?? command)} ${args.slice(1).join(' ')} did not finish in ${options.timeoutMs ?? 120_000} ms\n${stderr}`));
    }, options.timeoutMs ?? 120_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    options.onSpawn?.(child);
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), `pypi-status-cli-${prefix}-`));
}

/**
 * A copy of test/fixtures/cli-workspace, plus the directories git cannot hold: a `.git`
 * directory (git never tracks one) and `node_modules` (ignored by .gitignore). Both hold
 * requirements files naming projects that must never be looked up.
 */
export function makeWorkspace(): string {
  const dir = path.join(tempDir('ws'), 'workspace');
  cpSync(FIXTURE, dir, { recursive: true });
  write(dir, 'node_modules/left-pad/requirements.txt', 'no-such-node-modules-package\n');
  write(dir, '.git/requirements.txt', 'no-such-git-package\n');
  write(dir, '.git/HEAD', 'ref: refs/heads/main\n');
  return dir;
}

export function write(root: string, relative: string, text: string): string {
  const file = path.join(root, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

export function read(root: string, relative: string): string {
  return readFileSync(path.join(root, relative), 'utf8');
}

/** 1-based line and column of `name` on the first line of a fixture file containing `marker`. */
export function locate(root: string, relative: string, name: string, marker = name): { line: number; column: number; endColumn: number } {
  const lines = read(root, relative).split('\n');
  const index = lines.findIndex((l) => l.includes(marker));
  if (index < 0) throw new Error(`${relative} has no line with ${marker}`);
  const column = lines[index]!.indexOf(name, lines[index]!.indexOf(marker));
  if (column < 0) throw new Error(`${relative}:${index + 1} does not contain ${name}`);
  return { line: index + 1, column: column + 1, endColumn: column + 1 + name.length };
}
