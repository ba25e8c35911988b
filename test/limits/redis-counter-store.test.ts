/**
 * The Redis counter store against a real Redis: the CounterStore contract, instances counting together,
 * keys that expire, and failing fast (never hanging) when Redis is unreachable, silent or gone for a while.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RedisCounterStore } from '../../src/limits/redis-counter-store.js';
import { closeRedis, openRedis, SharedStateUnavailableError } from '../../src/redis/redis-connection.js';
import { pollUntil, withTimeout } from '../helpers/bounded.js';
import {
  closedPort,
  describeWithRedis,
  openTestRedis,
  startRedisProxy,
  startSilentServer,
  type TestRedis,
} from '../helpers/redis.js';
import { counterStoreContract } from './counter-store-contract.js';

const minute = 60_000;

/** Runs `work` with a fresh prefix on the test Redis, then deletes its keys. */
async function withTestRedis(work: (redis: TestRedis) => Promise<void>): Promise<void> {
  const redis = await openTestRedis();
  try {
    await work(redis);
  } finally {
    await redis.close();
  }
}

/** Every method of `store` rejects with SharedStateUnavailableError, each within `withinMs`. */
async function assertUnavailable(store: RedisCounterStore, withinMs: number): Promise<void> {
  const calls = [
    () => store.take('k', 3, minute, 0),
    () => store.peek('k', 3, minute, 0),
    () => store.giveBack('k'),
    () => store.reset('k'),
    () => store.acquireLease('s', 3, 'a', minute, 0),
    () => store.releaseLease('s', 'a'),
    () => store.countLeases('s', 0),
  ];
  for (const call of calls) {
    await withTimeout(assert.rejects(call(), SharedStateUnavailableError), withinMs, 'a call to an unavailable Redis');
  }
}

describeWithRedis('RedisCounterStore', () => {
  counterStoreContract('redis', async () => {
    const redis = await openTestRedis();
    return { store: new RedisCounterStore(redis.connect(), { prefix: redis.prefix }), close: () => redis.close() };
  });

  test('redis: two stores on two connections share one limit and one lease set', async () => {
    await withTestRedis(async (redis) => {
      const first = new RedisCounterStore(redis.connect(), { prefix: redis.prefix });
      const second = new RedisCounterStore(redis.connect(), { prefix: redis.prefix });
      const takes = await Promise.all(
        Array.from({ length: 20 }, (_, index) => (index % 2 ? first : second).take('user', 7, minute, 1_000)),
      );
      assert.equal(takes.filter((take) => take.allowed).length, 7);
      assert.deepEqual(await second.peek('user', 7, minute, 1_000), { count: 7, retryAfterMs: minute });
      await first.giveBack('user', 2);
      assert.equal((await second.take('user', 7, minute, 1_001, 2)).allowed, true);
      assert.equal(await first.acquireLease('streams', 2, 'a', minute, 0), true);
      assert.equal(await second.acquireLease('streams', 2, 'b', minute, 0), true);
      assert.equal(await first.acquireLease('streams', 2, 'c', minute, 0), false);
      await second.releaseLease('streams', 'a');
      assert.equal(await first.acquireLease('streams', 2, 'c', minute, 0), true);
    });
  });

  test('redis: real epoch-millisecond times (13 digits) count and expire exactly', async () => {
    await withTestRedis(async (redis) => {
      const store = new RedisCounterStore(redis.connect(), { prefix: redis.prefix });
      const now = 1_764_000_000_123;
      for (const at of [now, now, now + 1]) assert.equal((await store.take('k', 3, minute, at)).allowed, true);
      assert.deepEqual(await store.take('k', 3, minute, now + 2), {
        allowed: false,
        count: 3,
        retryAfterMs: minute - 2,
      });
      assert.deepEqual(await store.peek('k', 3, minute, now + minute), { count: 1, retryAfterMs: 0 });
      assert.equal(await store.acquireLease('s', 1, 'a', minute, now), true);
      assert.equal(await store.acquireLease('s', 1, 'b', minute, now + minute - 1), false);
      assert.equal(await store.acquireLease('s', 1, 'b', minute, now + minute), true);
    });
  });

  test('redis: a store on another prefix counts apart', async () => {
    await withTestRedis(async (redis) => {
      const client = redis.connect();
      const mine = new RedisCounterStore(client, { prefix: redis.prefix });
      const other = new RedisCounterStore(client, { prefix: `${redis.prefix}other:` });
      await mine.take('k', 1, minute, 0);
      assert.equal((await other.take('k', 1, minute, 0)).allowed, true);
    });
  });

  test('redis: every key expires — a window with its newest entry, a lease set with its longest lease', async () => {
    await withTestRedis(async (redis) => {
      const store = new RedisCounterStore(redis.connect(), { prefix: redis.prefix });
      await store.take('long', 5, minute, 10_000);
      await store.take('stepped-back', 5, 1_000, 5_000);
      await store.take('stepped-back', 5, 1_000, 4_500);
      await store.acquireLease('leases', 3, 'short', 1_000, 0);
      await store.acquireLease('leases', 3, 'long', 30_000, 0);
      const ttl = async (key: string) => redis.admin.pttl(`${redis.prefix}limits:${key}`);
      assert.ok((await ttl('window:long')) > minute - 5_000, 'a window lasts its length');
      // The newest entry (taken at 5000) leaves at 6000: 1500 ms after the last take's time (4500).
      const stepped = await ttl('window:stepped-back');
      assert.ok(stepped > 1_000 && stepped <= 1_500, `stepped-back window ttl ${stepped}`);
      const leases = await ttl('lease:leases');
      assert.ok(leases > 25_000 && leases <= 30_000, `lease set ttl ${leases}`);

      await store.take('brief', 5, 150, 0);
      await store.acquireLease('brief', 1, 'a', 150, 0);
      await pollUntil(
        async () => ((await redis.keys()).some((key) => key.endsWith(':brief')) ? undefined : true),
        'the brief keys did not expire',
        { timeoutMs: 3_000 },
      );
      assert.deepEqual((await redis.keys()).sort(), [
        `${redis.prefix}limits:lease:leases`,
        `${redis.prefix}limits:window:long`,
        `${redis.prefix}limits:window:stepped-back`,
      ]);
    });
  });

  test('redis: a refused take and a peek store nothing; giving everything back leaves no key', async () => {
    await withTestRedis(async (redis) => {
      const store = new RedisCounterStore(redis.connect(), { prefix: redis.prefix });
      await store.peek('never-taken', 5, minute, 0);
      await store.countLeases('never-leased', 0);
      for (let index = 0; index < 50; index++) await store.take('flood', 3, minute, index);
      assert.equal(await redis.admin.zcard(`${redis.prefix}limits:window:flood`), 3);
      await store.giveBack('flood', 3);
      assert.deepEqual(await redis.keys(), []);
    });
  });

  test('redis: an unreachable Redis (nothing on the port) is a SharedStateUnavailableError at once', async () => {
    const client = openRedis(`redis://127.0.0.1:${await closedPort()}`);
    try {
      await assertUnavailable(new RedisCounterStore(client), 2_500);
    } finally {
      await closeRedis(client);
    }
  });

  test('redis: a Redis that accepts connections but never answers fails within ~2 s, not later', async () => {
    const silent = await startSilentServer();
    const client = openRedis(silent.url);
    try {
      const store = new RedisCounterStore(client);
      await withTimeout(assert.rejects(store.take('k', 3, minute, 0), SharedStateUnavailableError), 3_000, 'take');
    } finally {
      await closeRedis(client);
      await silent.close();
    }
  });

  test('redis: the store fails fast while Redis is away and recovers by itself when it is back', async () => {
    const proxy = await startRedisProxy();
    await withTestRedis(async (redis) => {
      const store = new RedisCounterStore(redis.connect(proxy.url), { prefix: redis.prefix });
      assert.equal((await store.take('k', 5, minute, 0)).count, 1);
      await proxy.cut();
      await assertUnavailable(store, 2_500);
      await proxy.restore();
      const recovered = await pollUntil(
        async () => (await store.take('k', 5, minute, 1)).count,
        'the store did not recover after Redis came back',
        { timeoutMs: 5_000, intervalMs: 100 },
      );
      assert.equal(recovered, 2, 'nothing was counted while Redis was away, nothing twice');
    }).finally(() => proxy.close());
  });

  test('redis: a Redis that stops answering fails each call within ~2 s, and serves again once it answers', async () => {
    const proxy = await startRedisProxy();
    await withTestRedis(async (redis) => {
      const store = new RedisCounterStore(redis.connect(proxy.url), { prefix: redis.prefix });
      assert.equal((await store.take('k', 5, minute, 0)).count, 1);
      proxy.stall();
      await withTimeout(assert.rejects(store.take('k', 5, minute, 1), SharedStateUnavailableError), 3_000, 'take');
      await withTimeout(assert.rejects(store.countLeases('s', 1), SharedStateUnavailableError), 3_000, 'count');
      proxy.resume();
      await pollUntil(
        async () => ((await store.peek('k', 5, minute, 2)).count > 0 ? true : undefined),
        'the store did not answer again',
        { timeoutMs: 5_000, intervalMs: 100 },
      );
    }).finally(() => proxy.close());
  });
});
