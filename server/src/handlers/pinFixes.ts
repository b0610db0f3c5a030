/** The pin fixes of a dependency of an open document, and of the whole document, from what the index said. */
import { findingsFor, peekFacts, type DependencyFacts } from '../core/findings.js';
import { lookedUp } from '../core/analyze.js';
import { pinFixes, type PinFix, type PinFixOptions } from '../core/pinFixes.js';
import type { IndexSource } from '../core/pypi/client.js';
import type { Dependency } from '../core/types.js';
import type { DocumentState } from '../session/documents.js';
import type { Session } from '../session/session.js';

export interface PinFixesFound {
  fixes: PinFix[];
  /** The first fix of each dependency of the document that has one, from answers already cached (the document was checked). */
  fileFixes: PinFix[];
}

export async function pinFixesOf(session: Session, uri: string, state: DocumentState, dep: Dependency, facts: DependencyFacts): Promise<PinFixesFound> {
  const settings = session.settings;
  const [project, context] = await Promise.all([session.projects.of(uri, state), session.projects.findingContext(uri, state, settings)]);
  const source = session.sourceFor(state.parsed);
  const options = (d: Dependency): PinFixOptions => {
    const o: PinFixOptions = { knownVulnerabilities: knownVulnerabilities(source, d.name) };
    if (project.requiresPython !== undefined) o.projectPython = project.requiresPython;
    return o;
  };
  const fixes = pinFixes(dep, facts, findingsFor(dep, facts, context), options(dep));
  const fileFixes: PinFix[] = [];
  for (const other of state.parsed.dependencies) {
    if (!lookedUp(other, settings, session.trusted) || other.pinnedVersion === undefined) continue;
    const known = other === dep ? facts : peekFacts(other, source);
    const first = known && pinFixes(other, known, findingsFor(other, known, context), options(other))[0];
    if (first) fileFixes.push(first);
  }
  return { fixes, fileFixes };
}

/** What the JSON API said of a release's vulnerabilities, when it was asked already: a release it lists as vulnerable is no fix. */
function knownVulnerabilities(source: IndexSource, name: string): (version: string) => readonly string[] | undefined {
  return (version) => {
    const release = source.peekRelease(name, version);
    return release?.state === 'found' ? release.data.vulnerabilities.map((v) => v.id) : undefined;
  };
}
