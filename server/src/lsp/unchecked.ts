/** The dependencies of a document the index could not answer for (or only with an old answer), for the unchecked notification. */
import type { AnalyzedDependency } from '../core/analyze.js';
import { incompleteReason } from '../core/findings.js';
import type { UncheckedDependency } from '../protocol.js';

export function uncheckedOf(analyzed: readonly AnalyzedDependency[]): UncheckedDependency[] {
  const out: UncheckedDependency[] = [];
  for (const { dependency, facts } of analyzed) {
    const reason = incompleteReason(facts);
    if (reason !== undefined) out.push({ name: dependency.name, range: dependency.nameRange, reason });
  }
  return out;
}
