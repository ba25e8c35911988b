/**
 * PostgreSQL or Redis going away under a running server (through a fault proxy that resets every
 * connection and refuses new ones): requests get 503 `{"detail"}` with `Retry-After`, /readyz says which
 * dependency is missing, nothing crashes — and once the dependency is back, the same server answers
 * again by itself.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { randomIds } from '../../src/ids.js';
import { noLimits } from '../../src/limits/limits-config.js';
import { type RunningServer, startServer } from '../../src/server/main.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { pollUntil } from '../helpers/bounded.js';
import { openTestDatabase, postgresUnavailable, type TestDatabase } from '../helpers/databases.js';
import { type FaultProxy, proxiedUrl, startFaultProxy } from '../helpers/fault-proxy.js';
import { openTestRedis, redisUnavailable, type TestRedis } from '../helpers/redis.js';
import { addUser, demoProvider, type TestUser } from '../helpers/test-server.js';
import { userMessage } from '../helpers/turns.js';

const targetOf = (url: string) => {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port) };
};

describe('dependency outages', async () => {
  const missing = (await postgresUnavailable()) ?? (await redisUnavailable());
  if (missing && process.env.BACKCHAT_REQUIRE_ALL !== '1') {
    test(`skipped: PostgreSQL and Redis are needed (${missing})`, { skip: missing }, () => {});
    return;
  }
  let db: TestDatabase;
  let redis: TestRedis;
  let pgProxy: FaultProxy;
  let redisProxy: FaultProxy;
  let store: Store;
  let server: RunningServer;
  let user: TestUser;
  const lines: string[] = [];

  before(async () => {
    db = await openTestDatabase('postgres');
    redis = await openTestRedis();
    if (db.config.kind !== 'postgres') throw new Error('expected PostgreSQL');
    pgProxy = await startFaultProxy({ target: targetOf(db.config.url) });
    redisProxy = await startFaultProxy({ target: targetOf(redis.url) });
    store = await openStore({ kind: 'postgres', url: proxiedUrl(db.config.url, pgProxy) });
    const config = {
      ...loadConfig({}, { port: 0, dataDir: mkdtempSync(join(tmpdir(), 'backchat-outage-')) }),
      database: db.config,
      redis: { url: proxiedUrl(redis.url, redisProxy), keyPrefix: redis.prefix },
      providers: [demoProvider],
      detectOllama: false,
      webRoot: '/nonexistent-web-root',
      limits: { ...noLimits, concurrentStreams: 5 },
    };
    server = await startServer(config, { store, log: (line) => lines.push(line) });
    user = await addUser(server.deps, 'ann', 'user');
  });

  after(async () => {
    await server?.close();
    await store?.close();
    await pgProxy?.close();
    await redisProxy?.close();
    await redis?.close();
    await db?.close();
  });

  const get = (path: string) => fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${user.token}` } });
  const turn = () =>
    fetch(`${server.url}/backend-api/conversation`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'next', parent_message_id: randomIds.uuid(), messages: [userMessage('hi')] }),
    });

  async function expectUnavailable(response: Response, detail: RegExp): Promise<void> {
    assert.equal(response.status, 503, await response.clone().text());
    assert.equal(response.headers.get('retry-after'), '5');
    const body = (await response.json()) as { detail: string };
    assert.deepEqual(Object.keys(body), ['detail']);
    assert.match(body.detail, detail);
  }

  async function recovers(): Promise<void> {
    await pollUntil(async () => ((await get('/readyz')).status === 200 ? true : undefined), 'ready again', {
      timeoutMs: 15_000,
      intervalMs: 200,
    });
    assert.equal((await get('/backend-api/conversations')).status, 200);
    const answered = await turn();
    assert.equal(answered.status, 200);
    assert.match(await answered.text(), /data: \[DONE\]/);
  }

  test('PostgreSQL down: 503 with Retry-After and readiness says so; back: it answers again', async () => {
    assert.equal((await turn()).status, 200);
    pgProxy.refuse(true);
    pgProxy.cutAll();
    await expectUnavailable(await get('/backend-api/conversations'), /database is unavailable/);
    await expectUnavailable(await turn(), /database is unavailable/);
    const ready = await get('/readyz');
    assert.equal(ready.status, 503);
    assert.deepEqual(await ready.json(), { status: 'unavailable', detail: 'database is not answering' });
    assert.equal((await get('/healthz')).status, 200, 'the process lives on');
    pgProxy.refuse(false);
    await recovers();
  });

  test('Redis down: limited turns get 503 with Retry-After, readiness says so; back: it answers again', async () => {
    redisProxy.refuse(true);
    redisProxy.cutAll();
    await expectUnavailable(await turn(), /Redis is unavailable/);
    assert.equal((await get('/backend-api/conversations')).status, 200, 'what needs only the database works');
    const ready = await get('/readyz');
    assert.equal(ready.status, 503);
    assert.deepEqual(await ready.json(), { status: 'unavailable', detail: 'redis is not answering' });
    redisProxy.refuse(false);
    await recovers();
    assert.doesNotMatch(lines.join('\n'), /Unhandled|TypeError/);
  });
});
