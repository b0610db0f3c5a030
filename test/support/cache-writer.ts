/**
 * A second process for the disk cache tests: writes the same keys as its siblings,
 * over and over, each time with a payload that says who wrote it and carries its own
 * checksum, so that a reader can tell a complete entry from a torn one.
 *   node --import tsx test/support/cache-writer.ts DIR WRITER ROUNDS KEYS
 */
import { IndexCache } from '../../server/src/core/pypi/cache.js';

export interface Payload {
  writer: string;
  round: number;
  filler: string;
  checksum: number;
}

export function checksum(p: Omit<Payload, 'checksum'>): number {
  let h = 0;
  for (const ch of `${p.writer}|${p.round}|${p.filler}`) h = (h * 31 + ch.charCodeAt(0)) | 0;
  return h;
}

export function payload(writer: string, round: number): Payload {
  // Sizes vary by round so that a torn write would show as a length mismatch too.
  const p = { writer, round, filler: `${writer}:${round}:`.repeat(50 + ((round * 37) % 400)) };
  return { ...p, checksum: checksum(p) };
}

if (process.argv[1]?.endsWith('cache-writer.ts')) {
  const [dir, writer, rounds, keys] = process.argv.slice(2);
  const cache = new IndexCache({ directory: dir!, onError: (m) => process.stderr.write(`${m}\n`) });
  for (let round = 0; round < Number(rounds); round++) {
    for (let k = 0; k < Number(keys); k++) {
      cache.set({ key: `simple shared project-${k}`, fetchedAt: Date.now(), state: 'found', data: payload(writer!, round) });
    }
    await cache.flush();
  }
}
