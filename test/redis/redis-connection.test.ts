/**
 * Redis connections: waiting for Redis at start-up (one clear line, a clear error, never the password),
 * and Redis failures reaching HTTP as a 503 with Retry-After.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  describeRedisUrl,
  SharedStateUnavailableError,
  toSharedStateError,
  waitForRedis,
} from '../../src/redis/redis-connection.js';
import { toErrorReply } from '../../src/server/errors.js';
import { withTimeout } from '../helpers/bounded.js';
import { closedPort, describeWithRedis, redisTestUrl, startRedisProxy } from '../helpers/redis.js';

test('a Redis failure is a 503 with Retry-After and a detail for people', () => {
  const error = toSharedStateError(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
  assert.ok(error instanceof SharedStateUnavailableError);
  assert.deepEqual(toErrorReply(error), {
    status: 503,
    body: { detail: 'Redis is unavailable right now; try again in a moment' },
    headers: { 'retry-after': '5' },
  });
});

test('a Redis reply rejecting the command itself (a bug) stays what it is; "loading" is unavailability', () => {
  const reply = (message: string) => Object.assign(new Error(message), { name: 'ReplyError' });
  const wrongType = reply('WRONGTYPE Operation against a key holding the wrong kind of value');
  assert.equal(toSharedStateError(wrongType), wrongType);
  assert.ok(
    toSharedStateError(reply('LOADING Redis is loading the dataset in memory')) instanceof SharedStateUnavailableError,
  );
});

test('describeRedisUrl names the host and port, never the user or password', () => {
  assert.equal(describeRedisUrl('redis://backchat:s3cret@redis.internal:6380/2'), 'redis.internal:6380');
  assert.equal(describeRedisUrl('redis://127.0.0.1'), '127.0.0.1:6379');
  assert.equal(describeRedisUrl('not a url'), 'an unparsable Redis URL');
});

test('waitForRedis says once why it waits, then gives up with what to do — without the password', async () => {
  const port = await closedPort();
  const lines: string[] = [];
  const waiting = waitForRedis(`redis://backchat:s3cret-pw@127.0.0.1:${port}`, {
    onProgress: (line) => lines.push(line),
    timeoutMs: 600,
    retryMs: 100,
  });
  const error = await withTimeout(
    waiting.then(
      () => assert.fail('waitForRedis resolved without Redis'),
      (failure: Error) => failure,
    ),
    3_000,
    'waitForRedis',
  );
  assert.deepEqual(lines, [`waiting for Redis at 127.0.0.1:${port} (ECONNREFUSED)… is it running? check REDIS_URL`]);
  assert.match(
    error.message,
    /^Redis at 127\.0\.0\.1:\d+ did not answer within 600 ms \(ECONNREFUSED\): start Redis, or set REDIS_URL/,
  );
  assert.doesNotMatch(`${lines.join('')} ${error.message}`, /s3cret-pw/);
});

describeWithRedis('waitForRedis against a real Redis', () => {
  test('it returns at once when Redis answers', async () => {
    const lines: string[] = [];
    await withTimeout(waitForRedis(redisTestUrl, { onProgress: (line) => lines.push(line) }), 3_000, 'waitForRedis');
    assert.deepEqual(lines, []);
  });

  test('it returns once Redis comes up', async () => {
    const proxy = await startRedisProxy();
    try {
      await proxy.cut();
      const lines: string[] = [];
      const waiting = waitForRedis(proxy.url, {
        onProgress: (line) => lines.push(line),
        timeoutMs: 5_000,
        retryMs: 50,
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await proxy.restore();
      await withTimeout(waiting, 5_000, 'waitForRedis');
      assert.equal(lines.length, 1);
    } finally {
      await proxy.close();
    }
  });

  test('credentials Redis refuses fail at once, naming the setting and not the password', async () => {
    const url = new URL(redisTestUrl);
    url.username = 'backchat-nobody';
    url.password = 's3cret-pw';
    const error = await withTimeout(
      waitForRedis(url.toString(), { timeoutMs: 10_000, setting: 'BACKCHAT_REDIS_URL' }).then(
        () => assert.fail('waitForRedis accepted wrong credentials'),
        (failure: Error) => failure,
      ),
      3_000,
      'waitForRedis',
    );
    assert.match(error.message, /refused the credentials .*check the user and password in BACKCHAT_REDIS_URL/);
    assert.doesNotMatch(error.message, /s3cret-pw/);
  });
});
