/**
 * Soak: the built server under a long editing session on a real 2,300-line
 * requirements file (home-assistant's requirements_all.txt, in test/data/files),
 * against the local index generating a project for any name:
 *
 *   - 10,000 small random insertions and deletions, each sent as a full-text
 *     didChange, with a publication awaited every 200 edits so that the
 *     debounced analysis really runs (and new names are looked up); they come
 *     as 5 rounds of the same 2,000 edits, so that after the first round no new
 *     name is cached and a leak shows as growth;
 *   - 1,000 open/close cycles of a second document.
 *
 * The server's RSS (VmRSS of /proc/<pid>/status) must stay flat: growth from
 * after the first round to the end below a bound. No uncaught exception or
 * unhandled rejection may be logged, and once the original text is back the
 * diagnostics are the ones a fresh start gave.
 *
 * Run `npm run build` first. Environment: PYPI_STATUS_SOAK_SCALE (default 1)
 * scales the edits and cycles; PYPI_STATUS_SOAK_RSS_GROWTH_MB (default 40).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { corpusFile } from '../support/data.js';
import { fileUri, LspClient, REPO_ROOT } from '../support/lsp-client.js';
import { startRemoteIndex } from '../support/remote-index.js';
import { seededRandom } from '../support/random.js';

const SCALE = Number(process.env.PYPI_STATUS_SOAK_SCALE ?? 1);
const EDITS = Math.round(10_000 * SCALE);
const CYCLES = Math.round(1_000 * SCALE);
const RSS_GROWTH_MB = Number(process.env.PYPI_STATUS_SOAK_RSS_GROWTH_MB ?? 40);
/** Rounds of the same edits: the first warms caches and JIT up. */
const ROUNDS = 5;

const ORIGINAL = readFileSync(corpusFile('home-assistant__core/requirements_all.txt'), 'utf8');
// The URIs only name the documents (the text is sent); the directory need not exist.
const URI = fileUri(path.join(REPO_ROOT, 'test-artifacts', 'soak', 'requirements_all.txt'));
const SECOND = readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'every-form', 'requirements.txt'), 'utf8');
const SECOND_URI = fileUri(path.join(REPO_ROOT, 'test-artifacts', 'soak', 'requirements-second.txt'));

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789-_.=<>~!; ,[]()#@\\\n';

function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** RSS after the server has been idle a moment: the lowest of a few samples (a GC may be due). */
async function settledRss(pid: number): Promise<number> {
  await sleep(500);
  let low = Infinity;
  for (let i = 0; i < 5; i++) {
    low = Math.min(low, rssMb(pid));
    await sleep(100);
  }
  return low;
}

function summarize(d: Diagnostic[]): string[] {
  return d.map((x) => `${x.range.start.line}:${x.range.start.character}-${x.range.end.line}:${x.range.end.character} ${String(x.code)}`).sort();
}

/** Waits until no publication for `quietMs` (the 500 ms partial publications have stopped): the analysis is complete. */
async function quiet(client: LspClient, uri: string, quietMs = 1500, timeoutMs = 60_000): Promise<Diagnostic[]> {
  const deadline = Date.now() + timeoutMs;
  let count = client.publications(uri);
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    assert.ok(Date.now() < deadline, `publications for ${uri} did not stop within ${timeoutMs} ms`);
    await sleep(100);
    const now = client.publications(uri);
    if (now !== count) {
      count = now;
      since = Date.now();
    }
  }
  const list = client.diagnostics.get(uri) ?? [];
  return list[list.length - 1]?.diagnostics ?? [];
}

describe('soak', () => {
  it(
    `${EDITS} random edits of requirements_all.txt and ${CYCLES} open/close cycles: flat RSS, nothing uncaught, same diagnostics after`,
    { timeout: 180_000 },
    async (t: TestContext) => {
      const index = await startRemoteIndex({ unknownProjects: 'generate' });
      const client = await LspClient.start({ settings: { indexUrl: index.simpleUrl, jsonApiUrl: null, cache: { directory: null } } });
      const pid = client.proc.pid!;
      const started = Date.now();
      try {
        const initialRss = rssMb(pid);
        await client.open(URI, ORIGINAL);
        await client.waitForDiagnostics(URI, () => true, { timeoutMs: 30_000 });
        const fresh = summarize(await quiet(client, URI));
        assert.ok(fresh.length > 0, 'the real file gives diagnostics');
        const afterOpen = Date.now();

        // The edits come in rounds of the same random edits: the first round looks
        // up every new name the edits make (the cache grows, as it should); the
        // later rounds make no new name, so from then on RSS must stay flat.
        let text = ORIGINAL;
        let version = 1;
        let warmRss = 0;
        let roundOneGrowth = 0;
        /** The lower of the last two rounds' figures: RSS moves with the garbage collector; a leak only grows. */
        let lateRss = Infinity;
        const samples: { at: string; rss: number }[] = [{ at: 'start', rss: initialRss }];
        const cycleEvery = Math.max(1, Math.floor(EDITS / CYCLES));
        let cycles = 0;
        let random = seededRandom(20260508);
        const perRound = Math.max(1, Math.ceil(EDITS / ROUNDS));
        for (let i = 1; i <= EDITS; i++) {
          const inRound = (i - 1) % perRound;
          if (inRound === 0) {
            random = seededRandom(20260508);
            text = ORIGINAL;
          } else if (inRound % 1000 === 0) {
            // Back to the real file now and then, so that edits stay small changes of it.
            text = ORIGINAL;
          }
          const at = Math.floor(random() * (text.length + 1));
          if (random() < 0.55) {
            let ins = '';
            const n = 1 + Math.floor(random() * 3);
            for (let k = 0; k < n; k++) ins += ALPHABET[Math.floor(random() * ALPHABET.length)];
            text = text.slice(0, at) + ins + text.slice(at);
          } else {
            text = text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 3));
          }
          version++;
          await client.change(URI, version, text);
          if (i % 200 === 0 || i === EDITS) {
            const v = version;
            await client.waitForDiagnostics(URI, (_d, p) => p.version === v, { timeoutMs: 30_000, since: Math.max(0, client.publications(URI) - 5) });
          }
          if (i % cycleEvery === 0 && cycles < CYCLES) {
            cycles++;
            await client.open(SECOND_URI, SECOND, 'pip-requirements', cycles);
            await client.close(SECOND_URI);
          }
          if (i % perRound === 0) {
            await quiet(client, URI);
            const rss = await settledRss(pid);
            const round = i / perRound;
            samples.push({ at: `after round ${round}`, rss });
            if (round === 1) {
              warmRss = rss;
              roundOneGrowth = rss - initialRss;
            }
            if (round >= ROUNDS - 1) lateRss = Math.min(lateRss, rss);
          }
        }
        while (cycles < CYCLES) {
          cycles++;
          await client.open(SECOND_URI, SECOND, 'pip-requirements', cycles);
          await client.close(SECOND_URI);
        }

        // The original text again: the same diagnostics as on the fresh start.
        version++;
        await client.change(URI, version, ORIGINAL);
        const v = version;
        await client.waitForDiagnostics(URI, (_d, p) => p.version === v, { timeoutMs: 30_000, since: Math.max(0, client.publications(URI) - 5) });
        const again = summarize(await quiet(client, URI));
        const endRss = Math.min(lateRss, await settledRss(pid));
        samples.push({ at: 'end', rss: endRss });

        const seconds = ((Date.now() - afterOpen) / 1000).toFixed(1);
        const requests = (await index.requests()).length;
        t.diagnostic(`RSS ${samples.map((s) => `${s.at}: ${s.rss.toFixed(1)} MB`).join('; ')}`);
        t.diagnostic(
          `round 1 (new names looked up and cached): +${roundOneGrowth.toFixed(1)} MB; rounds 2-${ROUNDS} (no new name): ${endRss - warmRss >= 0 ? '+' : ''}${(endRss - warmRss).toFixed(1)} MB`,
        );
        t.diagnostic(
          `${EDITS} edits and ${CYCLES} open/close cycles in ${seconds} s (first analysis ${((afterOpen - started) / 1000).toFixed(1)} s); ${requests} index requests`,
        );

        assert.equal(client.proc.exitCode, null, 'the server exited');
        const bad = client.logs
          .join('')
          .split(/\r?\n/)
          .filter((l) => /uncaught|unhandled/i.test(l));
        assert.deepEqual(bad, [], 'uncaught exceptions or unhandled rejections were logged');
        assert.deepEqual(again, fresh, 'the original text, restored after the edits, gives other diagnostics than on a fresh start');
        assert.ok(
          endRss - warmRss < RSS_GROWTH_MB,
          `RSS grew ${(endRss - warmRss).toFixed(1)} MB over rounds 2-${ROUNDS}, which repeat the edits of round 1 (${warmRss.toFixed(1)} MB after it, ${endRss.toFixed(1)} MB at the end, the lower of the last rounds); bound ${RSS_GROWTH_MB} MB`,
        );
      } finally {
        await client.stop();
        await index.close();
      }
    },
  );
});
