/**
 * `work`'s outcome, or a rejection with the signal's reason as soon as it aborts. Work that is
 * given up goes on unobserved, and its failure can then no longer become an unhandled rejection.
 */
export function abortable<T>(work: T | Promise<T>, signal: AbortSignal): Promise<T> {
  if (!(work instanceof Promise)) return Promise.resolve(work);
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(reasonOf(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      work.catch(() => undefined);
      reject(reasonOf(signal));
    };
    signal.addEventListener('abort', abort, { once: true });
    // The value, or the failure as it is, once the signal is no longer listened to.
    work.finally(() => signal.removeEventListener('abort', abort)).then(resolve, reject);
  });
}

function reasonOf(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}
