/** The background lane (src/background-lane.ts): tasks in order, results and errors passed on, yielding per budget. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BackgroundLane } from '../../src/background-lane.js';

function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Busy, as parsing a big body is.
  }
}

test('tasks run in the order given; each result and error reaches its caller', async () => {
  const lane = new BackgroundLane();
  const order: number[] = [];
  const results = await Promise.allSettled([
    lane.run(() => order.push(1)),
    lane.run(() => {
      order.push(2);
      throw new Error('bad batch');
    }),
    lane.run(() => {
      order.push(3);
      return 'third';
    }),
  ]);
  assert.deepEqual(order, [1, 2, 3]);
  assert.deepEqual(
    results.map((result) => (result.status === 'fulfilled' ? result.value : (result.reason as Error).message)),
    [1, 'bad batch', 'third'],
  );
  assert.equal(lane.waiting, 0);
});

test('nothing runs before the current turn ends, and the lane yields once its budget is spent', async () => {
  const lane = new BackgroundLane(5);
  let done = 0;
  const all = Array.from({ length: 10 }, () =>
    lane.run(() => {
      spin(3);
      done += 1;
    }),
  );
  assert.equal(done, 0, 'a task ran synchronously');
  // Scheduled after the lane's turn: it runs once the lane has spent its budget, not after all ten tasks.
  const doneWhenOthersRan = await new Promise<number>((resolve) => setImmediate(() => resolve(done)));
  await Promise.all(all);
  assert.equal(done, 10);
  assert.ok(doneWhenOthersRan >= 1 && doneWhenOthersRan <= 3, `${doneWhenOthersRan} tasks ran before others could`);
});
