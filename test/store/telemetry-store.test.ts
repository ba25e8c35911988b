/** The TelemetryStore contract (latency reports, analytics events) — on every database. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AnalyticsEvent, LatencyReport } from '../../src/store/store.js';
import { UnsupportedTextError } from '../../src/store/store-errors.js';
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

  test(`${kind}: analytics events with text no database can store are refused, all or nothing`, () =>
    withDatabase(kind, async ({ store }) => {
      const events = Array.from({ length: 140 }, (_, index) => analyticsEvent(index));
      const bad = events[133] as AnalyticsEvent;
      bad.anonymousId = 'anon\u0000';
      await assert.rejects(store.insertAnalyticsEvents(events), UnsupportedTextError);
      bad.anonymousId = '\ud800';
      await assert.rejects(store.insertAnalyticsEvents(events), UnsupportedTextError);
      assert.deepEqual(await store.listAnalyticsEvents('user-ann'), []);
      // Inside the JSON columns such text is escaped, so it is stored and read back as it was.
      bad.anonymousId = 'anon-1';
      bad.properties = { text: 'a\u0000b\ud800' };
      await store.insertAnalyticsEvents(events);
      assert.deepEqual((await store.listAnalyticsEvents('user-ann'))[133], bad);
    }));
});
