/**
 * Shutdown does not hang on a connection that never sent a request (a browser's pre-connect): the
 * server's own `close()` ends it after the grace period instead of waiting for Node's 60 s headers timeout.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { startServer } from '../../src/server/main.js';
import { openTestDatabase } from '../helpers/databases.js';

test('close() ends a silent pre-connected socket instead of waiting for the headers timeout', async () => {
  const db = await openTestDatabase('sqlite');
  const config = {
    ...loadConfig({}, { port: 0, dataDir: mkdtempSync(join(tmpdir(), 'backchat-shutdown-')) }),
    database: db.config,
    providers: [{ type: 'demo' as const, id: 'demo', tokenDelayMs: 0 }],
    detectOllama: false,
  };
  const server = await startServer(config, { store: db.store });
  const { port } = new URL(server.url);
  const socket = connect(Number(port), '127.0.0.1');
  await once(socket, 'connect');
  const socketClosed = once(socket, 'close');
  const started = Date.now();
  await server.close();
  await socketClosed;
  const elapsedMs = Date.now() - started;
  // The bound is the 5 s grace plus slack; without the fix this takes the 60 s headers timeout.
  assert.ok(elapsedMs < 30_000, `close took ${elapsedMs} ms`);
  await db.close();
});
