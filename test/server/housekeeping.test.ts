/** Start-up housekeeping: sessions that have expired are deleted; live ones stay. */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { startServer } from '../../src/server/main.js';
import { openTestDatabase } from '../helpers/databases.js';

test('start-up deletes expired sessions and keeps live ones', async () => {
  const db = await openTestDatabase('sqlite');
  const now = Date.now() / 1000;
  await db.store.createUser({
    id: 'user-ann',
    email: 'ann@example.com',
    name: 'ann',
    passwordHash: 'x',
    role: 'user',
    createTime: now,
  });
  const session = { userId: 'user-ann', createTime: now - 7200, lastUsedTime: null, userAgent: null };
  await db.store.createSession({ ...session, tokenHash: 'a'.repeat(64), id: 'expired', expireTime: now - 60 });
  await db.store.createSession({ ...session, tokenHash: 'b'.repeat(64), id: 'live', expireTime: now + 3600 });
  const config = {
    ...loadConfig({}, { port: 0, dataDir: mkdtempSync(join(tmpdir(), 'backchat-housekeeping-')) }),
    database: db.config,
    providers: [{ type: 'demo' as const, id: 'demo', tokenDelayMs: 0 }],
    detectOllama: false,
  };
  const server = await startServer(config, { store: db.store });
  try {
    assert.deepEqual(
      (await db.store.listSessions('user-ann')).map((row) => row.id),
      ['live'],
    );
  } finally {
    await server.close();
    await db.close();
  }
});
