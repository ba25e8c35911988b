/**
 * The limit policies over the memory store with a clock the test moves: message caps (all models and
 * per model, exact retry times, refunds), concurrent answers (release, expiry, renewal), sign-in
 * throttling, the analytics rate per network, and the `conversation_limit` body built from them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TooManyRequestsError } from '../../src/domain-errors.js';
import { clientNetwork } from '../../src/limits/client-network.js';
import { conversationLimitBody, describeWindow, noCapBody } from '../../src/limits/conversation-limit-view.js';
import { type LimitsConfig, noLimits } from '../../src/limits/limits-config.js';
import { Limits } from '../../src/limits/limits-service.js';
import { MemoryCounterStore } from '../../src/limits/memory-counter-store.js';
import { StreamLeases } from '../../src/limits/stream-leases.js';
import { pollUntil } from '../helpers/bounded.js';
import { steppingClock } from '../helpers/deterministic.js';

const minute = 60_000;

function setUp(config: Partial<LimitsConfig>) {
  const clock = steppingClock(1_700_000_000, 0);
  const store = new MemoryCounterStore();
  return { clock, store, limits: new Limits({ store, clock, config: { ...noLimits, ...config } }) };
}

/** The TooManyRequestsError `promise` rejects with (fails the test if it resolves or throws anything else). */
async function refusal(promise: Promise<unknown>): Promise<TooManyRequestsError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof TooManyRequestsError, `expected a TooManyRequestsError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a refusal');
}

describe('message caps', () => {
  test('the cap over all models refuses the message after the cap, with the exact wait', async () => {
    const { clock, limits } = setUp({ messages: { cap: 3, windowMinutes: 180 } });
    for (let index = 0; index < 3; index++) {
      await limits.admitTurn('user-a', 'demo', `request-${index}`);
      clock.advance(minute);
    }
    const error = await refusal(limits.admitTurn('user-a', 'other-model', 'request-3'));
    assert.equal(error.code, 'model_cap_exceeded');
    assert.equal(error.message, 'You have sent too many messages to the model. Please try again later.');
    // The first message (3 minutes ago) leaves the 180-minute window in 177 minutes.
    assert.equal(error.retryAfterSeconds, 177 * 60);
    clock.advance(177 * minute - 1);
    await refusal(limits.admitTurn('user-a', 'demo', 'request-4'));
    clock.advance(1);
    await limits.admitTurn('user-a', 'demo', 'request-5');
  });

  test("a model's own cap refuses that model only, and its refusal does not count against the overall cap", async () => {
    const { limits } = setUp({
      messages: { cap: 10, windowMinutes: 60 },
      models: { slow: { cap: 1, windowMinutes: 30 } },
    });
    await limits.admitTurn('user-a', 'slow', 'r1');
    const error = await refusal(limits.admitTurn('user-a', 'slow', 'r2'));
    assert.equal(error.code, 'model_cap_exceeded');
    assert.equal(error.retryAfterSeconds, 30 * 60);
    await limits.admitTurn('user-a', 'fast', 'r3');
    assert.equal((await limits.messages.usage('user-a'))?.used, 2);
    assert.equal((await limits.messages.usage('user-a', 'slow'))?.used, 1);
  });

  test('users are counted separately', async () => {
    const { limits } = setUp({ messages: { cap: 1, windowMinutes: 60 } });
    await limits.admitTurn('user-a', 'demo', 'r1');
    await refusal(limits.admitTurn('user-a', 'demo', 'r2'));
    await limits.admitTurn('user-b', 'demo', 'r3');
  });

  test('a refund gives the message back once, however often it is called', async () => {
    const { limits } = setUp({
      messages: { cap: 5, windowMinutes: 60 },
      models: { demo: { cap: 5, windowMinutes: 60 } },
    });
    await limits.admitTurn('user-a', 'demo', 'r1');
    const admission = await limits.admitTurn('user-a', 'demo', 'r2');
    await admission.refund();
    await admission.refund();
    assert.equal((await limits.messages.usage('user-a'))?.used, 1);
    assert.equal((await limits.messages.usage('user-a', 'demo'))?.used, 1);
  });

  test('a cap of 0 is off: no refusal, and no usage to report', async () => {
    const { limits } = setUp({
      messages: { cap: 0, windowMinutes: 60 },
      models: { demo: { cap: 0, windowMinutes: 1 } },
    });
    for (let index = 0; index < 500; index++) await limits.admitTurn('user-a', 'demo', `r${index}`);
    assert.equal(await limits.messages.usage('user-a'), undefined);
    assert.equal(await limits.messages.usage('user-a', 'demo'), undefined);
  });

  test('usage: the model cap with a model that has one, else the cap over all models', async () => {
    const { clock, limits } = setUp({
      messages: { cap: 2, windowMinutes: 180 },
      models: { slow: { cap: 5, windowMinutes: 60 } },
    });
    await limits.admitTurn('user-a', 'slow', 'r1');
    clock.advance(10 * minute);
    await limits.admitTurn('user-a', 'fast', 'r2');
    assert.deepEqual(await limits.messages.usage('user-a', 'fast'), {
      cap: 2,
      windowMinutes: 180,
      used: 2,
      retryAfterMs: 170 * minute,
    });
    assert.deepEqual(await limits.messages.usage('user-a', 'slow'), {
      cap: 5,
      windowMinutes: 60,
      used: 1,
      retryAfterMs: 0,
      modelSlug: 'slow',
    });
  });
});

describe('concurrent answers', () => {
  test('the (max+1)-th answer is refused until one is released; release is idempotent', async () => {
    const { limits } = setUp({ concurrentStreams: 3 });
    const held = [];
    for (const id of ['r1', 'r2', 'r3']) held.push(await limits.admitTurn('user-a', 'demo', id));
    const error = await refusal(limits.admitTurn('user-a', 'demo', 'r4'));
    assert.equal(error.message, 'You already have 3 answers being written. Wait for one to finish, then try again.');
    assert.equal(error.retryAfterSeconds, 5);
    await limits.admitTurn('user-b', 'demo', 'r5');
    await held[0]?.release();
    await held[0]?.release();
    assert.equal(await limits.streams.active('user-a'), 2);
    held.push(await limits.admitTurn('user-a', 'demo', 'r6'));
    await refusal(limits.admitTurn('user-a', 'demo', 'r7'));
    for (const admission of held) await admission.release();
  });

  test('a turn refused by its cap holds no lease', async () => {
    const { limits } = setUp({ concurrentStreams: 1, messages: { cap: 1, windowMinutes: 60 } });
    const first = await limits.admitTurn('user-a', 'demo', 'r1');
    await first.release();
    await refusal(limits.admitTurn('user-a', 'demo', 'r2'));
    assert.equal(await limits.streams.active('user-a'), 0);
  });

  test('a live lease is renewed by its timer; one nobody renews runs out after its ttl', async () => {
    const base = steppingClock(1_700_000_000, 0);
    let reads = 0;
    const clock = {
      ...base,
      now: () => {
        reads += 1;
        return base.now();
      },
    };
    const store = new MemoryCounterStore();
    const leases = new StreamLeases({ store, clock, max: 1, leaseTtlMs: 300 });
    const startMs = base.now().getTime();
    const live = await leases.acquire('user-a', 'live');
    base.advance(250);
    // The renewal timer (every 100 ms of real time) reads the clock, then renews synchronously.
    const readsBefore = reads;
    await pollUntil(async () => (reads === readsBefore ? undefined : true), 'the lease is renewed', { intervalMs: 20 });
    assert.equal(await store.countLeases('streams:user-a', startMs + 500), 1, 'renewed at +250 until +550');
    await live.release();
    await store.acquireLease('streams:user-b', 1, 'crashed', 300, startMs);
    await refusal(leases.acquire('user-b', 'next'));
    base.advance(50);
    await leases.acquire('user-b', 'next');
  });

  test('concurrentStreams 0 is off', async () => {
    const { limits } = setUp({ concurrentStreams: 0 });
    for (let index = 0; index < 50; index++) await limits.admitTurn('user-a', 'demo', `r${index}`);
  });
});

describe('sign-in throttle', () => {
  const login = { perAccount: 2, perIp: 4, windowMinutes: 15 };

  test('failures per account: the next attempt is refused for the rest of the window, whatever the case of the email', async () => {
    const { clock, limits } = setUp({ login });
    await limits.login.check('Alice@Example.com', '203.0.113.1');
    clock.advance(minute);
    await limits.login.check('alice@example.com ', '203.0.113.2');
    // The first failure leaves the 15-minute window 14 minutes from now.
    const error = await refusal(limits.login.check('ALICE@example.com', '203.0.113.3'));
    assert.equal(error.message, 'Too many sign-in attempts. Try again in 14 minutes.');
    assert.equal(error.retryAfterSeconds, 14 * 60);
    clock.advance(13 * minute + 30_000);
    const later = await refusal(limits.login.check('alice@example.com', '203.0.113.3'));
    assert.equal(later.message, 'Too many sign-in attempts. Try again in 1 minute.');
    assert.equal(later.retryAfterSeconds, 30);
    await limits.login.check('bob@example.com', '203.0.113.3');
  });

  test('a successful sign-in clears the account count', async () => {
    const { limits } = setUp({ login });
    await limits.login.check('alice@example.com', '203.0.113.1');
    await limits.login.recordSuccess('ALICE@example.com');
    await limits.login.check('alice@example.com', '203.0.113.1');
    await limits.login.check('alice@example.com', '203.0.113.1');
    await refusal(limits.login.check('alice@example.com', '203.0.113.1'));
  });

  test('attempts per network: one /64 of IPv6 counts as one network', async () => {
    const { limits } = setUp({ login });
    for (let index = 0; index < 4; index++) await limits.login.check(`user${index}@example.com`, `2001:db8::${index}`);
    const error = await refusal(limits.login.check('other@example.com', '2001:db8::ffff'));
    assert.match(error.message, /^Too many sign-in attempts/);
    await limits.login.check('other@example.com', '2001:db8:0:1::1');
  });

  test('checkNetwork (sign-ups) counts against the network only', async () => {
    const { limits } = setUp({ login });
    for (let index = 0; index < 3; index++) await limits.login.checkNetwork('203.0.113.9');
    await limits.login.check('alice@example.com', '203.0.113.9');
    await refusal(limits.login.checkNetwork('203.0.113.9'));
    await limits.login.check('alice@example.com', '203.0.113.10');
  });
});

describe('analytics batches per network', () => {
  test('the rate is per network, per minute', async () => {
    const { clock, limits } = setUp({ telemetryPerIpPerMinute: 2 });
    await limits.telemetryBatch('203.0.113.1');
    clock.advance(20_000);
    await limits.telemetryBatch('::ffff:203.0.113.1');
    const error = await refusal(limits.telemetryBatch('203.0.113.1'));
    assert.equal(error.message, 'Too many analytics batches from your network. Try again in 40 seconds.');
    assert.equal(error.retryAfterSeconds, 40);
    await limits.telemetryBatch('203.0.113.2');
    clock.advance(40_000);
    await limits.telemetryBatch('203.0.113.1');
  });
});

test('clientNetwork: IPv4 as it is, IPv4-mapped IPv6 as IPv4, IPv6 by its /64', () => {
  assert.equal(clientNetwork('203.0.113.7'), '203.0.113.7');
  assert.equal(clientNetwork('::ffff:203.0.113.7'), '203.0.113.7');
  assert.equal(clientNetwork('2001:0db8:0000:0001:ffff::2'), '2001:db8:0:1::/64');
  assert.equal(clientNetwork('2001:db8:0:1::9'), '2001:db8:0:1::/64');
  assert.equal(clientNetwork('::1'), '0:0:0:0::/64');
});

describe('conversation_limit body', () => {
  test('states the real cap, window and usage', () => {
    assert.deepEqual(
      conversationLimitBody({ cap: 300, windowMinutes: 180, used: 12, retryAfterMs: 0 }, 'ignored: not a model cap'),
      {
        message_cap: 300,
        message_cap_window: 180,
        message_disclaimer: {
          textarea: 'You can send 300 messages every 3 hours.',
          model_switcher: "You've reached the cap of 300 messages every 3 hours. Try again later.",
          'model-switcher': "You've reached the cap of 300 messages every 3 hours. Try again later.",
        },
        messages_used: 12,
        messages_remaining: 288,
        clears_in: 0,
      },
    );
  });

  test("a model's cap names the model; a reached cap clears in whole seconds", () => {
    const body = conversationLimitBody(
      { cap: 1, windowMinutes: 90, used: 1, retryAfterMs: 1500, modelSlug: 'gpt-4o' },
      'GPT-4o',
    );
    assert.equal(body.message_disclaimer.textarea, 'GPT-4o currently has a cap of 1 message every 90 minutes.');
    assert.match(
      body.message_disclaimer.model_switcher,
      /^You've reached the GPT-4o cap of 1 message every 90 minutes/,
    );
    assert.deepEqual([body.messages_remaining, body.clears_in], [0, 2]);
  });

  test('no cap: the null shape', () => {
    assert.deepEqual(conversationLimitBody(undefined), noCapBody);
    assert.deepEqual(Object.keys(noCapBody), ['message_cap', 'message_cap_window', 'message_disclaimer']);
  });

  test('windows in words', () => {
    assert.deepEqual([180, 60, 15, 1, 1440].map(describeWindow), [
      '3 hours',
      'hour',
      '15 minutes',
      'minute',
      '24 hours',
    ]);
  });
});
