/**
 * The documents open in the editor: their text, their parsed state by URI, the URI of each by path,
 * their pending re-checks, and the parses of the last few closed ones.
 */
import { TextDocuments, type Connection } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { fileKind, parseDocument, type FileKind } from '../core/analyze.js';
import type { ProjectContext } from '../core/projectContext.js';
import { hasScriptBlock } from '../core/script.js';
import type { LockView } from '../core/lock/view.js';
import type { ParsedFile, ParseProblem } from '../core/types.js';
import type { ManifestLockFindings } from '../handlers/lockContext.js';
import { uriPath, uriToPath } from '../paths.js';

export interface DocumentState {
  version: number;
  kind: FileKind;
  parsed: ParsedFile;
  timer?: NodeJS.Timeout;
  /** Re-checks of this text so far after failed lookups. */
  retries?: number;
  /** Its `-r`/`-c` includes that cannot be followed, checked on disk once per text. */
  includeProblems?: Promise<ParseProblem[]>;
  /** A lock file joined to its manifests, once per text. */
  lockJoined?: Promise<void>;
  /** A lock reopened with the same text: the view of its last join, which its join keeps if its manifests read the same. */
  earlierView?: LockView;
  /** A manifest: what the locks beside it say of its dependencies, as last checked. */
  lockFindings?: ManifestLockFindings;
  /** Its project's requires-python and cooldown, read once per text. */
  project?: Promise<ProjectContext>;
  /** A Python file without a PEP 723 block: nothing to parse, check or publish (kept so that edits stay debounced). */
  inert?: true;
}

/**
 * Closed documents whose parse is kept for a reopen of the same text (a tab closed and opened again,
 * a peek, a go-to-definition into a lock file): a lock of megabytes is not read again. Few, and small
 * enough in total, since each holds its text.
 */
const CLOSED_KEPT = 4;
const CLOSED_KEPT_CHARS = 32 * 1024 * 1024;

interface ClosedParse {
  kind: FileKind;
  text: string;
  parsed: ParsedFile;
  view?: LockView;
}

export class OpenDocuments {
  readonly documents = new TextDocuments(TextDocument);
  /** Parsed state by URI, for the version parsed last. */
  readonly states = new Map<string, DocumentState>();
  /** Open documents by path, with the URI the client gave each. */
  private readonly openByPath = new Map<string, string>();
  /** At most one pending re-check per open document, for its current text. */
  readonly retries = new Map<string, { state: DocumentState; timer: NodeJS.Timeout }>();
  /** By URI, oldest first. */
  private readonly closedParses = new Map<string, ClosedParse>();

  /** Starts following the client's open, change and close notifications. */
  listen(connection: Connection): void {
    this.documents.listen(connection);
  }

  get(uri: string): TextDocument | undefined {
    return this.documents.get(uri);
  }

  all(): TextDocument[] {
    return this.documents.all();
  }

  /** The open document of a file, whatever URI the client spelled it with. */
  atPath(file: string): TextDocument | undefined {
    const uri = this.openByPath.get(file);
    return uri === undefined ? undefined : this.documents.get(uri);
  }

  /** The document's parsed state for its current version (parsed now if it changed); undefined for a file that is not a dependency file. */
  parse(doc: TextDocument): DocumentState | undefined {
    const state = this.stateOf(doc);
    return state?.inert ? undefined : state;
  }

  /** As parse, but a Python file without a block has its (inert) state too. */
  stateOf(doc: TextDocument): DocumentState | undefined {
    const kind = fileKind(uriPath(doc.uri), doc.languageId);
    if (!kind) return undefined;
    const existing = this.states.get(doc.uri);
    if (existing && existing.version === doc.version) return existing;
    const text = doc.getText();
    // The editor sends every Python file: one without a block costs a substring search, not a parse.
    const inert = kind === 'script' && !hasScriptBlock(text);
    const closed = inert ? undefined : this.reopened(doc.uri, kind, text);
    const parsed = inert
      ? { dependencies: [], includes: [], indexUrls: [], problems: [] }
      : (closed?.parsed ?? parseDocument(kind, text, process.env, uriPath(doc.uri)));
    const state: DocumentState = { version: doc.version, kind, parsed };
    if (inert) state.inert = true;
    if (closed?.view) state.earlierView = closed.view;
    if (existing?.timer) state.timer = existing.timer;
    this.states.set(doc.uri, state);
    return state;
  }

  opened(uri: string): void {
    const file = uriToPath(uri);
    if (file) this.openByPath.set(file, uri);
    // A document opened again may start at the same version with another text.
    this.dropState(uri);
  }

  /** Forgets a closed document's state and pending work (keeping its parse for a reopen); returns its path, if it is a file. */
  closed(doc: TextDocument): string | undefined {
    const uri = doc.uri;
    const state = this.states.get(uri);
    if (state?.version === doc.version && !state.inert) {
      // The view goes aside: a reopened document shows none until its own join says it still holds.
      const view = state.parsed.lock;
      delete state.parsed.lock;
      this.keepClosed(uri, { kind: state.kind, text: doc.getText(), parsed: state.parsed, ...(view ? { view } : {}) });
    }
    const file = uriToPath(uri);
    if (file && this.openByPath.get(file) === uri) this.openByPath.delete(file);
    this.dropState(uri);
    const retry = this.retries.get(uri);
    if (retry) clearTimeout(retry.timer);
    this.retries.delete(uri);
    return file;
  }

  /** The parse of the text a document had when it was closed, if it opens again with that text. */
  private reopened(uri: string, kind: FileKind, text: string): ClosedParse | undefined {
    const closed = this.closedParses.get(uri);
    if (!closed) return undefined;
    this.closedParses.delete(uri);
    return closed.kind === kind && closed.text === text ? closed : undefined;
  }

  private keepClosed(uri: string, closed: ClosedParse): void {
    this.closedParses.delete(uri);
    if (closed.text.length > CLOSED_KEPT_CHARS) return;
    this.closedParses.set(uri, closed);
    let chars = 0;
    for (const c of this.closedParses.values()) chars += c.text.length;
    for (const [key, c] of this.closedParses) {
      if (this.closedParses.size <= CLOSED_KEPT && chars <= CLOSED_KEPT_CHARS) break;
      this.closedParses.delete(key);
      chars -= c.text.length;
    }
  }

  private dropState(uri: string): void {
    const state = this.states.get(uri);
    if (state?.timer) clearTimeout(state.timer);
    this.states.delete(uri);
  }
}
