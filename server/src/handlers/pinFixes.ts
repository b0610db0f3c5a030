/** The pin fixes of a dependency of an open document, and of the whole document, from what the index said. */
import { findingsFor, peekFacts, type DependencyFacts } from '../core/findings.js';
import { lookedUp } from '../core/analyze.js';
import { knownVulnerabilities, pinFixes, verifyUpgrade, type PinFix, type PinFixOptions, type Within } from '../core/pinFixes.js';
import type { Dependency } from '../core/types.js';
import { uriToPath } from '../paths.js';
import type { DocumentState } from '../session/documents.js';
import type { Session } from '../session/session.js';
import { withDeadline } from './lookups.js';

/** How long an action waits for the upgrade target of another pin than its own (see pinFixesOf). */
const OTHER_PINS_MS = 300;

export interface PinFixesFound {
  fixes: PinFix[];
  /** The first fix of each dependency of the document that has one, from answers already cached (the document was checked). */
  fileFixes: PinFix[];
}

export type { Within } from '../core/pinFixes.js';

export async function pinFixesOf(
  session: Session,
  uri: string,
  state: DocumentState,
  dep: Dependency,
  facts: DependencyFacts,
  within: Within,
): Promise<PinFixesFound> {
  const settings = session.settings;
  const [project, context] = await Promise.all([session.projects.of(uri, state), session.projects.findingContext(uri, state, settings)]);
  // The file's own index plan, as its diagnostics used: another index's answers would choose the wrong releases.
  const source = session.sourceFor(state.parsed, uriToPath(uri));
  const options = (d: Dependency): PinFixOptions => {
    const o: PinFixOptions = { knownVulnerabilities: knownVulnerabilities(source, d.name) };
    if (project.requiresPython !== undefined) o.projectPython = project.requiresPython;
    return o;
  };
  const known: [Dependency, DependencyFacts][] = [];
  for (const other of state.parsed.dependencies) {
    if (!lookedUp(other, settings, session.trusted) || other.pinnedVersion === undefined) continue;
    const otherFacts = other === dep ? facts : peekFacts(other, source);
    if (otherFacts) known.push([other, otherFacts]);
  }
  // A finding turned off has no diagnostic: no fix of its own, no part in the file's edit, no lookup for one.
  const shown = (d: Dependency, f: DependencyFacts) => findingsFor(d, f, context).filter((x) => settings.severity[x.code] !== 'off');
  const verified = known.some(([d]) => d === dep) ? known : [...known, [dep, facts] as const];
  // The other pins' targets get a moment only: one release the index is slow to describe must not hold
  // every lightbulb of the file for the whole deadline. Their lookups go on, and fill the cache.
  const brief: Within = (work) => within(withDeadline(work, OTHER_PINS_MS));
  await Promise.all(verified.map(([d, f]) => verifyUpgrade(d, f, shown(d, f), options(d), source, d === dep ? within : brief)));
  const fixes = pinFixes(dep, facts, shown(dep, facts), options(dep));
  const fileFixes: PinFix[] = [];
  for (const [other, otherFacts] of known) {
    const first = pinFixes(other, otherFacts, shown(other, otherFacts), options(other))[0];
    if (first) fileFixes.push(first);
  }
  return { fixes, fileFixes };
}
