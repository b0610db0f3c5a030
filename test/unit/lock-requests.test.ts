/**
 * A workspace holding every real lock of test/data/lockfiles, scanned against the local index:
 * each (index, project) pair is asked once, however many files name it (the locks, their
 * manifests, compiled requirements and their `.in` files overlap heavily), and every pair a file
 * looks up is asked. Packages locked from another registry (PyTorch's) go to a second local
 * index, standing in for it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { lookedUp } from '../../server/src/core/analyze.js';
import { createIndexEnvironment } from '../../server/src/core/environment.js';
import { resolveSettings } from '../../server/src/core/settings.js';
import { scan } from '../../server/src/core/workspaceScan.js';
import { startIndexServer, type IndexServer } from '../support/index-server.js';
import { layOutLockfiles } from '../support/lock-workspace.js';

let primary: IndexServer;
let other: IndexServer;
let root: string;

before(async () => {
  primary = await startIndexServer({ unknownProjects: 'generate' });
  other = await startIndexServer({ unknownProjects: 'generate' });
  root = mkdtempSync(path.join(tmpdir(), 'pypi-status-lock-requests-'));
  layOutLockfiles(root);
});
after(async () => {
  await primary.close();
  await other.close();
  rmSync(root, { recursive: true, force: true });
});

/** `/simple/<project>/` → the project; anything else is returned whole, so that it shows in a failure. */
const projectOf = (p: string): string => /^\/simple\/([^/?]+)\/$/.exec(p)?.[1] ?? p;

test('every lock of the corpus in one workspace: requests = distinct (index, project) pairs', async () => {
  const settings = resolveSettings({ indexUrl: primary.simpleUrl, jsonApiUrl: null, cache: { directory: null } });
  const env = createIndexEnvironment(settings);
  const otherEnv = createIndexEnvironment(resolveSettings({ indexUrl: other.simpleUrl, jsonApiUrl: null, cache: { directory: null } }));
  const registries = new Set<string>();
  try {
    const result = await scan(
      {
        roots: [root],
        registrySource: (url) => {
          registries.add(url);
          return otherEnv.client;
        },
      },
      env.client,
      settings,
    );
    const expected = new Set<string>();
    let named = 0;
    for (const file of result.files)
      for (const dep of file.parsed.dependencies)
        if (lookedUp(dep, settings)) {
          named++;
          expected.add(`${dep.registry === undefined ? 'primary' : 'other'} ${dep.normalizedName}`);
        }
    const asked = [...primary.requests.map((r) => `primary ${projectOf(r.path)}`), ...other.requests.map((r) => `other ${projectOf(r.path)}`)];
    assert.ok(result.files.filter((f) => f.kind === 'lock').length >= 20, 'the locks were found under their own names');
    assert.deepEqual([...registries], ['https://download.pytorch.org/whl/cu128']);
    assert.ok(named > 2 * expected.size, `the files name the same projects many times (${named} names, ${expected.size} pairs)`);
    assert.equal(asked.length, new Set(asked).size, 'no pair asked twice');
    assert.deepEqual([...new Set(asked)].sort(), [...expected].sort(), 'every pair a file looks up asked, and nothing else');
  } finally {
    await env.close();
    await otherEnv.close();
  }
});
