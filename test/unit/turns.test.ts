/** One answer's processing per turn of the event loop (server/src/core/pypi/turns.ts). */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { nextTurn } from '../../server/src/core/pypi/turns.js';

it('gives each waiter a turn of its own, with the event loop going round in between', async () => {
  const order: string[] = [];
  const a = nextTurn().then(() => order.push('a'));
  const b = nextTurn().then(() => order.push('b'));
  const c = nextTurn().then(() => order.push('c'));
  // Queued in the same turn as the first waiter: it runs before the second waiter, which is
  // scheduled only once the first has had its turn. Waiters resolved together would come first.
  setImmediate(() => order.push('other'));
  await Promise.all([a, b, c]);
  assert.deepEqual(order, ['a', 'other', 'b', 'c']);
  // And it starts again after going idle.
  await nextTurn();
});
