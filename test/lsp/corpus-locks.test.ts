/**
 * Every real lock of test/data/lockfiles, laid out beside its manifests as in its repository and
 * opened over LSP as an editor opens it, shows exactly what the CLI reports for that file against
 * the same local index: the same codes, ranges and messages (chains included). Each finding on a
 * package sits on the package's name as the lock writes it. The index holds every locked release
 * (as PyPI does), so what is flagged is what its catalogue of real projects says.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { fileKind, parseDocument } from '../../server/src/core/analyze.js';
import { LineMap } from '../../server/src/core/text.js';
import { normalizeName } from '../../server/src/core/pep508.js';
import type { JsonReport } from '../../server/src/cli/formats/json.js';
import { baseEnv, runCli, tempDir } from '../cli/support.js';
import { catalogNames, makeProject, type ProjectSpec } from '../support/index-catalog.js';
import { startIndexServer, type IndexServer } from '../support/index-server.js';
import { layOutLockfiles } from '../support/lock-workspace.js';
import { fileUri, LspClient } from '../support/lsp-client.js';

interface Shown {
  code: string;
  range: string;
  message: string;
}

const key = (s: Shown) => `${s.range} ${s.code}: ${s.message}`;
const rangeText = (r: { start: { line: number; character: number }; end: { line: number; character: number } }) =>
  `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;

describe('every lock of the corpus, opened over LSP', () => {
  let index: IndexServer;
  let root: string;
  let locks: string[];
  let report: JsonReport;
  let client: LspClient;

  before(async () => {
    index = await startIndexServer({ unknownProjects: 'generate' });
    root = tempDir('corpus-locks');
    locks = layOutLockfiles(path.join(root, 'ws'))
      .filter((f) => fileKind(f) === 'lock')
      .sort();
    // Every locked release exists on the index, as on PyPI: what is left to find is what the catalogue says of each project.
    const pins = new Map<string, Set<string>>();
    for (const file of locks)
      for (const d of parseDocument('lock', readFileSync(file, 'utf8'), {}, file).dependencies)
        if (d.pinnedVersion !== undefined) pins.set(d.normalizedName, (pins.get(d.normalizedName) ?? new Set()).add(d.pinnedVersion));
    // Beside the catalogue's own verdicts, a fixed share of the other projects is flagged, one way each.
    const catalog = new Set(catalogNames());
    [...pins.keys()]
      .filter((name) => !catalog.has(name))
      .sort()
      .forEach((name, i) => {
        const locked = [...pins.get(name)!];
        const generated = makeProject({ name }).versions ?? [];
        const versions = i % 29 === 3 ? generated.filter((v) => !locked.includes(v)) : [...new Set([...generated, ...locked])];
        const spec: ProjectSpec = { name, versions };
        if (i % 23 === 0) spec.status = 'archived';
        if (i % 31 === 1) spec.status = 'quarantined';
        if (i % 19 === 2) spec.yanked = Object.fromEntries(locked.map((v) => [v, 'broken build']));
        index.setProject(name, makeProject(spec));
      });
    const env = { ...baseEnv(path.join(root, 'xdg')), PYPI_STATUS_INDEX_URL: index.simpleUrl, PYPI_STATUS_JSON_API_URL: undefined };
    const run = await runCli(['check', 'ws', '--format', 'json', '--no-cache'], { cwd: root, env, timeoutMs: 300_000 });
    assert.ok(run.code === 0 || run.code === 1, `the CLI ran (exit ${run.code}): ${run.stderr}`);
    report = JSON.parse(run.stdout) as JsonReport;
    client = await LspClient.start({
      settings: { indexUrl: index.simpleUrl, jsonApiUrl: null, cache: { directory: null } },
      workspaceFolders: [path.join(root, 'ws')],
    });
  });
  after(async () => {
    await client?.stop();
    await index?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('shows in each lock what the CLI reports for it, each package finding on its name', { timeout: 300_000 }, async (t) => {
    assert.ok(locks.length >= 20, `the corpus's locks were laid out (${locks.length})`);
    let shownInAll = 0;
    const codes = new Set<string>();
    for (const file of locks) {
      const relative = path.relative(root, file);
      const expected = report.findings
        .filter((f) => f.file === relative)
        .map((f) => ({ code: f.code, range: rangeText(f.range), message: f.message }))
        .map(key)
        .sort();
      const uri = fileUri(file);
      const text = readFileSync(file, 'utf8');
      await client.open(uri, text, file.endsWith('.lock') && path.basename(file) === 'Pipfile.lock' ? 'json' : 'toml');
      const shown = (d: Diagnostic[]) =>
        d.map((x) => key({ code: String(x.code), range: rangeText(x.range), message: typeof x.message === 'string' ? x.message : '' })).sort();
      const diagnostics = await client.waitForDiagnostics(uri, (d) => JSON.stringify(shown(d)) === JSON.stringify(expected), { timeoutMs: 60_000 });
      await client.close(uri);
      // On its name: the text under a package's finding is the package's name, as the lock writes it.
      const lines = new LineMap(text);
      const parsed = parseDocument('lock', text, {}, file);
      for (const d of diagnostics) {
        const dep = parsed.dependencies.find((p) => p.nameRange.start.line === d.range.start.line && p.nameRange.start.character === d.range.start.character);
        if (!dep) continue;
        const under = text.slice(lines.offset(d.range.start), lines.offset(d.range.end));
        assert.equal(normalizeName(under), dep.normalizedName, `${relative}: ${d.message as string}`);
        assert.ok(!under.includes('"'), 'inside the quotes');
      }
      shownInAll += diagnostics.length;
      for (const d of diagnostics) codes.add(String(d.code));
    }
    t.diagnostic(`${locks.length} locks, ${shownInAll} findings: ${[...codes].sort().join(', ')}`);
    // Not a comparison of two empty lists: the catalogue flags packages of these locks.
    assert.ok(shownInAll >= 20, `findings shown across the locks: ${shownInAll}`);
    assert.ok(
      ['archived', 'quarantined', 'yanked', 'missing-release'].every((c) => codes.has(c)),
      `several kinds of finding: ${[...codes].join(', ')}`,
    );
  });
});
