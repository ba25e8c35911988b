/**
 * The analytics event buffer (src/telemetry/event-buffer.ts) writing into a real store, on every
 * database: the interval, the size trigger, chunks, close, back-pressure, and a failing write retried
 * without losing its events.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ServiceUnavailableError } from '../../src/domain-errors.js';
import type { AnalyticsEvent, Store } from '../../src/store/store.js';
import { EventBuffer, type EventBufferOptions } from '../../src/telemetry/event-buffer.js';
import { forEachDatabase } from '../helpers/databases.js';
import { withDatabase } from '../store/store-fixtures.js';

function events(from: number, count: number): AnalyticsEvent[] {
  return Array.from({ length: count }, (_, offset) => {
    const index = from + offset;
    return {
      id: `event-${String(index).padStart(6, '0')}`,
      userId: 'user-ann',
      claimedUserId: null,
      anonymousId: 'anon-1',
      type: 'track',
      event: `Event ${index}`,
      messageId: `ajs-${index}`,
      timestamp: '2026-12-02T10:00:00.000Z',
      properties: { index },
      context: { library: { name: 'analytics.js' } },
      receiveTime: 1_700_000_000 + index / 1000,
    };
  });
}

type Insert = (events: AnalyticsEvent[]) => Promise<void>;

/** A buffer writing with `insert` (a store's, or a failing one), recording each chunk's size and every log line. */
function bufferOn(insert: Insert, options: Partial<EventBufferOptions> = {}) {
  const chunks: number[] = [];
  const logs: string[] = [];
  const buffer = new EventBuffer({
    write: async (written) => {
      chunks.push(written.length);
      await insert(written);
    },
    log: (message) => logs.push(message),
    ...options,
  });
  return { buffer, chunks, logs };
}

async function stored(store: Store): Promise<string[]> {
  return (await store.listAnalyticsEvents('user-ann')).map((event) => event.id);
}

/** Polls until `check` holds, for at most `ms`. */
async function eventually(check: () => Promise<boolean>, ms = 5_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) assert.fail(`not true within ${ms} ms`);
    await sleep(10);
  }
}

forEachDatabase((kind) => {
  test(`${kind}: accepted events are written within the interval, not before`, () =>
    withDatabase(kind, async ({ store }) => {
      const { buffer } = bufferOn((written) => store.insertAnalyticsEvents(written), { intervalMs: 300 });
      const added = performance.now();
      buffer.add(events(0, 3));
      await sleep(50);
      const early = await stored(store);
      // Only meaningful while the interval has not passed (a loaded machine can hold this test back).
      if (performance.now() - added < 250) {
        assert.deepEqual(early, [], 'written before the interval');
        assert.equal(buffer.size, 3);
      }
      await eventually(async () => (await stored(store)).length === 3, 3_000);
      // The rows can be seen (another connection) a moment before the write's own await resumes and
      // takes them off the queue.
      await eventually(async () => buffer.size === 0, 1_000);
      await buffer.close();
    }));

  test(`${kind}: enough waiting events start a write at once, in chunks, in order`, () =>
    withDatabase(kind, async ({ store }) => {
      const { buffer, chunks } = bufferOn((written) => store.insertAnalyticsEvents(written), {
        intervalMs: 60_000,
        flushAtEvents: 100,
        chunkEvents: 40,
        maxChunkEvents: 40,
      });
      buffer.add(events(0, 60));
      await sleep(100);
      assert.deepEqual(await stored(store), [], 'under the size trigger, the long interval holds them');
      buffer.add(events(60, 50));
      await eventually(async () => (await stored(store)).length === 110);
      assert.deepEqual(chunks, [40, 40, 30]);
      assert.deepEqual(
        await stored(store),
        events(0, 110).map((event) => event.id),
      );
      await buffer.close();
    }));

  test(`${kind}: flush() resolves once everything accepted is written; close() writes the rest and refuses more`, () =>
    withDatabase(kind, async ({ store }) => {
      const { buffer } = bufferOn((written) => store.insertAnalyticsEvents(written), { intervalMs: 60_000 });
      buffer.add(events(0, 5));
      await buffer.flush();
      assert.equal((await stored(store)).length, 5);
      buffer.add(events(5, 7));
      await buffer.close();
      assert.equal((await stored(store)).length, 12);
      assert.throws(() => buffer.add(events(12, 1)), ServiceUnavailableError);
    }));

  test(`${kind}: over capacity a batch is refused whole (503 with a retry delay) and nothing is queued`, () =>
    withDatabase(kind, async ({ store }) => {
      const { buffer } = bufferOn((written) => store.insertAnalyticsEvents(written), {
        intervalMs: 60_000,
        capacity: 10,
      });
      buffer.add(events(0, 8));
      const refused = (() => {
        try {
          buffer.add(events(8, 3));
        } catch (error) {
          return error;
        }
        return undefined;
      })();
      assert.ok(refused instanceof ServiceUnavailableError);
      assert.equal(refused.status, 503);
      assert.ok(refused.retryAfterSeconds >= 1);
      assert.match(refused.message, /Too many analytics events are waiting to be stored/);
      assert.equal(buffer.size, 8);
      buffer.add(events(8, 2));
      await buffer.flush();
      assert.equal((await stored(store)).length, 10);
      buffer.add(events(10, 3));
      await buffer.close();
      assert.equal((await stored(store)).length, 13);
    }));

  test(`${kind}: a failing write is logged and retried with backoff; no event is lost or written twice`, () =>
    withDatabase(kind, async ({ store }) => {
      let failuresLeft = 3;
      const attempts: number[] = [];
      const { buffer, logs } = bufferOn(
        async (written) => {
          attempts.push(Date.now());
          if (failuresLeft-- > 0) throw new Error('database is down');
          await store.insertAnalyticsEvents(written);
        },
        { intervalMs: 10, retryFirstMs: 40, retryMaxMs: 1_000 },
      );
      buffer.add(events(0, 4));
      await eventually(async () => (await stored(store)).length === 4);
      assert.equal(attempts.length, 4);
      const [first = 0, second = 0, third = 0] = attempts.slice(1).map((at, index) => at - (attempts[index] as number));
      assert.ok(
        first >= 35 && second >= 75 && third >= 155 && third > first,
        `backoff ${first}, ${second}, ${third} ms`,
      );
      assert.equal(logs.length, 3);
      assert.match(logs[0] ?? '', /could not write 4 analytics event\(s\) \(attempt 1\): database is down; retrying/);
      assert.deepEqual(
        await stored(store),
        events(0, 4).map((event) => event.id),
      );
      await buffer.close();
    }));

  test(`${kind}: over the high-water mark a new batch waits for the writer to catch up, at most roomWaitMs`, () =>
    withDatabase(kind, async ({ store }) => {
      let release: () => void = () => {};
      let gate: Promise<void> = Promise.resolve();
      const { buffer } = bufferOn(
        async (written) => {
          await gate;
          await store.insertAnalyticsEvents(written);
        },
        { intervalMs: 60_000, flushAtEvents: 10, chunkEvents: 10, maxChunkEvents: 10, highWater: 20, roomWaitMs: 150 },
      );
      await buffer.room(); // Nothing waits: at once.
      gate = new Promise((resolve) => {
        release = resolve;
      });
      buffer.add(events(0, 45));
      let sizeWhenLetThrough = -1;
      const waiting = buffer.room().then(() => {
        sizeWhenLetThrough = buffer.size;
      });
      await sleep(30);
      assert.equal(sizeWhenLetThrough, -1, 'let through while the writer is behind');
      release();
      await waiting;
      assert.ok(sizeWhenLetThrough <= 20, `let through with ${sizeWhenLetThrough} waiting`);
      await buffer.flush();
      // A writer that does not move: the batch goes on after roomWaitMs all the same.
      gate = new Promise(() => {});
      buffer.add(events(45, 30));
      const started = Date.now();
      await buffer.room();
      assert.ok(Date.now() - started >= 140, 'waited less than roomWaitMs');
      assert.ok(buffer.size > 20);
    }));

  test(`${kind}: on close, a write that keeps failing is given up after the grace and the loss is logged`, () =>
    withDatabase(kind, async () => {
      const { buffer, logs } = bufferOn(
        async () => {
          throw new Error('database is down');
        },
        { intervalMs: 60_000, retryFirstMs: 20, retryMaxMs: 40 },
      );
      buffer.add(events(0, 6));
      await buffer.close(200);
      assert.equal(buffer.size, 0);
      assert.match(
        logs.at(-1) ?? '',
        /6 accepted analytics event\(s\) could not be written before shutdown and are lost/,
      );
    }));
});
