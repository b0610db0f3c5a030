/**
 * Index tokens as the VS Code client hands them to the server: sealed with AES-256-GCM under a key
 * the client makes when it activates and passes in the server's environment (a restarted server gets
 * the same), which no protocol trace shows. A trace of the messages then holds only ciphertext. The origin is bound to the
 * ciphertext, so a sealed token cannot be replayed for another origin. Shared by client and server,
 * like protocol.ts: it imports nothing but node:crypto.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** The server's environment variable that holds the key (base64 of 32 bytes). */
export const TOKEN_KEY_ENV = 'PYPI_STATUS_TOKEN_KEY';

/** A token as it crosses the protocol: base64 of IV (12 bytes), tag (16 bytes) and ciphertext. */
export interface SealedToken {
  sealed: string;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A new random key, base64, for one activation of the client. */
export function newTokenKey(): string {
  return randomBytes(32).toString('base64');
}

/** The key of a base64 text, or undefined when it is not 32 bytes. */
export function readTokenKey(text: string | undefined): Buffer | undefined {
  if (text === undefined || !/^[A-Za-z0-9+/]{43}=$/.test(text)) return undefined;
  return Buffer.from(text, 'base64');
}

export function sealToken(token: { username: string; password: string }, origin: string, key: Buffer): SealedToken {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(origin, 'utf8'));
  const body = Buffer.concat([cipher.update(JSON.stringify({ username: token.username, password: token.password }), 'utf8'), cipher.final()]);
  return { sealed: Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64') };
}

/** The token inside, or undefined when it was not sealed for this origin with this key, or was altered. */
export function openToken(sealed: SealedToken, origin: string, key: Buffer): { username: unknown; password: unknown } | undefined {
  const raw = Buffer.from(sealed.sealed, 'base64');
  if (raw.length <= IV_BYTES + TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(origin, 'utf8'));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    const text = Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? (value as { username: unknown; password: unknown }) : undefined;
  } catch {
    return undefined;
  }
}

export function isSealed(value: unknown): value is SealedToken {
  return typeof value === 'object' && value !== null && typeof (value as { sealed?: unknown }).sealed === 'string';
}
