/**
 * Typed wrapper around test/support/pep440-reference.py: python3-packaging's Version ordering
 * and SpecifierSet membership, for the PEP 440 differential tests. One call, one Python process.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { REFERENCE_PYTHON } from './reference.js';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pep440-reference.py');

export interface Pep440Reference {
  packaging: string;
  /** Per input version: its normalized form and its rank among the valid ones (equal versions share one), or null. */
  versions: ({ normalized: string; rank: number } | null)[];
  /** Per specifier set: SpecifierSet.contains for every probe, or null when packaging rejects the set. */
  specifiers: (boolean[] | null)[];
}

export function pep440Reference(request: { versions?: string[]; specifiers?: string[]; probes?: string[] }): Promise<Pep440Reference> {
  return new Promise((resolve, reject) => {
    const child = execFile(REFERENCE_PYTHON, [SCRIPT], { maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${REFERENCE_PYTHON} ${SCRIPT} failed: ${error.message}\n${stderr.slice(0, 2000)}`));
      const parsed = JSON.parse(stdout) as Pep440Reference & { fatal?: string };
      if (parsed.fatal) return reject(new Error(`reference unavailable: ${parsed.fatal}`));
      resolve(parsed);
    });
    child.stdin!.end(JSON.stringify(request));
  });
}
