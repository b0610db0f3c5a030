/** textDocument/codeAction: quick fixes for the dependency under the cursor (replace it, silence it). */
import { LSPErrorCodes, ResponseError, type CodeAction, type Connection } from 'vscode-languageserver/node';
import { lookedUp } from '../core/analyze.js';
import { gatherFacts } from '../core/findings.js';
import { codeActions, type DependencyInFile } from '../lsp/codeActions.js';
import { pinFixActions } from '../lsp/pinFixActions.js';
import { overlaps } from '../lsp/positions.js';
import { ADD_TO_IGNORE_COMMAND, DIAGNOSTIC_SOURCE } from '../protocol.js';
import { errorText } from '../session/log.js';
import type { Session } from '../session/session.js';
import { alternativesIfFlagged, withDeadline } from './lookups.js';
import { uriToPath } from '../paths.js';
import { directDependencyAction } from './lockNavigation.js';
import { pinFixesOf } from './pinFixes.js';

/** The longest code actions wait for the index (a replacement needs its answers; ignoring does not). */
const CODE_ACTION_DEADLINE_MS = 2000;

export function registerCodeActions(connection: Connection, session: Session): void {
  connection.onCodeAction(async (params, token): Promise<CodeAction[]> => {
    session.notShutDown();
    await session.ready;
    const doc = session.documents.get(params.textDocument.uri);
    const state = doc && session.documents.parse(doc);
    if (!doc || !state) return [];
    const dep = state.parsed.dependencies.find((d) => d.url === undefined && overlaps(d.nameRange, params.range));
    if (!dep) return [];
    try {
      const diagnostics = params.context.diagnostics.filter((d) => d.source === DIAGNOSTIC_SOURCE && overlaps(d.range, dep.nameRange));
      const source = session.sourceFor(state.parsed, uriToPath(params.textDocument.uri));
      // A lightbulb is asked for at every move of the cursor: it answers within a deadline (or at
      // a cancellation) with what is known, and the lookups go on to fill the cache.
      const cancelled = new Promise<undefined>((resolve) => token.onCancellationRequested(() => resolve(undefined)));
      const within = <T>(work: Promise<T>) => Promise.race([withDeadline(work, CODE_ACTION_DEADLINE_MS), cancelled]);
      // Checking a pin fix's release may take several lookups in turn: together they keep to one deadline.
      const until = Date.now() + CODE_ACTION_DEADLINE_MS;
      const withinTotal = <T>(work: Promise<T>) => Promise.race([withDeadline(work, Math.max(0, until - Date.now())), cancelled]);
      const facts = lookedUp(dep, session.settings, session.trusted) ? await within(gatherFacts(dep, source)) : undefined;
      if (token.isCancellationRequested) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'cancelled');
      // Nothing edits a lock file (its tool regenerates it), nor a Pipfile key, whose value's form varies.
      const editable = dep.form !== 'lock-entry' && dep.form !== 'pipfile-key';
      const context = await session.projects.findingContext(doc.uri, state, session.settings);
      const alternatives = facts && editable ? ((await within(alternativesIfFlagged(dep, facts, context, session.settings, source))) ?? []) : [];
      const everywhere: DependencyInFile[] = [];
      for (const [uri, other] of session.documents.states) {
        // A line the user silenced stays as it is.
        for (const d of other.parsed.dependencies) {
          if (d.normalizedName === dep.normalizedName && d.url === undefined && !d.ignored && d.form !== 'lock-entry' && d.form !== 'pipfile-key')
            everywhere.push({ uri, dependency: d });
        }
      }
      const pins = facts ? await pinFixesOf(session, doc.uri, state, dep, facts, withinTotal) : { fixes: [], fileFixes: [] };
      const pinActions = pinFixActions({ uri: doc.uri, ...pins, diagnostics, preferredTaken: alternatives.length > 0 });
      const others = codeActions({
        uri: doc.uri,
        dependency: dep,
        diagnostics,
        replaceable: alternatives.length > 0,
        alternatives,
        everywhere,
        clientCanIgnoreInSettings: session.capabilities.clientCommands.has(ADD_TO_IGNORE_COMMAND),
      });
      const toDirect = await directDependencyAction(session, state, uriToPath(doc.uri), dep);
      return [...(toDirect ? [toDirect] : []), ...pinActions, ...others];
    } catch (e) {
      if (e instanceof ResponseError) throw e;
      session.log(`code actions failed: ${errorText(e)}`);
      return [];
    }
  });
}
