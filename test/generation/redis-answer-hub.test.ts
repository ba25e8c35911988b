/**
 * The Redis AnswerHub against a real Redis: the AnswerHub contract, then what only a shared hub does —
 * two hubs on their own connections (two instances) writing, finding, reading, following and stopping
 * each other's answers; a writer that dies without ending its answer; bounded memory in Redis however
 * many events; keys that expire; failing fast when Redis is unreachable; catching up after the
 * subscriber connection was cut.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AnswerEvent, AnswerHub, LiveAnswer } from '../../src/generation/answer-hub.js';
import { RedisAnswerHub, type RedisAnswerHubOptions } from '../../src/generation/redis-answer-hub.js';
import { SharedStateUnavailableError } from '../../src/redis/redis-connection.js';
import { pollUntil, withTimeout } from '../helpers/bounded.js';
import { closedPort, describeWithRedis, openTestRedis, startRedisProxy, type TestRedis } from '../helpers/redis.js';
import { answerHubContract } from './answer-hub-contract.js';

const answer = (answerId: string, overrides: Partial<LiveAnswer> = {}): LiveAnswer => ({
  answerId,
  conversationId: `conversation-of-${answerId}`,
  ownerId: 'user-ann',
  instanceId: 'instance-a',
  ...overrides,
});
const snapshot = (id: number, text: string): AnswerEvent => ({ id, kind: 'snapshot', data: `{"text": "${text}"}` });
const other = (id: number, data: string): AnswerEvent => ({ id, kind: 'event', data });
const done = (id: number): AnswerEvent => ({ id, kind: 'done', data: '[DONE]' });

/** A reader that records what it is given. */
async function follow(hub: AnswerHub, answerId: string, afterId: number) {
  const events: AnswerEvent[] = [];
  const subscription = await hub.subscribe(answerId, afterId, (event) => events.push(event));
  assert.ok(subscription, `the hub does not know ${answerId}`);
  const ended = () => events.at(-1)?.kind === 'done';
  const until = (what: string, condition: () => boolean, timeoutMs = 3_000) =>
    pollUntil(async () => (condition() ? true : undefined), what, { timeoutMs, intervalMs: 10 });
  return { events, subscription, ended, until };
}

/** Two hubs on the same prefix, each with its own connections (two server instances); disposed after `work`. */
async function withHubs(
  options: Partial<RedisAnswerHubOptions>,
  work: (a: RedisAnswerHub, b: RedisAnswerHub, redis: TestRedis) => Promise<void>,
): Promise<void> {
  const redis = await openTestRedis();
  const open = () => new RedisAnswerHub({ url: redis.url, prefix: redis.prefix, ...options });
  const [a, b] = [open(), open()];
  try {
    await work(a, b, redis);
  } finally {
    await Promise.all([a.dispose(), b.dispose()]);
    await redis.close();
  }
}

describeWithRedis('RedisAnswerHub', () => {
  answerHubContract('redis', async (retentionMs) => {
    const redis = await openTestRedis();
    return {
      hub: new RedisAnswerHub({ url: redis.url, prefix: redis.prefix, retentionMs }),
      close: () => redis.close(),
    };
  });

  test('redis: an answer written through one hub is found, read and followed through another', async () => {
    await withHubs({}, async (a, b) => {
      await a.open(answer('a1'));
      for (const event of [snapshot(1, ''), snapshot(2, 'Hel'), other(3, 'x'), snapshot(4, 'Hello')]) {
        await a.publish('a1', event);
      }
      assert.deepEqual(await b.find('user-ann', 'conversation-of-a1'), {
        answer: answer('a1'),
        live: true,
        lastEventId: 4,
      });
      assert.equal(await b.find('user-bob', 'conversation-of-a1'), undefined, 'another owner finds nothing');
      assert.equal(await b.get('user-bob', 'a1'), undefined);

      const fromStart = await follow(b, 'a1', 0);
      const fromMiddle = await follow(b, 'a1', 3);
      assert.deepEqual(fromStart.events, [other(3, 'x'), snapshot(4, 'Hello')]);
      assert.deepEqual(fromMiddle.events, [snapshot(4, 'Hello')]);
      await a.publish('a1', snapshot(5, 'Hello!'));
      await a.publish('a1', other(6, 'final'));
      await a.publish('a1', done(7));
      await a.end('a1');
      await fromStart.until('the reader from the start ended', fromStart.ended);
      await fromMiddle.until('the reader from the middle ended', fromMiddle.ended);
      assert.deepEqual(
        fromStart.events.map((event) => event.id),
        [3, 4, 5, 6, 7],
      );
      assert.deepEqual(
        fromMiddle.events.map((event) => event.id),
        [4, 5, 6, 7],
      );
      assert.deepEqual(await b.get('user-ann', 'a1'), { answer: answer('a1'), live: false, lastEventId: 7 });
    });
  });

  test('redis: readers subscribing while events pour in get each event once, in order', async () => {
    await withHubs({}, async (a, b) => {
      await a.open(answer('a1'));
      const writing = (async () => {
        for (let id = 1; id <= 300; id++)
          await a.publish('a1', id % 50 === 0 ? other(id, `e${id}`) : snapshot(id, `${id}`));
        await a.publish('a1', done(301));
      })();
      const readers = [];
      for (let index = 0; index < 10; index++) {
        readers.push(await follow(index % 2 ? a : b, 'a1', index * 7));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await writing;
      for (const reader of readers) {
        await reader.until('a reader ended', reader.ended);
        const ids = reader.events.map((event) => event.id);
        assert.deepEqual(
          ids,
          [...ids].sort((x, y) => x - y),
          'in order',
        );
        assert.equal(new Set(ids).size, ids.length, 'each once');
        for (const id of [50, 100, 150, 200, 250, 300, 301].filter((id) => id > (ids[0] ?? 0))) {
          assert.ok(ids.includes(id), `a reader missed event ${id} (it got ${ids.join(',')})`);
        }
      }
    });
  });

  test('redis: one subscriber connection per hub, whatever the number of readers', async () => {
    await withHubs({}, async (a, b, redis) => {
      await a.open(answer('a1'));
      for (let index = 0; index < 5; index++) {
        await follow(a, 'a1', 0);
        await follow(b, 'a1', 0);
      }
      const [, subscribers] = (await redis.admin.pubsub('NUMSUB', `${redis.prefix}answer:a1`)) as [string, number];
      assert.equal(subscribers, 2);
    });
  });

  test('redis: a stop requested through one hub reaches the listeners of every hub', async () => {
    await withHubs({}, async (a, b) => {
      const heard: string[] = [];
      await a.onStopRequest((answerId) => heard.push(`a:${answerId}`));
      await b.onStopRequest((answerId) => heard.push(`b:${answerId}`));
      await b.requestStop('a1');
      await pollUntil(async () => (heard.length === 2 ? true : undefined), 'the stop request did not arrive', {
        timeoutMs: 2_000,
        intervalMs: 10,
      });
      assert.deepEqual(heard.sort(), ['a:a1', 'b:a1']);
    });
  });

  test('redis: a writer that dies without ending its answer: readers get [DONE], find and get no longer offer it', async () => {
    const liveTtlMs = 300;
    await withHubs({ liveTtlMs, pollMs: 50 }, async (writer, reader) => {
      await writer.open(answer('a1'));
      await writer.publish('a1', snapshot(1, 'half'));
      await writer.publish('a1', snapshot(2, 'half an'));
      const follower = await follow(reader, 'a1', 0);
      // The writer's refreshes keep it live well past its liveness TTL.
      await new Promise((resolve) => setTimeout(resolve, 3 * liveTtlMs));
      assert.equal((await reader.get('user-ann', 'a1'))?.live, true);
      assert.deepEqual(follower.events, [snapshot(2, 'half an')]);

      await writer.dispose(); // as if killed: no end, no more refreshes
      await follower.until('the reader of a dead writer did not end', follower.ended, liveTtlMs + 2_000);
      assert.deepEqual(follower.events, [snapshot(2, 'half an'), done(3)]);
      // Its log ends in a stale snapshot: the hub no longer offers it (the stored message is the answer).
      assert.equal(await reader.find('user-ann', 'conversation-of-a1'), undefined);
      assert.equal(await reader.get('user-ann', 'a1'), undefined);
      const late = await follow(reader, 'a1', 0);
      assert.deepEqual(late.events, [snapshot(2, 'half an'), done(3)], 'a late reader ends too');
    });
  });

  test('redis: 2,000 snapshots leave one snapshot in Redis, however long the answer', async () => {
    await withHubs({}, async (a, b, redis) => {
      await a.open(answer('a1'));
      const follower = await follow(b, 'a1', 0);
      let text = '';
      for (let id = 1; id <= 2_000; id++) {
        text += 'word ';
        await a.publish('a1', snapshot(id, text));
      }
      await a.publish('a1', other(2_001, 'final'));
      await a.publish('a1', done(2_002));
      await follower.until('the reader ended', follower.ended, 10_000);
      assert.deepEqual(follower.events.at(-3), snapshot(2_000, text));
      const meta = `${redis.prefix}answer:a1`;
      assert.equal(await redis.admin.xlen(`${meta}:events`), 2, 'only the non-snapshot events are in the stream');
      const bytes = Number(await redis.admin.memory('USAGE', meta));
      assert.ok(bytes < 3 * text.length + 2_048, `the answer's hash holds ${bytes} bytes for ${text.length} of text`);
      assert.deepEqual((await redis.keys()).sort(), [
        meta,
        `${meta}:alive`,
        `${meta}:events`,
        `${redis.prefix}newest:user-ann:conversation-of-a1`,
      ]);
    });
  });

  test('redis: every key expires — after end, after retentionMs; with a dead writer, soon after too', async () => {
    await withHubs({ retentionMs: 200, liveTtlMs: 300 }, async (a, b, redis) => {
      await a.open(answer('ended'));
      await a.publish('ended', snapshot(1, 'x'));
      await a.publish('ended', done(2));
      await a.open(answer('abandoned', { conversationId: 'c2' }));
      await a.publish('abandoned', other(1, 'x'));
      for (const key of await redis.keys()) assert.ok((await redis.admin.pttl(key)) > 0, `${key} has no TTL`);
      await a.end('ended');
      await pollUntil(
        async () => ((await redis.keys()).some((key) => key.includes('ended')) ? undefined : true),
        'the ended answer was not forgotten',
        { timeoutMs: 3_000 },
      );
      assert.equal(await b.get('user-ann', 'ended'), undefined);
      await a.dispose();
      await pollUntil(async () => ((await redis.keys()).length === 0 ? true : undefined), 'keys were left', {
        timeoutMs: 3_000,
      });
    });
  });

  test('redis: an unreachable Redis is a SharedStateUnavailableError within ~2 s, for every call', async () => {
    const hub = new RedisAnswerHub({ url: `redis://127.0.0.1:${await closedPort()}` });
    try {
      const calls: (() => Promise<unknown>)[] = [
        () => hub.open(answer('a1')),
        () => hub.publish('a1', snapshot(1, 'x')),
        () => hub.end('a1'),
        () => hub.find('user-ann', 'c'),
        () => hub.get('user-ann', 'a1'),
        () => hub.subscribe('a1', 0, () => {}),
        () => hub.requestStop('a1'),
        () => hub.onStopRequest(() => {}),
      ];
      for (const call of calls) {
        await withTimeout(assert.rejects(call(), SharedStateUnavailableError), 2_500, 'a call to an unreachable Redis');
      }
    } finally {
      await hub.dispose();
    }
  });

  test('redis: a reader whose subscriber connection was cut catches up when it is back', async () => {
    const proxy = await startRedisProxy();
    const redis = await openTestRedis();
    const writer = new RedisAnswerHub({ url: redis.url, prefix: redis.prefix });
    const reader = new RedisAnswerHub({ url: proxy.url, prefix: redis.prefix, pollMs: 100 });
    try {
      await writer.open(answer('a1'));
      await writer.publish('a1', snapshot(1, 'a'));
      const follower = await follow(reader, 'a1', 0);
      await proxy.cut();
      await writer.publish('a1', snapshot(2, 'ab'));
      await writer.publish('a1', other(3, 'while away'));
      await writer.publish('a1', snapshot(4, 'abc'));
      await proxy.restore();
      await follower.until('the reader did not catch up', () => follower.events.length === 3, 5_000);
      await writer.publish('a1', done(5));
      await follower.until('the reader did not end', follower.ended);
      assert.deepEqual(follower.events, [snapshot(1, 'a'), other(3, 'while away'), snapshot(4, 'abc'), done(5)]);
    } finally {
      await Promise.all([writer.dispose(), reader.dispose()]);
      await redis.close();
      await proxy.close();
    }
  });

  test('redis: a writer cut off from Redis counts as dead too; a stalled Redis fails calls within ~2 s', async () => {
    const proxy = await startRedisProxy();
    const redis = await openTestRedis();
    const writer = new RedisAnswerHub({ url: proxy.url, prefix: redis.prefix, liveTtlMs: 300 });
    const reader = new RedisAnswerHub({ url: redis.url, prefix: redis.prefix, pollMs: 50 });
    try {
      await writer.open(answer('a1'));
      await writer.publish('a1', snapshot(1, 'a'));
      const follower = await follow(reader, 'a1', 0);
      proxy.stall();
      await withTimeout(
        assert.rejects(writer.publish('a1', snapshot(2, 'ab')), SharedStateUnavailableError),
        3_000,
        'publish to a stalled Redis',
      );
      await proxy.cut();
      await follower.until('the reader of a cut-off writer did not end', follower.ended, 3_000);
      assert.deepEqual(follower.events, [snapshot(1, 'a'), done(2)]);
      assert.equal(await reader.get('user-ann', 'a1'), undefined);
    } finally {
      await Promise.all([writer.dispose(), reader.dispose()]);
      await redis.close();
      await proxy.close();
    }
  });
});
