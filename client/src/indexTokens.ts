/**
 * Tokens for indexes that refuse requests, kept in VS Code's SecretStorage under a key per origin
 * (the list of origins in globalState). Loaded before the server starts, so that they reach it in
 * initializationOptions ahead of any lookup; entered when the server says an index refused a
 * request; forgotten by a command. A token is never written to settings, logs or the output.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { INDEX_TOKEN_NOTIFICATION, type IndexRefusedParams, type IndexToken, type IndexTokenParams } from '../../server/src/protocol.js';
import { sealToken } from '../../server/src/tokenSeal.js';
import { knownOrigins, ORIGINS_KEY, secretKey, storedToken, tokenFromInput, updateOrigins, validateTokenInput } from './tokenInput';

export const FORGET_TOKENS_COMMAND = 'pypiStatus.forgetIndexTokens';
const ENTER_TOKEN = 'Enter Token…';

export class IndexTokenStore {
  /** The tokens loaded or entered, by origin: initializationOptions is built from these, synchronously. */
  private readonly tokens = new Map<string, IndexToken>();
  /** Origins whose prompt is open: a second refusal must not open another. */
  private readonly prompting = new Set<string>();

  /**
   * @param key the key of this server start (TOKEN_KEY_ENV in its environment): every token goes
   * sealed with it, so that a protocol trace shows only ciphertext.
   */
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly key: Buffer,
  ) {}

  private origins(): string[] {
    return knownOrigins(this.context.globalState.get<unknown>(ORIGINS_KEY));
  }

  /** Reads every stored token. SecretStorage may fail (no keyring): the server then starts without them. */
  async load(): Promise<void> {
    for (const origin of this.origins()) {
      const token = storedToken(await Promise.resolve(this.context.secrets.get(secretKey(origin))).catch(() => undefined));
      if (token) this.tokens.set(origin, token);
    }
  }

  /** For initializationOptions: every token known now, sealed. */
  current(): IndexTokenParams[] {
    return [...this.tokens].map(([origin, token]) => ({ origin, token: sealToken(token, origin, this.key) }));
  }

  /** The server says an index refused a request: offer to enter a token for its origin. */
  async refused(client: LanguageClient, refusal: IndexRefusedParams): Promise<void> {
    const { label, origin } = refusal;
    if (typeof label !== 'string' || typeof origin !== 'string' || this.prompting.has(origin)) return;
    this.prompting.add(origin);
    try {
      const choice = await vscode.window.showWarningMessage(`index \`${label}\` refused the request: enter a token`, ENTER_TOKEN);
      if (choice !== ENTER_TOKEN) return;
      const text = await vscode.window.showInputBox({
        title: `Token for ${origin}`,
        prompt: `A token for index \`${label}\` (${origin}), or user:token. It is kept in VS Code's secret storage and sent to ${origin} only.`,
        password: true,
        ignoreFocusOut: true,
        validateInput: validateTokenInput,
      });
      const token = text === undefined ? undefined : tokenFromInput(text);
      if (!token) return;
      await this.store(origin, token);
      await client.sendNotification(INDEX_TOKEN_NOTIFICATION, { origin, token: sealToken(token, origin, this.key) } satisfies IndexTokenParams);
    } finally {
      this.prompting.delete(origin);
    }
  }

  private async store(origin: string, token: IndexToken): Promise<void> {
    this.tokens.set(origin, token);
    try {
      await this.context.secrets.store(secretKey(origin), JSON.stringify(token));
      await this.context.globalState.update(ORIGINS_KEY, updateOrigins(this.context.globalState.get<unknown>(ORIGINS_KEY), origin, true));
    } catch (e) {
      // Used for this session all the same; the message names the failure, never the token.
      void vscode.window.showWarningMessage(
        `PyPI Status: the token for ${origin} could not be stored (${e instanceof Error ? e.message : String(e)}); it is used until VS Code closes.`,
      );
    }
  }

  /** Forgets every token, here, in SecretStorage and in the server. */
  async forget(client: LanguageClient | undefined): Promise<void> {
    const origins = new Set([...this.origins(), ...this.tokens.keys()]);
    this.tokens.clear();
    for (const origin of origins) {
      await Promise.resolve(this.context.secrets.delete(secretKey(origin))).catch(() => undefined);
      if (client?.isRunning())
        await client.sendNotification(INDEX_TOKEN_NOTIFICATION, { origin, token: null } satisfies IndexTokenParams).catch(() => undefined);
    }
    await this.context.globalState.update(ORIGINS_KEY, []);
    void vscode.window.showInformationMessage(
      origins.size === 0 ? 'PyPI Status: no index token was stored.' : `PyPI Status: forgot the tokens of ${[...origins].join(', ')}.`,
    );
  }
}
