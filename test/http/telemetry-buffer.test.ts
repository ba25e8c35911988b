/**
 * `POST /ces/v1/b` with the event buffer (docs/api.md, "Telemetry"), on every database: accepted
 * events become visible within the flush interval under time-ordered ids, a bad event still rejects
 * the whole batch, a full buffer answers 503 with Retry-After, and shutdown writes what was buffered.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../src/config.js';
import { startServer } from '../../src/server/main.js';
import { forEachDatabase, openTestDatabase } from '../helpers/databases.js';
import { addUser, startTestServer } from '../helpers/test-server.js';

const uuidV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function batchOf(count: number, from = 0) {
  return {
    batch: Array.from({ length: count }, (_, offset) => ({
      type: 'track',
      event: `Event ${from + offset}`,
      properties: { index: from + offset },
      context: { library: { name: 'analytics.js' } },
    })),
    sentAt: '2026-12-02T10:00:00.000Z',
  };
}

forEachDatabase((kind) => {
  test(`${kind}: an accepted batch is visible within the flush interval, under time-ordered UUIDs`, async () => {
    const server = await startTestServer(kind);
    try {
      for (const from of [0, 3]) {
        const response = await server.request('/ces/v1/b', {
          method: 'POST',
          as: server.alice,
          json: batchOf(3, from),
        });
        assert.equal(response.status, 200);
      }
      const started = Date.now();
      let stored = await server.deps.store.listAnalyticsEvents(server.alice.id);
      while (stored.length < 6 && Date.now() - started < 2_000) {
        await sleep(10);
        stored = await server.deps.store.listAnalyticsEvents(server.alice.id);
      }
      assert.equal(stored.length, 6);
      const ids = stored.map((event) => event.id);
      for (const id of ids) assert.match(id, uuidV7);
      assert.deepEqual([...ids].sort(), ids, 'ids in the order the events were accepted');
      assert.equal(new Set(ids).size, 6);
      assert.deepEqual(
        stored.map((event) => event.properties.index),
        [0, 1, 2, 3, 4, 5],
      );
    } finally {
      await server.close();
    }
  });

  test(`${kind}: one bad event still rejects the whole batch, naming it; nothing is queued`, async () => {
    const server = await startTestServer(kind);
    try {
      const body = batchOf(4);
      (body.batch[2] as { type: string }).type = 'nonsense';
      const response = await server.request('/ces/v1/b', { method: 'POST', as: server.alice, json: body });
      assert.equal(response.status, 400);
      const { detail } = (await response.json()) as { detail: string };
      assert.match(detail, /^batch\.2\.type: Invalid option/);
      assert.equal(server.deps.telemetry.pendingEvents, 0);
      await server.deps.telemetry.flush();
      assert.deepEqual(await server.deps.store.listAnalyticsEvents(server.alice.id), []);
    } finally {
      await server.close();
    }
  });

  test(`${kind}: a full buffer answers 503 with Retry-After and a detail; the refused batch is not kept`, async () => {
    const server = await startTestServer(kind, { telemetryBuffer: { intervalMs: 60_000, capacity: 150 } });
    try {
      const accepted = await server.request('/ces/v1/b', { method: 'POST', as: server.alice, json: batchOf(100) });
      assert.equal(accepted.status, 200);
      const refused = await server.request('/ces/v1/b', { method: 'POST', as: server.alice, json: batchOf(100, 100) });
      assert.equal(refused.status, 503);
      assert.equal(refused.headers.get('retry-after'), '1');
      const { detail } = (await refused.json()) as { detail: string };
      assert.match(detail, /^Too many analytics events are waiting to be stored \(100\); send the batch again/);
      await server.deps.telemetry.flush();
      const stored = await server.deps.store.listAnalyticsEvents(server.alice.id);
      assert.deepEqual(
        stored.map((event) => event.properties.index),
        Array.from({ length: 100 }, (_, index) => index),
      );
      const again = await server.request('/ces/v1/b', { method: 'POST', as: server.alice, json: batchOf(100, 100) });
      assert.equal(again.status, 200);
    } finally {
      await server.close();
    }
  });

  test(`${kind}: a graceful stop writes the events still buffered before the database closes`, async () => {
    const db = await openTestDatabase(kind);
    try {
      const config = {
        ...loadConfig({}, { port: 0, dataDir: mkdtempSync(join(tmpdir(), 'backchat-telemetry-')) }),
        database: db.config,
        providers: [{ type: 'demo' as const, id: 'demo', tokenDelayMs: 0 }],
        detectOllama: false,
      };
      // The server opens its own store on the database and closes it on stop; `db.store` reads after.
      const server = await startServer(config, { telemetryBuffer: { intervalMs: 60_000 } });
      const ann = await addUser(server.deps, 'ann', 'user');
      const response = await fetch(`${server.url}/ces/v1/b`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ann.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(batchOf(7)),
      });
      assert.equal(response.status, 200);
      assert.equal(server.deps.telemetry.pendingEvents, 7);
      await server.close();
      assert.equal((await db.store.listAnalyticsEvents(ann.id)).length, 7);
    } finally {
      await db.close();
    }
  });
});
