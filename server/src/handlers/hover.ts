/** textDocument/hover: the card of the dependency under the cursor, answered within a deadline. */
import type { Connection, Hover } from 'vscode-languageserver/node';
import { ORIGIN_LABEL } from '../core/alternatives.js';
import { attestedRelease, distinctPublishers, type PublisherState } from '../core/attestations.js';
import { gatherFacts, type DependencyFacts } from '../core/findings.js';
import type { IndexSource } from '../core/pypi/client.js';
import type { Dependency } from '../core/types.js';
import { hoverMarkdown, hoverPlainText, type HoverContext } from '../core/hover.js';
import { uriToPath } from '../paths.js';
import { dependencyAt } from '../lsp/positions.js';
import { errorText } from '../session/log.js';
import type { Session } from '../session/session.js';
import { alternativesIfFlagged, withDeadline } from './lookups.js';
import { lockHoverLines } from './lockContext.js';
import { text as markdownText } from '../core/markdown.js';

/** The longest a hover waits for the index before answering with what is known. */
const HOVER_DEADLINE_MS = 80;

export function registerHover(connection: Connection, session: Session): void {
  connection.onHover(async (params): Promise<Hover | null> => {
    session.notShutDown();
    await session.ready;
    const doc = session.documents.get(params.textDocument.uri);
    if (!doc) return null;
    const state = session.documents.parse(doc);
    if (!state) return null;
    const dep = dependencyAt(state.parsed, params.position);
    if (!dep || dep.url !== undefined) return null;
    const hoverFormat = session.capabilities.hoverFormat;
    if (dep.nameFromEnvironment && !session.trusted) {
      return {
        contents: { kind: hoverFormat, value: 'This name comes from an environment variable: it is looked up only in a trusted workspace.' },
        range: dep.nameRange,
      };
    }
    try {
      const file = uriToPath(params.textDocument.uri);
      const source = dep.registry === undefined ? session.sourceFor(state.parsed, file) : session.registryFor(dep.registry);
      // A hover answers at once: if the index is slow or hanging, it says so instead of waiting.
      const pending: DependencyFacts = { project: { state: 'unknown', reason: 'the index has not answered yet; hover again in a moment' } };
      const deadline = Date.now() + HOVER_DEADLINE_MS;
      const facts = (await withDeadline(gatherFacts(dep, source), HOVER_DEADLINE_MS)) ?? pending;
      const context = await session.projects.findingContext(params.textDocument.uri, state, session.settings);
      const flagged = alternativesIfFlagged(dep, facts, context, session.settings, source);
      const publisher = publisherFor(dep, facts, source, deadline);
      const alternatives = ((await withDeadline(flagged, Math.max(0, deadline - Date.now()))) ?? []).map((alt) => ({
        name: alt.name,
        origin: ORIGIN_LABEL[alt.origin],
      }));
      // The page on the index that answered (an unusable index has none).
      const page = source.projectPage(dep.name);
      const ctx: HoverContext = page ? { projectPage: page, alternatives } : { alternatives };
      const index = facts.project.state === 'unknown' ? undefined : source.answeredBy?.(dep.name);
      if (index !== undefined) ctx.index = index;
      const notUsed = session.notUsed(state.parsed, file);
      if (notUsed.length > 0) ctx.notUsed = notUsed;
      const published = await publisher;
      if (published) ctx.publisher = published;
      const card = hoverFormat === 'markdown' ? hoverMarkdown(dep, facts, ctx) : hoverPlainText(dep, facts, ctx);
      // Names in a chain are the lock's text: in Markdown they are escaped as the card's are.
      const lockLines = lockHoverLines(state.parsed, dep, state.lockFindings).map((l) =>
        hoverFormat === 'markdown' ? markdownText(l).replace(/^\\- /, '- ') : l,
      );
      const value = lockLines.length > 0 ? `${card}\n\n${lockLines.join('\n')}` : card;
      return { contents: { kind: hoverFormat, value }, range: dep.nameRange };
    } catch (e) {
      session.log(`hover failed: ${errorText(e)}`);
      return null;
    }
  });
}

/**
 * The Trusted Publisher of the release the card describes, asked of the index only now (never when
 * a file is opened): what arrives before the deadline, else "being fetched" while the lookup goes on
 * and fills the cache for the next hover.
 */
async function publisherFor(dep: Dependency, facts: DependencyFacts, source: IndexSource, deadline: number): Promise<PublisherState | undefined> {
  if (facts.project.state !== 'found' || !source.provenance) return undefined;
  const url = attestedRelease(dep, facts.project.data)?.files.provenanceUrl;
  if (url === undefined) return undefined;
  const lookup = await withDeadline(source.provenance(dep.name, url), Math.max(0, deadline - Date.now()));
  if (lookup === undefined) return { state: 'fetching' };
  if (lookup.state === 'found') return { state: 'found', publishers: distinctPublishers(lookup.data.map((b) => b.publisher)) };
  if (lookup.state === 'not-found') return { state: 'unavailable', reason: 'the index has no provenance object where its page says' };
  return { state: 'unavailable', reason: lookup.reason };
}
