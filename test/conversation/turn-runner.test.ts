/** TurnRunner's scheduling of an answer's final write, on a real SQLite store. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { systemClock } from '../../src/clock.js';
import { TurnRunner } from '../../src/conversation/turn-runner.js';
import { randomIds } from '../../src/ids.js';
import type { StreamPart } from '../../src/providers/model-provider.js';
import type { ConversationRecord, Store } from '../../src/store/store.js';
import { message, userWithConversation, withDatabase } from '../store/store-fixtures.js';

const model = {
  slug: 'demo',
  upstreamModel: 'demo',
  title: 'Demo',
  description: '',
  contextWindow: 4096,
  maxOutputTokens: 256,
  isDemo: true,
};

test('an ended answer is written after the I/O already waiting: other turns go first when many run at once', () =>
  withDatabase('sqlite', async ({ store }) => {
    const ann = await userWithConversation(store, 'ann', 'c1');
    const assistant = message('c1', 'a1', 'c1-root', { role: 'assistant', status: 'in_progress', parts: [''] });
    await store.insertMessage(ann, assistant);
    const conversation = (await store.getConversation(ann, 'c1')) as ConversationRecord;

    const order: string[] = [];
    // The store as the runner sees it, noting when the final state is written.
    const watched = new Proxy(store, {
      get(target, key, receiver) {
        if (key !== 'finishAnswer') return Reflect.get(target, key, receiver);
        return (...args: Parameters<Store['finishAnswer']>) => {
          order.push('final write');
          return target.finishAnswer(...args);
        };
      },
    });
    let end = () => {};
    const ended = new Promise<void>((resolve) => {
      end = resolve;
    });
    async function* parts(): AsyncGenerator<StreamPart> {
      yield { type: 'text-delta', text: 'Hello' };
      await ended;
      yield { type: 'finish', reason: 'stop' };
    }
    const runner = new TurnRunner(
      { store: watched, clock: systemClock, ids: randomIds, checkpointIntervalMs: 60_000 },
      {
        userId: ann,
        plan: { conversation, model, isNewConversation: false, assistant },
        reply: { parts: parts(), abort: () => {} },
        startMs: systemClock.monotonicMs(),
        requestId: null,
      },
    );

    const events: string[] = [];
    for await (const event of runner.events(new AbortController().signal)) {
      events.push(event.type);
      if (event.type === 'progress') {
        // The model's reply ends, and I/O for another turn is already waiting (its callback queued).
        end();
        setImmediate(() => order.push('waiting I/O'));
      }
    }

    assert.deepEqual(events, ['progress', 'done']);
    assert.deepEqual(order, ['waiting I/O', 'final write']);
    const stored = await store.getMessage(ann, 'c1', 'a1');
    assert.deepEqual([stored?.status, stored?.parts], ['finished_successfully', ['Hello']]);
  }));
