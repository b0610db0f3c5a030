/**
 * The pre-commit hook (.pre-commit-hooks.yaml) under Debian's pre-commit, for real: `pre-commit try-repo`
 * installs this repository as pre-commit installs any `language: node` hook (npm install in a clone,
 * npm pack, npm install -g of the tarball, with the system's Node) and runs the hook in a temporary
 * git repository, against the local index named by PYPI_STATUS_INDEX_URL.
 *
 * npm prefers the cache that `npm ci` filled (scripts/setup.sh), and asks the npm registry only for
 * what the cache lacks (pre-commit installs the repository's whole root package, build tools included).
 * The index it checks against is the local one: nothing is asked of PyPI.
 * try-repo installs the hook afresh each time (a store of its own), half a minute or so per run.
 *
 *   node --import tsx --test test/dist/pre-commit.test.ts
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { baseEnv, runProcess, tempDir, write, type Run } from '../cli/support.js';
import { REPO_ROOT } from '../support/index-catalog.js';
import { startIndexServer, type IndexServer } from '../support/index-server.js';

interface Hook {
  id: string;
  entry: string;
  language: string;
  files: string;
  exclude?: string;
  require_serial?: boolean;
}

const HOOKS = parse(readFileSync(path.join(REPO_ROOT, '.pre-commit-hooks.yaml'), 'utf8')) as Hook[];

/** Python's `re.search`, as pre-commit matches `files` and `exclude`, by Debian's Python itself. */
function pythonMatches(pattern: string, names: string[]): boolean[] {
  const script = 'import json, re, sys\np = re.compile(sys.argv[1])\nprint(json.dumps([bool(p.search(n)) for n in sys.argv[2:]]))';
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, pattern, ...names], { encoding: 'utf8' })) as boolean[];
}

describe('the pre-commit hook', () => {
  const hook = HOOKS.find((h) => h.id === 'pypi-status')!;

  it('is a node hook running pypi-status check on the files pre-commit hands it, in one process', () => {
    assert.ok(hook, 'a hook with id pypi-status');
    assert.equal(hook.language, 'node');
    assert.equal(hook.entry, 'pypi-status check');
    assert.equal(hook.require_serial, true);
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    assert.equal(pkg.bin['pypi-status'], 'server/dist/cli.cjs', 'the root package, which pre-commit installs, has the command');
  });

  it('matches requirements, pip-tools, constraints, lock and pyproject.toml files, not other .in files', () => {
    const wanted = [
      'requirements.txt', 'requirements-dev.txt', 'sub/dir/requirements_test.in', 'requirements/base.txt', 'constraints.txt', 'constraints/ci.txt',
      'dev.in', 'REQUIREMENTS.TXT', 'pyproject.toml', 'svc/pyproject.toml', 'uv.lock', 'poetry.lock', 'pdm.lock', 'Pipfile', 'Pipfile.lock',
      'pylock.toml', 'pylock.dev.toml', 'svc/uv.lock', 'scripts/fetch.py.lock',
    ];
    const unwanted = ['MANIFEST.in', 'Makefile.in', 'config.h.in', 'configure.in', 'README.md', 'docs/requirements.md', 'pyproject.toml.bak', 'setup.cfg', 'package-lock.json', 'Cargo.lock', 'lib/requirements.py', 'scripts/fetch.py', 'yarn.lock'];
    const selected = (names: string[]) => {
      const files = pythonMatches(hook.files, names);
      const excluded = hook.exclude ? pythonMatches(hook.exclude, names) : names.map(() => false);
      return names.filter((_, i) => files[i] && !excluded[i]);
    };
    assert.deepEqual(selected(wanted), wanted);
    assert.deepEqual(selected(unwanted), []);
  });

  describe("run by Debian's pre-commit with try-repo", () => {
    let index: IndexServer;
    let dir: string;
    let repo: string;
    let env: Record<string, string | undefined>;

    before(async () => {
      dir = tempDir('pre-commit');
      repo = path.join(dir, 'repository');
      index = await startIndexServer();
      env = {
        ...baseEnv(path.join(dir, 'xdg')),
        PRE_COMMIT_HOME: path.join(dir, 'pre-commit-home'),
        PYPI_STATUS_INDEX_URL: index.simpleUrl,
        // pre-commit's npm install and npm pack: from the cache that npm ci filled where it can. Offline
        // alone fails whenever the cache holds a package's metadata in a form a later install cannot use.
        npm_config_prefer_offline: 'true',
        npm_config_audit: 'false',
        npm_config_fund: 'false',
        GIT_AUTHOR_NAME: 'test', GIT_AUTHOR_EMAIL: 'test@example.com', GIT_COMMITTER_NAME: 'test', GIT_COMMITTER_EMAIL: 'test@example.com',
      };
      write(repo, 'requirements.txt', 'aiocpa>=0.1\n');
      write(repo, 'requirements-dev.txt', 'six\n');
      write(repo, 'requirements/docs.txt', 'pepy==2.1.1\n');
      // A lock is checked whole: a clean one at the top, one that locks a quarantined project below.
      write(repo, 'uv.lock', 'version = 1\n[[package]]\nname = "six"\nversion = "1.16.0"\nsource = { registry = "https://pypi.org/simple" }\n');
      write(repo, 'locked/uv.lock', 'version = 1\n[[package]]\nname = "aiocpa"\nversion = "0.1.14"\nsource = { registry = "https://pypi.org/simple" }\n');
      write(repo, 'MANIFEST.in', 'include aiocpa\n');
      execFileSync('git', ['init', '-q', repo], { env });
      execFileSync('git', ['add', '.'], { cwd: repo, env });
    });
    after(async () => {
      await index.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const tryRepo = (files: string[], cwd = repo): Promise<Run> =>
      runProcess('pre-commit', ['try-repo', REPO_ROOT, 'pypi-status', '--verbose', '--files', ...files], { cwd, env, timeoutMs: 600_000 });

    it('fails the commit on a quarantined dependency and prints the report', async () => {
      const run = await tryRepo(['requirements.txt', 'requirements-dev.txt', 'locked/uv.lock', 'MANIFEST.in']);
      const output = run.stdout + run.stderr;
      assert.equal(run.code, 1, output);
      assert.match(output, /pypi-status\.+Failed/);
      assert.match(output, /requirements\.txt:1:1: error quarantined aiocpa is quarantined/);
      assert.match(output, /locked\/uv\.lock:3:9: error quarantined aiocpa is quarantined/);
      // MANIFEST.in is not handed over (a file named on the command line would be read and counted).
      assert.doesNotMatch(output, /MANIFEST\.in/);
      assert.match(output, /in 3 files/);
    });

    it('passes on clean files, clean locks and findings below fail-on, and fails on a warning once fail-on is "warning"', async () => {
      const passing = await tryRepo(['requirements-dev.txt', 'requirements/docs.txt', 'uv.lock']);
      assert.equal(passing.code, 0, `an archived project is a warning, below the default level: ${passing.stdout}${passing.stderr}`);
      assert.match(passing.stdout, /pypi-status\.+Passed/);
      assert.match(passing.stdout, /warning archived pepy is archived/);
      assert.match(passing.stdout, /1 archived in 3 files/);
      write(repo, 'pyproject.toml', '[tool.pypi-status]\nfail-on = "warning"\n');
      execFileSync('git', ['add', 'pyproject.toml'], { cwd: repo, env });
      const strict = await tryRepo(['requirements/docs.txt']);
      assert.equal(strict.code, 1, strict.stdout + strict.stderr);
      assert.match(strict.stdout, /pypi-status\.+Failed/);
    });
  });
});
