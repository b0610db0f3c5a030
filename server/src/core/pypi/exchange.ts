/** What every transport (Node's HTTP/1.1 and HTTP/2 clients, undici) offers: one GET and its response. */

/** A response whose status and headers have arrived; its body is read or discarded by the caller. */
export interface Exchange {
  status: number;
  header(name: string): string | undefined;
  body: AsyncIterable<Buffer>;
  /** Drops a small body so that the connection can be reused; a large one closes the connection instead. */
  discard(): Promise<void>;
  /** Stops reading: the connection is closed. */
  destroy(): void;
}

export interface Transport {
  /** Rejects when no response arrives (connection refused or reset, timeout, cancellation). */
  send(url: URL, headers: Record<string, string>, signal: AbortSignal): Promise<Exchange>;
  close(): Promise<void>;
}
