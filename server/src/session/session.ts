/** The state the handlers share: the client's capabilities, the configuration, the index, the open documents and the scanned files. */
import { ErrorCodes, ResponseError, type Connection } from 'vscode-languageserver/node';
import type { IndexSource } from '../core/pypi/client.js';
import type { Settings } from '../core/settings.js';
import type { IndexRefusedParams } from '../protocol.js';
import type { ParsedFile } from '../core/types.js';
import { ClientCapabilities } from './capabilities.js';
import { Configuration } from './configuration.js';
import { OpenDocuments } from './documents.js';
import { CurrentIndex } from './indexEnvironment.js';
import { IndexTokens } from './indexTokens.js';
import { readTokenKey, TOKEN_KEY_ENV } from '../tokenSeal.js';
import { connectionLog } from './log.js';
import { LockAnalyses } from './lockAnalyses.js';
import { ProjectContexts } from './projectContexts.js';
import { ScannedFiles } from './scannedFiles.js';

export class Session {
  readonly capabilities = new ClientCapabilities();
  readonly configuration: Configuration;
  readonly index: CurrentIndex;
  readonly documents = new OpenDocuments();
  readonly scanned = new ScannedFiles();
  /** The locks beside open manifests, analysed once per state of their files. */
  readonly lockAnalyses = new LockAnalyses();
  readonly projects = new ProjectContexts(this.documents);
  /** Tokens for indexes, from the client (memory only), opened with the key the client put in the environment. */
  readonly tokens = new IndexTokens(takeTokenKey());
  /** Hears of an index that refused a request (set by the handler that tells the client). */
  onIndexRefused: (refusal: IndexRefusedParams) => void = () => undefined;
  /** The workspace folders, as paths. */
  folders: string[] = [];
  shutDown = false;
  readonly log: (message: string) => void;
  readonly warn: (message: string) => void;

  constructor(connection: Connection) {
    ({ log: this.log, warn: this.warn } = connectionLog(connection));
    this.configuration = new Configuration(connection, this.capabilities, this.warn, () => this.index.replace());
    this.index = new CurrentIndex(this.configuration, this.log, () => this.folders, {
      secret: this.tokens.lookup,
      onRefused: (refusal) => this.onIndexRefused(refusal),
    });
  }

  get settings(): Settings {
    return this.configuration.settings;
  }

  get trusted(): boolean {
    return this.capabilities.trusted;
  }

  /** Resolves once the settings are known: nothing is looked up before. */
  get ready(): Promise<void> {
    return this.configuration.ready;
  }

  /**
   * The index for a document: what its installer's configuration names (see core/indexConfig), the
   * workspace's own only when it is trusted. (A property: it is handed on as a function.)
   */
  readonly sourceFor = (parsed: ParsedFile, file?: string): IndexSource => this.index.get().pool.sourceFor(parsed, this.trusted, file);

  /** What the document names that an untrusted workspace does not use, for the hover. */
  notUsed(parsed: ParsedFile, file: string | undefined): string[] {
    if (file === undefined || this.trusted) return [];
    return this.index.get().pool.planFor(parsed, file, false)?.untrusted ?? [];
  }

  /** The source for a lock file's package locked from a registry other than PyPI: asked only in a trusted workspace. */
  readonly registryFor = (url: string): IndexSource => this.index.get().pool.registry(url, this.trusted);

  /** LSP: after `shutdown`, every request but `exit` is an error. */
  notShutDown(): void {
    if (this.shutDown) throw new ResponseError(ErrorCodes.InvalidRequest, 'the server is shutting down');
  }
}

/** The key for sealed tokens, out of the environment: nothing that reads or passes on the environment afterwards sees it. */
function takeTokenKey(): Buffer | undefined {
  const key = readTokenKey(process.env[TOKEN_KEY_ENV]);
  delete process.env[TOKEN_KEY_ENV];
  return key;
}
