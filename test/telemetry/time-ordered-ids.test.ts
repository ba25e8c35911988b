/** Time-ordered UUIDs (src/ids.ts): version 7, increasing with time and within a millisecond. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomIds, timeOrderedUuids } from '../../src/ids.js';

const uuidV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('ids carry the millisecond in their first 48 bits and are version-7 UUIDs', () => {
  const next = timeOrderedUuids(randomIds);
  const ms = Date.UTC(2026, 11, 2, 21, 0, 0, 123);
  const id = next(ms);
  assert.match(id, uuidV7);
  assert.equal(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16), ms);
});

test('each id is greater than the one before: same millisecond, clock going back, over 4,096 in a millisecond', () => {
  const next = timeOrderedUuids(randomIds);
  const times = [1_000, 1_000, 1_000.7, 999, 1_001, ...Array(5_000).fill(1_002), 1_003, 5_000];
  const ids = times.map((ms) => next(ms));
  for (const id of ids) assert.match(id, uuidV7);
  for (let index = 1; index < ids.length; index++) {
    assert.ok((ids[index] as string) > (ids[index - 1] as string), `${ids[index - 1]} then ${ids[index]}`);
  }
  assert.equal(new Set(ids).size, ids.length);
});
