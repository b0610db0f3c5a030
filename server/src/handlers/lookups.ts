/** What hover and code actions share: answers within a deadline, and alternatives only for a flagged dependency. */
import { findAlternatives, REPLACEABLE } from '../core/alternatives.js';
import { findingsFor, type DependencyFacts, type FindingContext } from '../core/findings.js';
import type { IndexSource } from '../core/pypi/client.js';
import type { Settings } from '../core/settings.js';
import type { Dependency } from '../core/types.js';

/** The promise's value, or undefined if it takes longer than `ms` (the work goes on and fills the cache). */
export async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Alternatives matter only for a dependency flagged with a finding that another project fixes,
 * judged with the document's context as its diagnostics are (a project the workspace builds is not
 * `not-found`), and shown: a finding the user's severity turned off asks for no replacement, as in the CLI.
 */
export async function alternativesIfFlagged(dep: Dependency, facts: DependencyFacts, context: FindingContext, settings: Settings, source: IndexSource) {
  const replaceable = findingsFor(dep, facts, context).some((f) => REPLACEABLE.has(f.code) && settings.severity[f.code] !== 'off');
  return replaceable ? findAlternatives(dep.name, facts, settings, source) : [];
}
