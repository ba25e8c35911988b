/** The Store contract, part 3: feedback, the prompt library and telemetry records — on every database. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AnalyticsEvent, LatencyReport } from '../../src/store/store.js';
import { forEachDatabase } from '../helpers/databases.js';
import { withDatabase } from './store-fixtures.js';

const latencyReport: LatencyReport = {
  id: 'lat-1',
  userId: 'user-ann',
  source: 'client',
  model: 'text-davinci-002-render-sha',
  serverRequestId: 'req-1',
  conversationId: 'c1',
  messageId: 'm1',
  countTokens: 42,
  preflightTimeMs: 12.5,
  firstTokenMs: 230.25,
  maxTokenTimeMs: 81.125,
  meanTokenWithoutFirstMs: 31.333333333333332,
  medianTokenWithoutFirstMs: 30,
  minTokenTimeMs: 0.001,
  p95TokenWithoutFirstMs: 70.1,
  p99TokenWithoutFirstMs: 80.9,
  stdDevTokenMs: 9.87654321,
  totalRequestMs: 1618.0339887,
  createTime: 1_700_000_000.987654,
};

function analyticsEvent(index: number): AnalyticsEvent {
  return {
    id: `event-${String(index).padStart(5, '0')}`,
    userId: 'user-ann',
    claimedUserId: index === 0 ? 'user-someone-else' : null,
    anonymousId: 'anon-1',
    type: 'track',
    event: index === 0 ? 'Conversation Started' : null,
    messageId: `ajs-${index}`,
    timestamp: '2023-12-01T10:00:00.123Z',
    properties: { index, nested: { ok: true } },
    context: { page: { path: '/c/1' }, library: { name: 'analytics.js' } },
    receiveTime: 1_700_000_000 + index / 1000,
  };
}

forEachDatabase((kind) => {
  test(`${kind}: feedback is one rating per user and message; a second call replaces it`, () =>
    withDatabase(kind, async ({ store }) => {
      const first = {
        id: 'fb-1',
        userId: 'user-ann',
        conversationId: 'c1',
        messageId: 'm1',
        rating: 'thumbsUp',
        text: null,
        tags: [],
        createTime: 10.5,
      } as const;
      assert.deepEqual(await store.upsertFeedback({ ...first, tags: [] }), { ...first, tags: [] });
      const second = {
        ...first,
        id: 'fb-2',
        rating: 'thumbsDown',
        text: 'Wrong 👎',
        tags: ['harmful', 'false'],
        createTime: 11,
      } as const;
      const stored = await store.upsertFeedback({ ...second, tags: [...second.tags] });
      assert.deepEqual(stored, { ...second, id: 'fb-1', tags: ['harmful', 'false'] });
      await store.upsertFeedback({ ...first, id: 'fb-3', messageId: 'm2', tags: [], createTime: 12 });
      assert.deepEqual(
        (await store.listFeedback('user-ann')).map((item) => [item.id, item.rating]),
        [
          ['fb-1', 'thumbsDown'],
          ['fb-3', 'thumbsUp'],
        ],
      );
      assert.deepEqual(await store.listFeedback('user-bob'), []);
    }));

  test(`${kind}: the prompt library is seeded; upsert, delete and re-enable`, () =>
    withDatabase(kind, async ({ store }) => {
      const seeded = await store.listPrompts();
      assert.ok(seeded.length >= 60, `${seeded.length} prompts`);
      assert.equal(new Set(seeded.map((prompt) => prompt.id)).size, seeded.length);
      for (const prompt of seeded) assert.match(prompt.id, /^[0-9a-f]{8}$/);
      assert.deepEqual(
        seeded.map((prompt) => prompt.id),
        [...seeded.map((prompt) => prompt.id)].sort(),
      );
      const mine = { id: '0000beef', title: 'Say hi', description: 'to the operator', prompt: 'Hi!', category: 'fun' };
      await store.upsertPrompt(mine);
      await store.upsertPrompt({ ...mine, title: 'Say hello' });
      assert.deepEqual((await store.listPrompts())[0], { ...mine, title: 'Say hello' });
      assert.equal(await store.deletePrompt('0000beef'), true);
      assert.equal(await store.deletePrompt('0000beef'), false);
      assert.equal(await store.deletePrompt('ffffffff'), false);
      assert.equal((await store.listPrompts()).length, seeded.length);
      await store.upsertPrompt(mine);
      assert.equal((await store.listPrompts()).length, seeded.length + 1);
    }));

  test(`${kind}: latency reports round-trip exactly, nulls included`, () =>
    withDatabase(kind, async ({ store }) => {
      await store.insertLatencyReport(latencyReport);
      const empty: LatencyReport = {
        ...latencyReport,
        id: 'lat-2',
        source: 'server',
        serverRequestId: null,
        conversationId: null,
        messageId: null,
        countTokens: null,
        preflightTimeMs: null,
        firstTokenMs: null,
        maxTokenTimeMs: null,
        meanTokenWithoutFirstMs: null,
        medianTokenWithoutFirstMs: null,
        minTokenTimeMs: null,
        p95TokenWithoutFirstMs: null,
        p99TokenWithoutFirstMs: null,
        stdDevTokenMs: null,
        totalRequestMs: null,
        createTime: 1_700_000_001,
      };
      await store.insertLatencyReport(empty);
      assert.deepEqual(await store.listLatencyReports('user-ann'), [latencyReport, empty]);
      assert.deepEqual(await store.listLatencyReports('user-bob'), []);
    }));

  test(`${kind}: analytics events round-trip, in batches larger than one INSERT`, () =>
    withDatabase(kind, async ({ store }) => {
      await store.insertAnalyticsEvents([]);
      const events = Array.from({ length: 1201 }, (_, index) => analyticsEvent(index));
      await store.insertAnalyticsEvents(events);
      const stored = await store.listAnalyticsEvents('user-ann');
      assert.equal(stored.length, 1201);
      assert.deepEqual(stored[0], events[0]);
      assert.deepEqual(stored, events);
      assert.deepEqual(await store.listAnalyticsEvents('user-someone-else'), []);
    }));
});
