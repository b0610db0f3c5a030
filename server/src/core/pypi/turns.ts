/**
 * Work that follows an answer from the index (decoding it, storing it, the findings it
 * leads to) waits for a turn of its own, one answer per turn of the event loop. Between
 * turns Node reads whatever else has arrived, so an answer that frees a connection
 * sends the next request at once instead of after every other answer's processing:
 * with 16 answers arriving together, the last one otherwise waited for the other 15.
 */
const waiting: (() => void)[] = [];
let scheduled = false;

export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => {
    waiting.push(resolve);
    if (!scheduled) {
      scheduled = true;
      setImmediate(runOne);
    }
  });
}

function runOne(): void {
  // Scheduled from inside the check phase, the next immediate runs after the loop has polled for I/O again.
  const next = waiting.shift();
  if (waiting.length > 0) setImmediate(runOne);
  else scheduled = false;
  next?.();
}
