/** The server's log lines, which go to the client's output. */
import type { Connection } from 'vscode-languageserver/node';

/** Plain functions, not methods: the session keeps them apart from this object. */
export interface Log {
  /** A line with the time it was written. */
  log: (message: string) => void;
  warn: (message: string) => void;
}

export function connectionLog(connection: Connection): Log {
  return {
    log: (message: string) => connection.console.log(`[${new Date().toISOString()}] ${message}`),
    warn: (message: string) => connection.console.warn(message),
  };
}

export function errorText(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}
