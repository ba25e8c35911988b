/** First run: with no account yet, the web UI's "create the admin account" flow; exactly one admin can win. */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { type RunningServer, startServer } from '../../src/server/main.js';
import { openTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { demoProvider } from '../helpers/test-server.js';

let db: TestDatabase;
let server: RunningServer;

before(async () => {
  db = await openTestDatabase('sqlite');
  const base = loadConfig({}, { port: 0, dataDir: mkdtempSync(join(tmpdir(), 'backchat-first-run-')) });
  server = await startServer(
    { ...base, database: db.config, providers: [demoProvider], detectOllama: false },
    { store: db.store },
  );
});
after(async () => {
  await server.app.close();
  await db.close();
});

const post = (path: string, body: unknown) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

test('a fresh installation asks for set-up; the first account is an admin and is signed in', async () => {
  assert.deepEqual(await (await fetch(`${server.url}/api/auth/setup`)).json(), {
    needs_setup: true,
    signup_policy: 'invite',
  });
  const attempts = await Promise.all(
    ['first', 'second', 'third'].map((name) =>
      post('/api/auth/setup', { name, email: `${name}@example.com`, password: `${name}-password-1` }),
    ),
  );
  const statuses = attempts.map((response) => response.status).sort();
  assert.deepEqual(statuses, [200, 403, 403], 'exactly one set-up wins a race');
  const winner = attempts.find((response) => response.status === 200);
  assert.match(winner?.headers.get('set-cookie') ?? '', /backchat_session=.+HttpOnly/i);
  const session = (await winner?.json()) as { user: { email: string; groups: string[] }; accessToken: string };
  assert.deepEqual(session.user.groups, ['admin']);
  assert.equal(await db.store.countUsers(), 1);
  assert.deepEqual(await (await fetch(`${server.url}/api/auth/setup`)).json(), {
    needs_setup: false,
    signup_policy: 'invite',
  });
  const late = await post('/api/auth/setup', { email: 'late@example.com', password: 'late-password-1' });
  assert.equal(late.status, 403);
  assert.match(((await late.json()) as { detail: string }).detail, /sign in/);
});
