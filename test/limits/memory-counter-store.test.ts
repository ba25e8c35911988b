/**
 * The in-process counter store: the CounterStore contract, and its memory bounds (a key holds at most
 * `limit` entries, expired keys are swept, the number of keys is capped).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryCounterStore } from '../../src/limits/memory-counter-store.js';
import { counterStoreContract } from './counter-store-contract.js';

counterStoreContract('memory', () => ({ store: new MemoryCounterStore() }));

const minute = 60_000;

test('memory: a key never holds more than its limit, however often it is hit', async () => {
  const store = new MemoryCounterStore();
  for (let index = 0; index < 10_000; index++) await store.take('flood', 5, minute, index);
  assert.deepEqual(store.size(), { keys: 1, entries: 5 });
});

test('memory: refused takes and peeks store nothing', async () => {
  const store = new MemoryCounterStore();
  await store.peek('never-taken', 5, minute, 0);
  await store.countLeases('never-leased', 0);
  await store.take('full', 1, minute, 0);
  await store.take('full', 1, minute, 1);
  assert.deepEqual(store.size(), { keys: 1, entries: 1 });
});

test('memory: keys whose entries and leases have all expired are swept without being touched again', async () => {
  const store = new MemoryCounterStore({ sweepEvery: 100 });
  for (let index = 0; index < 500; index++) await store.take(`ip-${index}`, 3, minute, 0);
  for (let index = 0; index < 50; index++) await store.acquireLease(`user-${index}`, 3, 'lease', minute, 0);
  assert.equal(store.size().keys, 550);
  // One key is touched after every window has passed; the sweep drops the other 550.
  for (let index = 0; index < 600; index++) await store.take('live', 1000, minute, 2 * minute);
  assert.deepEqual(store.size(), { keys: 1, entries: 600 });
});

test('memory: beyond maxKeys the oldest keys are forgotten, so the key count stays bounded', async () => {
  const store = new MemoryCounterStore({ maxKeys: 100 });
  for (let index = 0; index < 10_000; index++) {
    await store.take(`ip-${index}`, 30, minute, index);
    await store.acquireLease(`user-${index}`, 3, 'lease', minute, index);
  }
  assert.deepEqual(store.size(), { keys: 200, entries: 200 });
  assert.equal((await store.peek('ip-9999', 30, minute, 10_000)).count, 1, 'the newest key is kept');
  assert.equal((await store.peek('ip-0', 30, minute, 10_000)).count, 0, 'the oldest key was forgotten');
});
