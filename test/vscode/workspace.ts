/**
 * The workspace both VS Code runs open (run.ts for the extension tests, screenshots.test.ts
 * for the pictures): a copy of test/fixtures/vscode-workspace with the settings and the
 * files that only make sense at run time, and the projects the local index must know for
 * the quick fixes to offer a replacement.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeProject } from '../support/index-catalog.js';
import type { IndexServer } from '../support/index-server.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'vscode-workspace');

/** `pypiStatus.exclude` of the test workspace: legacy/requirements.txt must not be scanned. */
export const EXCLUDE = ['legacy/**'];
/** A virtual environment (recognised by its pyvenv.cfg) that the runners create in the workspace. */
export const VENV = 'python-env';

export function writeJson(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Copies the fixture to `workspace` and writes its .vscode/settings.json: the local index
 * (indexUrl and jsonApiUrl are machine-overridable, so the workspace may set them) and the
 * scan's exclusions. Also creates a virtual environment with a requirements file in it, here
 * rather than in the fixture: a repository's ignore rules commonly drop virtual environments.
 */
export function prepareWorkspace(workspace: string, index: Pick<IndexServer, 'simpleUrl' | 'jsonApiUrl'>): void {
  cpSync(FIXTURE, workspace, { recursive: true });
  writeJson(path.join(workspace, '.vscode', 'settings.json'), {
    'pypiStatus.indexUrl': index.simpleUrl,
    'pypiStatus.jsonApiUrl': index.jsonApiUrl,
    'pypiStatus.exclude': EXCLUDE,
  });
  const venv = path.join(workspace, VENV);
  mkdirSync(path.join(venv, 'lib', 'python3.12', 'site-packages'), { recursive: true });
  writeFileSync(path.join(venv, 'pyvenv.cfg'), 'home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.12.3\n');
  // Flagged projects: if the scan walked into the environment, it would report them.
  writeFileSync(path.join(venv, 'requirements.txt'), '# Left here by a tool inside the virtual environment.\npepy\naiocpa\n');
}

/**
 * Active projects the quick fixes replace flagged ones with. An alternative is offered only
 * when the index knows it and it is active: newproject is named in haunted-project's status
 * reason ("Use newproject instead."), pillow is the curated alternative to pil.
 */
export function addAlternatives(index: Pick<IndexServer, 'setProject'>): void {
  index.setProject('newproject', makeProject({ name: 'newproject', versions: ['1.0.0', '1.1.0', '2.0.0'], summary: 'The project haunted-project points to' }));
  index.setProject('pillow', makeProject({ name: 'Pillow', versions: ['10.4.0', '11.0.0', '11.3.0'], summary: 'Python Imaging Library (Fork)' }));
}
