/** The pin fixes of a dependency of an open document, and of the whole document, from what the index said. */
import { findingsFor, peekFacts, type DependencyFacts, type FindingContext } from '../core/findings.js';
import { lookedUp } from '../core/analyze.js';
import { pinFixes, unverifiedUpgrade, type PinFix, type PinFixOptions } from '../core/pinFixes.js';
import type { IndexSource } from '../core/pypi/client.js';
import type { Dependency } from '../core/types.js';
import { uriToPath } from '../paths.js';
import type { DocumentState } from '../session/documents.js';
import type { Session } from '../session/session.js';

export interface PinFixesFound {
  fixes: PinFix[];
  /** The first fix of each dependency of the document that has one, from answers already cached (the document was checked). */
  fileFixes: PinFix[];
}

/** Awaits a lookup for as long as the request may still wait: undefined once it may not. */
export type Within = <T>(work: Promise<T>) => Promise<T | undefined>;

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
  const verified = known.some(([d]) => d === dep) ? known : [...known, [dep, facts] as const];
  await Promise.all(verified.map(([d, f]) => verifyUpgrade(d, f, context, options(d), source, within)));
  const fixes = pinFixes(dep, facts, findingsFor(dep, facts, context), options(dep));
  const fileFixes: PinFix[] = [];
  for (const [other, otherFacts] of known) {
    const first = pinFixes(other, otherFacts, findingsFor(other, otherFacts, context), options(other))[0];
    if (first) fileFixes.push(first);
  }
  return { fixes, fileFixes };
}

/**
 * Asks the JSON API about the release a vulnerable pin would be upgraded to until the choice rests
 * on releases whose vulnerabilities are known, as long as the request may wait: an upgrade whose
 * release stays unknown is not offered (pinFixes), as a close name the index has not confirmed is not.
 */
async function verifyUpgrade(dep: Dependency, facts: DependencyFacts, context: FindingContext, options: PinFixOptions, source: IndexSource, within: Within) {
  const findings = findingsFor(dep, facts, context);
  const asked = new Set<string>();
  for (let target = unverifiedUpgrade(dep, facts, findings, options); target !== undefined && !asked.has(target);) {
    asked.add(target);
    if ((await within(source.release(dep.name, target))) === undefined) return;
    target = unverifiedUpgrade(dep, facts, findings, options);
  }
}

/** What the JSON API said of a release's vulnerabilities, when it was asked already: a release it lists as vulnerable is no fix. */
function knownVulnerabilities(source: IndexSource, name: string): (version: string) => readonly string[] | undefined {
  return (version) => {
    const release = source.peekRelease(name, version);
    return release?.state === 'found' ? release.data.vulnerabilities.map((v) => v.id) : undefined;
  };
}
