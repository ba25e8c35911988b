/**
 * The AnswerHub contract (src/generation/answer-hub.ts), for every implementation: call
 * `answerHubContract('memory', (retentionMs) => ({ hub: new MemoryAnswerHub(retentionMs) }))` from a
 * test file; a hub shared by several processes (Redis) runs the same suite.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { AnswerEvent, AnswerHub, LiveAnswer } from '../../src/generation/answer-hub.js';
import { pollUntil } from '../helpers/bounded.js';

export interface ContractHub {
  hub: AnswerHub;
  /** Frees what the hub holds (connections); dispose() is called too. */
  close?(): Promise<void>;
}

/** Waits (bounded) until `condition` holds: a shared hub delivers asynchronously. */
const until = (condition: () => boolean | Promise<boolean>, timeoutMs = 2_000) =>
  pollUntil(async () => ((await condition()) ? true : undefined), 'the hub did not deliver', {
    timeoutMs,
    intervalMs: 5,
  });

const answer = (answerId: string, overrides: Partial<LiveAnswer> = {}): LiveAnswer => ({
  answerId,
  conversationId: `conversation-of-${answerId}`,
  ownerId: 'user-ann',
  instanceId: 'instance-1',
  ...overrides,
});

const snapshot = (id: number, text: string): AnswerEvent => ({ id, kind: 'snapshot', data: `{"text": "${text}"}` });
const other = (id: number, data: string): AnswerEvent => ({ id, kind: 'event', data });
const done = (id: number): AnswerEvent => ({ id, kind: 'done', data: '[DONE]' });

/** Subscribes and collects every event delivered. */
async function collect(hub: AnswerHub, answerId: string, afterId: number) {
  const events: AnswerEvent[] = [];
  const subscription = await hub.subscribe(answerId, afterId, (event) => events.push(event));
  return { events, subscription };
}

export function answerHubContract(name: string, open: (retentionMs: number) => ContractHub | Promise<ContractHub>) {
  describe(`AnswerHub contract: ${name}`, () => {
    let opened: ContractHub | undefined;
    const fresh = async (retentionMs = 60_000): Promise<AnswerHub> => {
      opened = await open(retentionMs);
      return opened.hub;
    };
    afterEach(async () => {
      await opened?.hub.dispose();
      await opened?.close?.();
      opened = undefined;
    });

    test('a late subscriber gets the newest snapshot and every other event, in order, then live ones', async () => {
      const hub = await fresh();
      await hub.open(answer('a1'));
      await hub.publish('a1', snapshot(1, ''));
      await hub.publish('a1', snapshot(2, 'Hel'));
      await hub.publish('a1', snapshot(3, 'Hello'));
      const late = await collect(hub, 'a1', 0);
      await until(() => late.events.length === 1);
      assert.deepEqual(late.events, [snapshot(3, 'Hello')]);
      await hub.publish('a1', snapshot(4, 'Hello!'));
      await hub.publish('a1', other(5, 'final'));
      await hub.publish('a1', other(6, 'moderation'));
      await hub.publish('a1', done(7));
      await until(() => late.events.length === 5);
      assert.deepEqual(
        late.events.map((event) => event.id),
        [3, 4, 5, 6, 7],
      );
      const replay = await collect(hub, 'a1', 0);
      await until(() => replay.events.length === 4);
      assert.deepEqual(replay.events, [snapshot(4, 'Hello!'), other(5, 'final'), other(6, 'moderation'), done(7)]);
    });

    test('resuming after an event id delivers only what came after it', async () => {
      const hub = await fresh();
      await hub.open(answer('a1'));
      for (const event of [snapshot(1, ''), snapshot(2, 'a'), other(3, 'x'), snapshot(4, 'ab'), snapshot(5, 'abc')]) {
        await hub.publish('a1', event);
      }
      const fromTwo = await collect(hub, 'a1', 2);
      await until(() => fromTwo.events.length === 2);
      assert.deepEqual(fromTwo.events, [other(3, 'x'), snapshot(5, 'abc')]);
      const fromFive = await collect(hub, 'a1', 5);
      await hub.publish('a1', done(6));
      await until(() => fromFive.events.length === 1);
      assert.deepEqual(fromFive.events, [done(6)]);
    });

    test('a subscriber stops receiving once it unsubscribes; others keep receiving', async () => {
      const hub = await fresh();
      await hub.open(answer('a1'));
      const leaving = await collect(hub, 'a1', 0);
      const staying = await collect(hub, 'a1', 0);
      await hub.publish('a1', snapshot(1, 'a'));
      await until(() => leaving.events.length === 1 && staying.events.length === 1);
      assert.ok(leaving.subscription);
      leaving.subscription.unsubscribe();
      await hub.publish('a1', snapshot(2, 'ab'));
      await hub.publish('a1', done(3));
      await until(() => staying.events.length === 3);
      assert.equal(leaving.events.length, 1);
    });

    test('find and get are scoped by owner; live turns false when the answer ends', async () => {
      const hub = await fresh();
      await hub.open(answer('a1'));
      await hub.publish('a1', snapshot(1, ''));
      await hub.publish('a1', snapshot(2, 'x'));
      assert.deepEqual(await hub.find('user-ann', 'conversation-of-a1'), {
        answer: answer('a1'),
        live: true,
        lastEventId: 2,
      });
      assert.equal(await hub.find('user-bob', 'conversation-of-a1'), undefined);
      assert.equal(await hub.get('user-bob', 'a1'), undefined);
      assert.equal((await hub.get('user-ann', 'a1'))?.live, true);
      assert.equal(await hub.find('user-ann', 'conversation-of-nothing'), undefined);
      await hub.publish('a1', done(3));
      await hub.end('a1');
      assert.deepEqual(await hub.find('user-ann', 'conversation-of-a1'), {
        answer: answer('a1'),
        live: false,
        lastEventId: 3,
      });
    });

    test('the newest answer of a conversation is the one found', async () => {
      const hub = await fresh();
      await hub.open(answer('a1', { conversationId: 'c' }));
      await hub.open(answer('a2', { conversationId: 'c' }));
      assert.equal((await hub.find('user-ann', 'c'))?.answer.answerId, 'a2');
    });

    test('an ended answer is kept for late subscribers, then forgotten', async () => {
      const hub = await fresh(200);
      await hub.open(answer('a1'));
      await hub.publish('a1', snapshot(1, 'x'));
      await hub.publish('a1', done(2));
      await hub.end('a1');
      const late = await collect(hub, 'a1', 0);
      await until(() => late.events.length === 2);
      await until(async () => (await hub.find('user-ann', 'conversation-of-a1')) === undefined, 5_000);
      assert.equal(await hub.subscribe('a1', 0, () => {}), false);
    });

    test('a reader past the end of an ended answer gets its last event again', async () => {
      const hub = await fresh();
      await hub.open(answer('a1'));
      await hub.publish('a1', snapshot(1, 'x'));
      await hub.publish('a1', done(2));
      await hub.end('a1');
      for (const afterId of [2, 99]) {
        const late = await collect(hub, 'a1', afterId);
        await until(() => late.events.length === 1);
        assert.deepEqual(late.events, [done(2)]);
      }
    });

    test('an unknown answer cannot be subscribed to', async () => {
      const hub = await fresh();
      assert.equal(await hub.subscribe('nope', 0, () => {}), false);
    });

    test('a stop request reaches the listeners until they unsubscribe', async () => {
      const hub = await fresh();
      const heard: string[] = [];
      const unsubscribe = await hub.onStopRequest((id) => heard.push(id));
      await hub.requestStop('a1');
      await until(() => heard.length === 1);
      unsubscribe();
      await hub.requestStop('a2');
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(heard, ['a1']);
    });

    test('events are values: changing a published object changes nothing in the hub', async () => {
      const hub = await fresh();
      await hub.open(answer('a1'));
      const event = snapshot(1, 'original');
      await hub.publish('a1', event);
      event.data = 'changed';
      const late = await collect(hub, 'a1', 0);
      await until(() => late.events.length === 1);
      assert.deepEqual(late.events, [snapshot(1, 'original')]);
    });
  });
}
