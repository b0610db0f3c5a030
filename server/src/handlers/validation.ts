/** Checking open documents: debounced after edits, published in parts while the index answers, re-checked with back-off after failures. */
import * as path from 'node:path';
import { MessageType, ShowMessageNotification, type Connection } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { lockOf, lookedUp, type AnalyzedDependency } from '../core/analyze.js';
import type { Dependency } from '../core/types.js';
import { joinOpenLock, manifestLockFindings, type ManifestLockFindings } from './lockContext.js';
import { findingsFor, gatherFacts, incompleteReason, peekFacts, type DependencyFacts } from '../core/findings.js';
import { followIncludes, includeTarget } from '../core/workspaceScan.js';
import { lockCandidates } from '../core/lock/view.js';
import { toDiagnostics } from '../lsp/diagnostics.js';
import { uncheckedOf } from '../lsp/unchecked.js';
import { UncheckedMessages } from '../lsp/uncheckedMessages.js';
import { isUnder, uriToPath } from '../paths.js';
import { UNCHECKED_NOTIFICATION, type UncheckedParams } from '../protocol.js';
import type { DocumentState } from '../session/documents.js';
import { errorText } from '../session/log.js';
import type { Session } from '../session/session.js';

/**
 * A document whose lookups failed is re-checked no sooner than this, whatever the back-off
 * says, and each further failed re-check of the same text waits twice as long, up to RETRY_MAX_MS:
 * an answer such as 403, which sets no back-off for the index, must not mean a re-check every second.
 */
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 10 * 60_000;
/** While a cold analysis runs, findings so far are published this often. */
const PARTIAL_PUBLISH_MS = 500;

export class DocumentChecks {
  /** Documents that have had diagnostics published while open: a script whose block goes has them cleared once. */
  private readonly published = new Set<string>();
  /** For clients without the unchecked notification: what they were told of dependencies left unchecked. */
  private readonly uncheckedMessages = new UncheckedMessages();

  constructor(
    private readonly connection: Connection,
    private readonly session: Session,
  ) {}

  /** Whether diagnostics were published for the document since it was opened (forgotten here: it is closing). */
  takePublished(uri: string): boolean {
    return this.published.delete(uri);
  }

  /** Checks the document after `delay` ms (at once for 0), replacing a check of it still waiting. */
  schedule(doc: TextDocument, delay: number): void {
    const { documents, log } = this.session;
    const previous = documents.states.get(doc.uri);
    if (previous?.timer) clearTimeout(previous.timer);
    const run = () => {
      const state = documents.stateOf(doc);
      if (!state) return;
      delete state.timer;
      if (!state.inert) void this.validate(doc.uri, state).catch((e: unknown) => log(`validation failed for ${doc.uri}: ${errorText(e)}`));
      else {
        // A script whose block was deleted: what was said of its dependencies goes, and their failures no longer last.
        this.uncheckedMessages.forget(doc.uri);
        if (this.published.delete(doc.uri)) void this.connection.sendDiagnostics({ uri: doc.uri, version: state.version, diagnostics: [] });
      }
    };
    if (delay === 0) return run();
    if (previous) previous.timer = setTimeout(run, delay);
    else setTimeout(run, delay);
  }

  async validate(uri: string, state: DocumentState): Promise<void> {
    const session = this.session;
    await session.ready;
    if (session.shutDown) return;
    const current = session.settings;
    const wasTrusted = session.trusted;
    const file = uriToPath(uri);
    const client = session.sourceFor(state.parsed, file);
    // Granting trust re-checks the same text against the index its file names: the check begun before is stale.
    const isCurrent = () => session.documents.states.get(uri) === state && session.settings === current && session.trusted === wasTrusted;
    const deps = state.parsed.dependencies.filter((d) => lookedUp(d, current, wasTrusted));
    // A lock file: joined to its manifests for the chains, which only the diagnostics need: the lookups
    // do not wait for it (reading and parsing the manifests overlaps the first round trips), publishing does.
    // A manifest: judged by the locks beside it.
    const joining = file && current.lockFiles && lockOf(state.parsed) ? (state.lockJoined ??= joinOpenLock(session, file, state)) : undefined;
    let joined = joining === undefined;
    // A failed join fails the check where it is awaited (publishWithLocks), as it did before.
    void joining?.then(
      () => (joined = true),
      () => undefined,
    );
    let lockFindings: ManifestLockFindings | undefined;
    const locks = file
      ? manifestLockFindings(session, file, state.kind, current, wasTrusted).then((r) => void (lockFindings = state.lockFindings = r))
      : undefined;
    const sourceOf = (d: Dependency) => (d.registry === undefined ? client : session.registryFor(d.registry));
    // An include that cannot be followed is shown on its line, as a scan shows it.
    const includeProblems =
      file && state.parsed.includes.length > 0 ? await (state.includeProblems ??= followIncludes(state.parsed, file).then((r) => r.problems)) : [];
    const shown = includeProblems.length > 0 ? { ...state.parsed, problems: [...state.parsed.problems, ...includeProblems] } : state.parsed;
    // Indexed like `deps`, so diagnostics come out in document order whatever order answers arrive in.
    const results: (AnalyzedDependency | undefined)[] = Array.from({ length: deps.length }, () => undefined);
    // The project's cooldown and the workspace's own projects, as a scan applies them.
    const context = await session.projects.findingContext(uri, state, current);
    const analyzed = (i: number, facts: DependencyFacts) => (results[i] = { dependency: deps[i]!, facts, findings: findingsFor(deps[i]!, facts, context) });
    const publish = () => {
      if (!isCurrent() || !joined) return;
      this.published.add(uri);
      const known = results.filter((r): r is AnalyzedDependency => r !== undefined);
      const withLocks = lockFindings?.problems.length ? { ...shown, problems: [...shown.problems, ...lockFindings.problems] } : shown;
      void this.connection.sendDiagnostics({
        uri,
        version: state.version,
        diagnostics: toDiagnostics(withLocks, known, current, client, lockFindings?.transitive),
      });
      if (session.capabilities.notifications.has(UNCHECKED_NOTIFICATION)) {
        const unchecked: UncheckedParams = { uri, version: state.version, unchecked: uncheckedOf(known) };
        void this.connection.sendNotification(UNCHECKED_NOTIFICATION, unchecked);
      }
    };
    const publishWithLocks = async () => {
      await joining;
      publish();
      if (locks === undefined) return;
      await locks;
      if (lockFindings && (lockFindings.transitive.length > 0 || lockFindings.problems.length > 0)) publish();
    };
    // What the cache already knows (memory, or disk after a restart) is used at once, without a promise:
    // an edit pays only for the dependencies it changed.
    const pending: number[] = [];
    deps.forEach((dep, i) => {
      const facts = peekFacts(dep, sourceOf(dep));
      if (facts) analyzed(i, facts);
      else pending.push(i);
    });
    // Once every lookup has its answer (never from a partial publication): what is left unchecked.
    const tellUnchecked = () => {
      if (isCurrent()) this.tellUnchecked(uri, file, results, sourceOf);
    };
    if (pending.length === 0) {
      await publishWithLocks();
      return tellUnchecked();
    }

    // Statuses come from the simple API alone: they are published as soon as all are known,
    // before the JSON API's answers (vulnerabilities, the inactive classifier) complete the picture.
    let statusesLeft = pending.length;
    let finished = false;
    const partial = setInterval(() => !finished && publish(), PARTIAL_PUBLISH_MS);
    try {
      await Promise.all(
        pending.map(async (i) => {
          const facts = await gatherFacts(deps[i]!, sourceOf(deps[i]!), (early) => {
            analyzed(i, early);
            if (--statusesLeft === 0 && client.hasJsonApi) publish();
          });
          analyzed(i, facts);
        }),
      );
    } finally {
      finished = true;
      clearInterval(partial);
    }
    await publishWithLocks();
    tellUnchecked();
    // Lookups the index could not answer are tried again by themselves once its back-off is over.
    // (An old answer shown because the index failed counts too; a release never asked for does not.)
    const failed = results.some((d) => d !== undefined && incompleteReason(d.facts) !== undefined);
    if (failed && isCurrent()) this.scheduleRetry(uri, state, client.retryDelay());
  }

  private scheduleRetry(uri: string, state: DocumentState, delay: number): void {
    const { documents, log } = this.session;
    if (this.session.shutDown) return;
    const pending = documents.retries.get(uri);
    if (pending?.state === state) return;
    // A re-check pending for an older text would find it gone and do nothing: this text needs its own.
    if (pending) clearTimeout(pending.timer);
    const attempt = state.retries ?? 0;
    state.retries = attempt + 1;
    const backoff = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** attempt);
    const timer = setTimeout(
      () => {
        documents.retries.delete(uri);
        const doc = documents.get(uri);
        if (doc && documents.states.get(uri) === state) void this.validate(uri, state).catch((e: unknown) => log(`retry failed for ${uri}: ${errorText(e)}`));
      },
      Math.max(backoff, delay + 50),
    );
    timer.unref();
    documents.retries.set(uri, { state, timer });
  }

  /** Open documents that include `file` or a file under it (`-r`/`-c`): whether it can be followed may have changed. */
  recheckIncluders(file: string): void {
    const { documents, log } = this.session;
    for (const doc of documents.all()) {
      const state = documents.states.get(doc.uri);
      const from = uriToPath(doc.uri);
      const affected = (inc: { path: string }) => {
        const target = includeTarget(inc.path, from!);
        return typeof target === 'string' && (target === file || isUnder(target, file));
      };
      if (!state || !from || !state.parsed.includes.some(affected)) continue;
      delete state.includeProblems;
      void this.validate(doc.uri, state).catch((e: unknown) => log(`validation failed for ${doc.uri}: ${errorText(e)}`));
    }
  }

  /**
   * Open manifests judged by `lock`, which changed on disk (`uv lock` rewrote it, or it was created
   * or deleted): their `transitive` and `lock-outdated` findings follow it.
   */
  recheckLockedBy(lock: string): void {
    const { documents, log } = this.session;
    for (const doc of documents.all()) {
      const state = documents.states.get(doc.uri);
      const from = uriToPath(doc.uri);
      if (!state || state.inert || !from || !lockCandidates(from).includes(lock)) continue;
      void this.validate(doc.uri, state).catch((e: unknown) => log(`validation failed for ${doc.uri}: ${errorText(e)}`));
    }
  }

  /** To a client without the unchecked notification: a warning for dependencies left unchecked that it was not told of yet. */
  private tellUnchecked(uri: string, file: string | undefined, results: (AnalyzedDependency | undefined)[], sourceOf: (d: Dependency) => { key: string }) {
    if (this.session.capabilities.notifications.has(UNCHECKED_NOTIFICATION)) return;
    const unchecked = results.flatMap((r) => {
      const reason = r && incompleteReason(r.facts);
      return r === undefined || reason === undefined ? [] : [{ sourceKey: sourceOf(r.dependency).key, reason }];
    });
    for (const message of this.uncheckedMessages.update(uri, file ? this.shownName(file) : uri, unchecked))
      void this.connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Warning, message });
  }

  /** A file as a message names it: by its path in its workspace folder, since a workspace may hold several requirements.txt. */
  private shownName(file: string): string {
    const folder = this.session.folders.filter((f) => isUnder(file, f)).sort((a, b) => b.length - a.length)[0];
    return folder === undefined ? path.basename(file) : path.relative(folder, file).split(path.sep).join('/');
  }

  /** A closed document: its unchecked dependencies no longer count as a failure still going on. */
  forget(uri: string): void {
    this.uncheckedMessages.forget(uri);
  }

  /** At shutdown: no re-check is left waiting. */
  stopRetries(): void {
    for (const { timer } of this.session.documents.retries.values()) clearTimeout(timer);
  }
}
