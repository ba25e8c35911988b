/**
 * The hub of one instance among several (memory for its own answers, mirrored to Redis for the other
 * instances): the AnswerHub contract, then what it adds — another instance reads and stops the answer
 * through Redis, a slow mirror sends fewer snapshots but never a stale one, and this process's readers
 * keep their answer when Redis goes away.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AnswerEvent, LiveAnswer } from '../../src/generation/answer-hub.js';
import { LocalFirstAnswerHub } from '../../src/generation/local-first-answer-hub.js';
import { MemoryAnswerHub } from '../../src/generation/memory-answer-hub.js';
import { RedisAnswerHub } from '../../src/generation/redis-answer-hub.js';
import { pollUntil } from '../helpers/bounded.js';
import { describeWithRedis, openTestRedis, startRedisProxy } from '../helpers/redis.js';
import { answerHubContract } from './answer-hub-contract.js';

const answer: LiveAnswer = { answerId: 'a1', conversationId: 'c1', ownerId: 'ann', instanceId: 'instance-1' };
const snapshot = (id: number): AnswerEvent => ({ id, kind: 'snapshot', data: `{"parts": ["${'x'.repeat(id)}"]}` });
const until = (what: string, condition: () => boolean) =>
  pollUntil(async () => (condition() ? true : undefined), what, { timeoutMs: 5_000, intervalMs: 10 });

describeWithRedis('local-first answer hub', () => {
  answerHubContract('local-first over redis', async (retentionMs) => {
    const redis = await openTestRedis();
    const shared = new RedisAnswerHub({ url: redis.url, prefix: redis.prefix, retentionMs });
    return { hub: new LocalFirstAnswerHub(new MemoryAnswerHub(retentionMs), shared), close: () => redis.close() };
  });

  test('another instance follows the answer through Redis to its end, and its stop reaches the writer', async () => {
    const redis = await openTestRedis();
    const writer = new LocalFirstAnswerHub(
      new MemoryAnswerHub(),
      new RedisAnswerHub({ url: redis.url, prefix: redis.prefix }),
    );
    const other = new LocalFirstAnswerHub(
      new MemoryAnswerHub(),
      new RedisAnswerHub({ url: redis.url, prefix: redis.prefix }),
    );
    try {
      const stops: string[] = [];
      await writer.onStopRequest((id) => stops.push(id));
      await writer.open(answer);
      for (let id = 1; id <= 200; id++) await writer.publish(answer.answerId, snapshot(id));
      const seen: AnswerEvent[] = [];
      const found = await other.find('ann', 'c1');
      assert.equal(found?.answer.answerId, 'a1');
      assert.equal(await other.find('bob', 'c1'), undefined, 'scoped by owner');
      const subscription = await other.subscribe('a1', 0, (event) => seen.push(event));
      assert.ok(subscription);
      await other.requestStop('a1');
      await until('the stop reaches the writer', () => stops.includes('a1'));
      await writer.publish('a1', { id: 201, kind: 'done', data: '[DONE]' });
      await writer.end('a1');
      await until('the reader reaches [DONE]', () => seen.at(-1)?.kind === 'done');
      const ids = seen.map((event) => event.id);
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => a - b),
        'in order',
      );
      assert.equal(new Set(ids).size, ids.length, 'nothing twice');
      const lastSnapshot = seen.filter((event) => event.kind === 'snapshot').at(-1);
      assert.equal(lastSnapshot?.id, 200, 'the newest snapshot arrives');
      assert.equal((await other.get('ann', 'a1'))?.live, false);
    } finally {
      await writer.dispose();
      await other.dispose();
      await redis.close();
    }
  });

  test('with Redis gone mid-answer, this process still serves its own readers to the end', async () => {
    const redis = await openTestRedis();
    const proxy = await startRedisProxy();
    const hub = new LocalFirstAnswerHub(
      new MemoryAnswerHub(),
      new RedisAnswerHub({ url: proxy.url, prefix: redis.prefix }),
    );
    try {
      await hub.open(answer);
      const seen: AnswerEvent[] = [];
      await hub.subscribe('a1', 0, (event) => seen.push(event));
      await hub.publish('a1', snapshot(1));
      await proxy.cut();
      for (let id = 2; id <= 50; id++) await hub.publish('a1', snapshot(id));
      await hub.publish('a1', { id: 51, kind: 'done', data: '[DONE]' });
      await hub.end('a1');
      await until('the local reader ends', () => seen.at(-1)?.kind === 'done');
      assert.equal(seen.length, 51);
      assert.equal((await hub.find('ann', 'c1'))?.answer.answerId, 'a1', 'found locally while Redis is down');
    } finally {
      await hub.dispose();
      await proxy.close();
      await redis.close();
    }
  });
});
