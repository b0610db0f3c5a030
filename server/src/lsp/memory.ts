/**
 * Giving memory back after a burst of work.
 *
 * V8 returns the pages of a grown heap to the system only after a full collection, and a
 * server that goes idle after a workspace scan allocates too little to start one: the pages
 * of a large scan stay resident, mostly dead, for as long as the server runs. The
 * collection the inspector protocol offers is the one V8 makes under memory pressure
 * (several rounds, compacting, returning pooled pages), and it gives most of them back.
 * A session with this process's own inspector needs no port or debugger.
 */
import { createRequire } from 'node:module';

/** require(), not import(): the bundle runs as a script, which has no loader for import(). */
const load = createRequire(import.meta.url);
let running = false;
/**
 * The collection blocks the process for a noticeable moment after a large scan. Started at
 * once, it ran before the scan's answer had been written, and the client waited for it. A
 * short delay lets the answer and the diagnostics go first.
 */
const DELAY_MS = 50;

/** Runs a memory-reducing collection shortly, once what the current work sends has gone out. */
export function releaseMemorySoon(): void {
  if (running) return;
  running = true;
  setTimeout(collect, DELAY_MS).unref();
}

function collect(): void {
  const done = () => (running = false);
  try {
    // Loaded here: a Node built without the inspector throws on loading it, and the server
    // must still start there (the memory then comes back whenever V8 next collects).
    const { Session } = load('node:inspector') as typeof import('node:inspector');
    const session = new Session();
    session.connect();
    session.post('HeapProfiler.collectGarbage', () => {
      // Disconnecting inside the reply's callback deadlocks the process (Node 20).
      setImmediate(() => {
        session.disconnect();
        done();
      });
    });
  } catch {
    done();
  }
}
