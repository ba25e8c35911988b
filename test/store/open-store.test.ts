/** openStore and the migrator: idempotent and race-safe migrations, operator edits kept, errors that say what to do. */
import assert from 'node:assert/strict';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { sql } from 'kysely';
import { migrations } from '../../src/store/migrations/index.js';
import type { Migration } from '../../src/store/migrations/migration.js';
import { runMigrations } from '../../src/store/migrator.js';
import { describeDatabase, openDatabase } from '../../src/store/open-database.js';
import { openStore } from '../../src/store/open-store.js';
import { DatabaseConnectionError, MigrationError } from '../../src/store/store-errors.js';
import {
  createEmptyTestDatabase,
  forEachDatabase,
  postgresTestUrl,
  postgresUnavailable,
} from '../helpers/databases.js';
import { withTempFolder } from '../helpers/temp-folder.js';
import { withDatabase } from './store-fixtures.js';

async function rejectsWith(promise: Promise<unknown>, ...fragments: string[]): Promise<string> {
  let message = '';
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof DatabaseConnectionError, String(error));
    message = error.message;
    for (const fragment of fragments) assert.ok(message.includes(fragment), `${message} lacks ${fragment}`);
    return true;
  });
  return message;
}

forEachDatabase((kind) => {
  test(`${kind}: reopening runs no migration and keeps the operator's prompt edits`, () =>
    withDatabase(kind, async ({ config, store }) => {
      const [first, second] = await store.listPrompts();
      assert.ok(first && second);
      await store.upsertPrompt({ ...first, title: 'Edited by the operator' });
      assert.equal(await store.deletePrompt(second.id), true);
      const count = (await store.listPrompts()).length;
      const progress: string[] = [];
      const reopened = await openStore(config, { onProgress: (line) => progress.push(line) });
      try {
        assert.deepEqual(progress.slice(1), [`schema is up to date (${migrations.length} migrations, 0 applied now)`]);
        assert.match(progress[0] ?? '', /^database: (SQLite file|PostgreSQL at)/);
        const prompts = await reopened.listPrompts();
        assert.equal(prompts.length, count);
        assert.equal(prompts.find((prompt) => prompt.id === first.id)?.title, 'Edited by the operator');
        assert.equal(
          prompts.find((prompt) => prompt.id === second.id),
          undefined,
        );
      } finally {
        await reopened.close();
      }
    }));

  test(`${kind}: a failing migration rolls the whole run back and names itself`, async () => {
    const empty = await createEmptyTestDatabase(kind);
    const { db, dialect } = await openDatabase(empty.config);
    try {
      const createsTable: Migration = {
        name: '001-ok',
        up: (handle) => handle.schema.createTable('t1').addColumn('a', 'text').execute(),
      };
      const fails: Migration = {
        name: '002-broken',
        up: async (handle) => void (await sql`select * from missing_table`.execute(handle)),
      };
      await assert.rejects(
        runMigrations(db, dialect, () => {}, [createsTable, fails]),
        (error: unknown) => {
          assert.ok(error instanceof MigrationError);
          assert.match(error.message, /^migration 002-broken failed: /);
          return true;
        },
      );
      const applied: string[] = [];
      assert.deepEqual(await runMigrations(db, dialect, (line) => applied.push(line), [createsTable]), ['001-ok']);
      assert.deepEqual(applied, ['applying migration 001-ok', 'schema is up to date (1 migrations, 1 applied now)']);
    } finally {
      await db.destroy();
      await empty.drop();
    }
  });

  test(`${kind}: a newer database's unknown migrations give a warning, not a failure`, () =>
    withDatabase(kind, async ({ config }) => {
      const { db } = await openDatabase(config);
      await db.insertInto('schema_migrations').values({ name: '999-future', apply_time: 1 }).execute();
      await db.destroy();
      const progress: string[] = [];
      const store = await openStore(config, { onProgress: (line) => progress.push(line) });
      await store.close();
      assert.ok(
        progress.some((line) => line.startsWith('warning: ') && line.includes('999-future')),
        progress.join('\n'),
      );
    }));
});

test('postgres: three instances starting together on an empty database migrate it exactly once', async (context) => {
  if ((await postgresUnavailable()) !== undefined) return context.skip('no PostgreSQL');
  const empty = await createEmptyTestDatabase('postgres');
  const progress: string[] = [];
  try {
    const stores = await Promise.all(
      [1, 2, 3].map(() => openStore(empty.config, { onProgress: (line) => progress.push(line) })),
    );
    const counts = await Promise.all(stores.map(async (store) => (await store.listPrompts()).length));
    await Promise.all(stores.map((store) => store.close()));
    assert.equal(new Set(counts).size, 1);
    assert.equal(progress.filter((line) => line === 'applying migration 001-initial').length, 1);
  } finally {
    await empty.drop();
  }
});

test('sqlite: openStore creates missing folders and reports its progress', () =>
  withTempFolder('open', async (folder) => {
    const file = join(folder, 'nested', 'deeper', 'backchat.db');
    const progress: string[] = [];
    const store = await openStore({ kind: 'sqlite', file }, { onProgress: (line) => progress.push(line) });
    await store.close();
    await store.close();
    assert.ok((await stat(file)).isFile());
    assert.deepEqual(progress, [
      `database: SQLite file ${file}`,
      ...migrations.map((migration) => `applying migration ${migration.name}`),
      `schema is up to date (${migrations.length} migrations, ${migrations.length} applied now)`,
    ]);
    // The list runs in numbering order, from 001-initial.
    const names = migrations.map((migration) => migration.name);
    assert.deepEqual(names, [...names].sort());
    assert.equal(names[0], '001-initial');
  }));

test('sqlite: an unusable path or a file that is not a database fails with what to do', () =>
  withTempFolder('open', async (folder) => {
    const notFolder = join(folder, 'plain-file');
    await writeFile(notFolder, 'x');
    await rejectsWith(
      openStore({ kind: 'sqlite', file: join(notFolder, 'db.sqlite') }),
      'cannot open SQLite database',
      'writable',
    );
    const garbage = join(folder, 'garbage.db');
    await writeFile(garbage, 'this is not a database file, not at all, no'.repeat(100));
    await rejectsWith(openStore({ kind: 'sqlite', file: garbage }), 'is not a SQLite database');
  }));

test('postgres: an unreachable server is explained without the password', async () => {
  const url = 'postgres://admin:s3cret-pw@127.0.0.1:1/backchat';
  const message = await rejectsWith(
    openStore({ kind: 'postgres', url }),
    'cannot connect to PostgreSQL at 127.0.0.1:1',
    'is it running? check DATABASE_URL',
  );
  assert.ok(!message.includes('s3cret-pw'));
  assert.equal(describeDatabase({ kind: 'postgres', url }), 'PostgreSQL at 127.0.0.1:1/backchat');
});

test('postgres: a missing database or role is explained', async (context) => {
  if ((await postgresUnavailable()) !== undefined) return context.skip('no PostgreSQL');
  const missingDatabase = new URL(postgresTestUrl);
  missingDatabase.pathname = '/backchat_t_does_not_exist';
  await rejectsWith(
    openStore({ kind: 'postgres', url: missingDatabase.toString() }),
    'does not exist',
    'create the database (createdb backchat_t_does_not_exist)',
  );
  const missingRole = new URL(postgresTestUrl);
  missingRole.username = 'backchat_no_such_role';
  missingRole.password = 'hunter2-secret';
  const message = await rejectsWith(
    openStore({ kind: 'postgres', url: missingRole.toString() }),
    'cannot log in as "backchat_no_such_role"',
    'DATABASE_URL',
  );
  assert.ok(!message.includes('hunter2-secret'));
});

test('postgres: a connection killed mid-query is a DatabaseConnectionError, and the pool recovers', async (context) => {
  if ((await postgresUnavailable()) !== undefined) return context.skip('no PostgreSQL');
  const empty = await createEmptyTestDatabase('postgres');
  const { db } = await openDatabase(empty.config);
  try {
    const name = new URL(empty.config.kind === 'postgres' ? empty.config.url : '').pathname.slice(1);
    // Settle it into a value at once: it rejects while this test is still busy killing it.
    const outcome = sql`select pg_sleep(5)`.execute(db).then(
      () => undefined,
      (error: unknown) => error,
    );
    const admin = await openDatabase({ kind: 'postgres', url: postgresTestUrl });
    await delay(300);
    await sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${name} and query like '%pg_sleep%' and pid <> pg_backend_pid()`.execute(
      admin.db,
    );
    await admin.db.destroy();
    const error = await outcome;
    assert.ok(error instanceof DatabaseConnectionError, String(error));
    assert.match(error.message, /^lost the connection to PostgreSQL at /);
    assert.deepEqual((await sql<{ one: number }>`select 1 as one`.execute(db)).rows, [{ one: 1 }]);
  } finally {
    await db.destroy();
    await empty.drop();
  }
});
