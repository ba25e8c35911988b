/**
 * The CounterStore contract (src/limits/counter-store.ts), for every implementation: call
 * `counterStoreContract('memory', () => new MemoryCounterStore())` from a test file (a shared store
 * such as Redis runs the same suite). Times are explicit epoch milliseconds, so nothing waits.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { CounterStore } from '../../src/limits/counter-store.js';

export interface ContractStore {
  store: CounterStore;
  /** Frees the store's resources (a connection); the memory store has none. */
  close?(): Promise<void>;
}

const second = 1000;

export function counterStoreContract(name: string, open: () => ContractStore | Promise<ContractStore>): void {
  describe(`CounterStore contract: ${name}`, () => {
    let opened: ContractStore | undefined;
    const fresh = async (): Promise<CounterStore> => {
      opened = await open();
      return opened.store;
    };
    afterEach(async () => {
      await opened?.close?.();
      opened = undefined;
    });

    windowTests(fresh);
    leaseTests(fresh);
  });
}

function windowTests(fresh: () => Promise<CounterStore>): void {
  test('take allows up to the limit, then refuses and adds nothing', async () => {
    const store = await fresh();
    const results = [];
    for (let index = 0; index < 4; index++) results.push(await store.take('k', 3, 10 * second, index * 100));
    assert.deepEqual(
      results.map((result) => [result.allowed, result.count]),
      [
        [true, 1],
        [true, 2],
        [true, 3],
        [false, 3],
      ],
    );
    assert.equal((await store.peek('k', 3, 10 * second, 400)).count, 3);
  });

  test('retryAfterMs is exactly the time until the oldest entry leaves the window', async () => {
    const store = await fresh();
    for (const at of [0, 100, 200]) await store.take('k', 3, second, at);
    assert.deepEqual(await store.take('k', 3, second, 500), { allowed: false, count: 3, retryAfterMs: 500 });
    assert.deepEqual(await store.take('k', 3, second, 999), { allowed: false, count: 3, retryAfterMs: 1 });
    // At 1000 the entry taken at 0 has left (an entry counts while now < time + window).
    assert.deepEqual(await store.take('k', 3, second, 1000), { allowed: true, count: 3, retryAfterMs: 0 });
  });

  test('the window slides: entries leave one by one', async () => {
    const store = await fresh();
    for (const at of [0, 300, 600]) await store.take('k', 10, second, at);
    const counts = [];
    for (const at of [999, 1000, 1299, 1300, 1600]) counts.push((await store.peek('k', 10, second, at)).count);
    assert.deepEqual(counts, [3, 2, 2, 1, 0]);
  });

  test('a take of cost n needs room for n, and waits for the n-th oldest entry when refused', async () => {
    const store = await fresh();
    for (const at of [0, 100, 200]) await store.take('k', 4, second, at);
    // Room for 3 more needs the two oldest (0 and 100) gone: at 1100.
    assert.deepEqual(await store.take('k', 4, second, 300, 3), { allowed: false, count: 3, retryAfterMs: 800 });
    assert.deepEqual(await store.take('k', 4, second, 300, 1), { allowed: true, count: 4, retryAfterMs: 0 });
    assert.deepEqual(await store.take('k', 4, second, 1100, 2), { allowed: true, count: 4, retryAfterMs: 0 });
  });

  test('peek reports the count and when one more fits, without changing anything', async () => {
    const store = await fresh();
    assert.deepEqual(await store.peek('k', 2, second, 0), { count: 0, retryAfterMs: 0 });
    await store.take('k', 2, second, 100);
    assert.deepEqual(await store.peek('k', 2, second, 150), { count: 1, retryAfterMs: 0 });
    await store.take('k', 2, second, 200);
    assert.deepEqual(await store.peek('k', 2, second, 250), { count: 2, retryAfterMs: 850 });
    assert.deepEqual(await store.peek('k', 2, second, 250), { count: 2, retryAfterMs: 850 });
  });

  test('giveBack removes the newest entries; reset forgets the key', async () => {
    const store = await fresh();
    for (const at of [0, 500]) await store.take('k', 5, second, at);
    await store.giveBack('k');
    assert.deepEqual(await store.peek('k', 5, second, 999), { count: 1, retryAfterMs: 0 });
    assert.equal((await store.peek('k', 5, second, 1000)).count, 0, 'the entry left was the oldest');
    await store.take('k', 5, second, 2000, 3);
    await store.giveBack('k', 2);
    assert.equal((await store.peek('k', 5, second, 2000)).count, 1);
    await store.reset('k');
    assert.equal((await store.peek('k', 5, second, 2000)).count, 0);
    await store.giveBack('absent');
    await store.reset('absent');
  });

  test('keys are independent', async () => {
    const store = await fresh();
    assert.equal((await store.take('a', 1, second, 0)).allowed, true);
    assert.equal((await store.take('a', 1, second, 0)).allowed, false);
    assert.equal((await store.take('b', 1, second, 0)).allowed, true);
  });

  test('an entry taken at an earlier time than the others (the clock stepped back) still counts', async () => {
    const store = await fresh();
    await store.take('k', 3, second, 5000);
    await store.take('k', 3, second, 4500);
    assert.equal((await store.peek('k', 3, second, 5400)).count, 2);
    assert.equal((await store.peek('k', 3, second, 5500)).count, 1);
  });

  test('parallel takes never exceed the limit', async () => {
    const store = await fresh();
    const results = await Promise.all(Array.from({ length: 20 }, () => store.take('k', 5, second, 0)));
    assert.equal(results.filter((result) => result.allowed).length, 5);
    assert.equal((await store.peek('k', 5, second, 0)).count, 5);
  });

  test('a limit below 1 or a cost outside 1..limit is a RangeError', async () => {
    const store = await fresh();
    await assert.rejects(store.take('k', 0, second, 0), RangeError);
    await assert.rejects(store.take('k', 2, second, 0, 3), RangeError);
    await assert.rejects(store.take('k', 2, second, 0, 0), RangeError);
  });
}

function leaseTests(fresh: () => Promise<CounterStore>): void {
  test('leases: up to max holders, then refused until one is released', async () => {
    const store = await fresh();
    const acquired = [];
    for (const id of ['a', 'b', 'c', 'd']) acquired.push(await store.acquireLease('s', 3, id, 60 * second, 0));
    assert.deepEqual(acquired, [true, true, true, false]);
    assert.equal(await store.countLeases('s', 0), 3);
    await store.releaseLease('s', 'b');
    assert.equal(await store.acquireLease('s', 3, 'd', 60 * second, 0), true);
    await store.releaseLease('s', 'unknown');
    assert.equal(await store.countLeases('s', 0), 3);
  });

  test('leases: acquiring a held id renews it, even when every slot is taken', async () => {
    const store = await fresh();
    await store.acquireLease('s', 2, 'a', second, 0);
    await store.acquireLease('s', 2, 'b', second, 0);
    assert.equal(await store.acquireLease('s', 2, 'a', second, 900), true);
    // At 1500, `b` (expired at 1000) is gone and `a` (renewed until 1900) is not.
    assert.equal(await store.countLeases('s', 1500), 1);
    assert.equal(await store.acquireLease('s', 2, 'c', second, 1500), true);
    assert.equal(await store.acquireLease('s', 2, 'd', second, 1500), false);
  });

  test('leases: an unrenewed lease expires after its ttl (a crashed holder frees its slot)', async () => {
    const store = await fresh();
    await store.acquireLease('s', 1, 'crashed', second, 0);
    assert.equal(await store.acquireLease('s', 1, 'next', second, 999), false);
    assert.equal(await store.acquireLease('s', 1, 'next', second, 1000), true);
    assert.equal(await store.countLeases('s', 1000), 1);
  });

  test('leases: keys are independent, and parallel acquires never exceed max', async () => {
    const store = await fresh();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, index) => store.acquireLease('s', 3, `id-${index}`, second, 0)),
    );
    assert.equal(results.filter(Boolean).length, 3);
    assert.equal(await store.acquireLease('other', 1, 'id-0', second, 0), true);
  });
}
