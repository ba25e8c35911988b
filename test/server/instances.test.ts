/**
 * Several processes on one database: each keeps a heartbeat row, warns when another instance shares
 * the database without Redis (naming what is not shared), waits at start-up for a database that does
 * not answer yet, and says in its readiness check when a dependency is down.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { startServer } from '../../src/server/main.js';
import { DatabaseConnectionError } from '../../src/store/store-errors.js';
import { pollUntil } from '../helpers/bounded.js';
import { forEachDatabase, openTestDatabase } from '../helpers/databases.js';
import { closedPort } from '../helpers/redis.js';
import { demoProvider } from '../helpers/test-server.js';

const baseConfig = () => ({
  ...loadConfig({}, { port: 0, dataDir: mkdtempSync(join(tmpdir(), 'backchat-instances-')) }),
  providers: [demoProvider],
});

forEachDatabase((kind) => {
  test(`${kind}: a second instance without Redis is warned about by both, once, naming what is not shared`, async () => {
    const db = await openTestDatabase(kind);
    const lines: string[][] = [[], []];
    const start = (index: number) =>
      startServer(
        { ...baseConfig(), database: db.config },
        { store: db.store, log: (line) => lines[index]?.push(line), heartbeatIntervalMs: 100 },
      );
    const first = await start(0);
    const second = await start(1);
    try {
      const warned = (index: number) => lines[index]?.filter((line) => line.startsWith('warning: another backchat'));
      await pollUntil(async () => (warned(0)?.length && warned(1)?.length ? true : undefined), 'both instances warn', {
        timeoutMs: 5_000,
      });
      const [warning] = warned(0) ?? [];
      assert.match(warning ?? '', /REDIS_URL is not set on this instance/);
      assert.match(warning ?? '', /message caps, rate limits and concurrent-stream limits are counted per instance/);
      assert.match(warning ?? '', /resuming or stopping an answer works only on the instance writing it/);
      assert.match(warning ?? '', /pid \d+/);
      // More heartbeats do not repeat it.
      await new Promise((resolve) => setTimeout(resolve, 400));
      assert.equal(warned(0)?.length, 1);
      assert.equal(warned(1)?.length, 1);
    } finally {
      await second.close();
      await first.close();
      await db.close();
    }
  });

  test(`${kind}: a restarted instance does not warn about the row its killed predecessor left`, async () => {
    const db = await openTestDatabase(kind);
    try {
      const now = Date.now() / 1000;
      await db.store.recordInstance({
        instanceId: 'killed-a-moment-ago',
        label: 'host:3000 (pid 1)',
        sharedState: 'none',
        startTime: now - 60,
        heartbeatTime: now - 1,
      });
      const lines: string[] = [];
      const server = await startServer(
        { ...baseConfig(), database: db.config },
        { store: db.store, log: (line) => lines.push(line), heartbeatIntervalMs: 50 },
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      await server.close();
      assert.deepEqual(
        lines.filter((line) => line.startsWith('warning')),
        [],
      );
    } finally {
      await db.close();
    }
  });

  test(`${kind}: /readyz answers ok while the database answers and 503 with Retry-After once it does not`, async () => {
    const db = await openTestDatabase(kind);
    const server = await startServer({ ...baseConfig(), database: db.config }, { store: db.store });
    try {
      const ready = await fetch(`${server.url}/readyz`);
      assert.equal(ready.status, 200);
      assert.deepEqual(await ready.json(), { status: 'ok' });
      await db.store.close();
      const unready = await fetch(`${server.url}/readyz`);
      assert.equal(unready.status, 503);
      assert.equal(unready.headers.get('retry-after'), '5');
      assert.deepEqual(await unready.json(), { status: 'unavailable', detail: 'database is not answering' });
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200, 'the process itself is alive');
    } finally {
      await server.app.close();
      await db.close();
    }
  });
});

test('start-up waits for a PostgreSQL that does not answer, says so, and gives up after the configured time', async () => {
  const port = await closedPort();
  const lines: string[] = [];
  const started = Date.now();
  const config = {
    ...baseConfig(),
    database: { kind: 'postgres' as const, url: `postgres://someone:secret-pw@127.0.0.1:${port}/nothing` },
    startupWaitSeconds: 2,
  };
  const error = await startServer(config, { log: (line) => lines.push(line) }).then(
    () => assert.fail('it started'),
    (caught: unknown) => caught,
  );
  const waited = Date.now() - started;
  assert.ok(error instanceof DatabaseConnectionError, String(error));
  assert.match(error.message, /gave up after waiting \d s/);
  assert.ok(waited >= 1_500 && waited < 6_000, `waited ${waited} ms`);
  assert.match(
    lines.join('\n'),
    new RegExp(`waiting for the database \\(up to 2 s\\): cannot connect to PostgreSQL at 127.0.0.1:${port}`),
  );
  assert.doesNotMatch(lines.join('\n') + error.message, /secret-pw/);
});

test('start-up reports an unusable SQLite path at once instead of waiting', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'backchat-instances-'));
  writeFileSync(join(folder, 'a-file'), '');
  const config = {
    ...baseConfig(),
    database: { kind: 'sqlite' as const, file: join(folder, 'a-file', 'backchat.sqlite') },
    startupWaitSeconds: 30,
  };
  const started = Date.now();
  await assert.rejects(startServer(config, {}), DatabaseConnectionError);
  assert.ok(Date.now() - started < 5_000);
});
