/**
 * Statements compiled once per shape and run with new values (src/store/compiled-statements.ts): each
 * run binds its own values (nothing of an earlier run is kept), inside transactions too, on every
 * database; a builder that would freeze a caller's value, and a run missing a value, fail loudly.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Kysely, sql } from 'kysely';
import {
  firstCompiled,
  insertRows,
  runCompiled,
  sharedColumns,
  updateColumns,
} from '../../src/store/compiled-statements.js';
import type { Database } from '../../src/store/database-schema.js';
import { openDatabase } from '../../src/store/open-database.js';
import { forEachDatabase } from '../helpers/databases.js';
import { userWithConversation, withDatabase } from './store-fixtures.js';

async function withKysely(kind: 'sqlite' | 'postgres', work: (db: Kysely<Database>) => Promise<void>) {
  await withDatabase(kind, async (database) => {
    const { db } = await openDatabase(database.config);
    try {
      await work(db);
    } finally {
      await db.destroy();
    }
  });
}

const setting = (db: Kysely<Database>, key: string) =>
  firstCompiled(db, 'test: setting', (slot) => db.selectFrom('settings').selectAll().where('key', '=', slot('key')), {
    key,
  });

forEachDatabase((kind) => {
  test(`${kind}: every run binds its own values, and reads what Kysely's own statement reads`, () =>
    withDatabase(kind, async (database) => {
      const ann = await userWithConversation(database.store, 'ann', 'c-ann');
      const bob = await userWithConversation(database.store, 'bob', 'c-bob');
      const { db } = await openDatabase(database.config);
      let builds = 0;
      try {
        for (const [ownerId, id] of [
          [ann, 'c-ann'],
          [bob, 'c-bob'],
          [ann, 'c-bob'],
        ] as const) {
          const compiled = await firstCompiled(
            db,
            'test: owned conversation',
            (slot) => {
              builds += 1;
              return db
                .selectFrom('conversations')
                .select(['id', 'owner_id', 'is_visible'])
                .where('owner_id', '=', slot('ownerId'))
                .where('id', '=', slot('id'))
                .where('is_visible', '=', slot('visible'));
            },
            { ownerId, id, visible: true },
          );
          const plain = await db
            .selectFrom('conversations')
            .select(['id', 'owner_id', 'is_visible'])
            .where('owner_id', '=', ownerId)
            .where('id', '=', id)
            .where('is_visible', '=', true)
            .executeTakeFirst();
          assert.deepEqual(compiled, plain, `${ownerId} ${id}`);
        }
        // Built and compiled by Kysely once, for the first run only.
        assert.equal(builds, 1);
      } finally {
        await db.destroy();
      }
    }));

  test(`${kind}: inserts of one shape bind each call's rows; rows of another shape are written as given`, () =>
    withKysely(kind, async (db) => {
      await insertRows(db, 'settings', [{ key: 'a', value: '1' }]);
      await insertRows(db, 'settings', [{ key: 'b', value: '2' }]);
      await insertRows(db, 'settings', [
        { key: 'c', value: '3' },
        { key: 'd', value: '4' },
      ]);
      // Columns in another order are another shape.
      await insertRows(db, 'settings', [{ value: '5', key: 'e' }]);
      const rows = await db.selectFrom('settings').selectAll().where('key', 'in', ['a', 'b', 'c', 'd', 'e']).execute();
      assert.deepEqual(rows.map((row) => `${row.key}=${row.value}`).sort(), ['a=1', 'b=2', 'c=3', 'd=4', 'e=5']);
      assert.deepEqual(await setting(db, 'd'), { key: 'd', value: '4' });
      assert.equal(await setting(db, 'missing'), undefined);
    }));

  test(`${kind}: updates set each call's columns on the rows matching each call's conditions`, () =>
    withKysely(kind, async (db) => {
      await insertRows(db, 'settings', [
        { key: 'a', value: '1' },
        { key: 'b', value: '2' },
      ]);
      assert.equal(await updateColumns(db, 'settings', { value: 'one' }, { key: 'a' }), 1n);
      assert.equal(await updateColumns(db, 'settings', { value: 'two' }, { key: 'b' }), 1n);
      assert.equal(await updateColumns(db, 'settings', { value: 'none' }, { key: 'missing' }), 0n);
      // Another set of conditions is another statement.
      assert.equal(await updateColumns(db, 'settings', { value: 'still one' }, { key: 'a', value: 'one' }), 1n);
      assert.equal(await updateColumns(db, 'settings', { value: 'x' }, { key: 'b', value: 'one' }), 0n);
      assert.deepEqual(await setting(db, 'a'), { key: 'a', value: 'still one' });
      assert.deepEqual(await setting(db, 'b'), { key: 'b', value: 'two' });
    }));

  test(`${kind}: a compiled statement runs inside the transaction it is given`, () =>
    withKysely(kind, async (db) => {
      await assert.rejects(
        db.transaction().execute(async (tx) => {
          await insertRows(tx, 'settings', [{ key: 'in-tx', value: 'x' }]);
          assert.deepEqual(await setting(tx, 'in-tx'), { key: 'in-tx', value: 'x' });
          throw new Error('roll back');
        }),
        /roll back/,
      );
      assert.equal(await setting(db, 'in-tx'), undefined);
    }));
});

test('a builder that uses a value of its caller, and a run without a value for a slot, are refused', () =>
  withKysely('sqlite', async (db) => {
    const captured = 'a value the first compile would keep';
    await assert.rejects(
      () =>
        runCompiled(
          db,
          'test: captured value',
          (slot) => db.selectFrom('settings').selectAll().where('key', '=', slot('key')).where('value', '=', captured),
          { key: 'k' },
        ),
      /has a value that is not a slot/,
    );
    // A flag is refused too: a caller's boolean looks exactly like one written in the code.
    await assert.rejects(
      () =>
        runCompiled(
          db,
          'test: captured flag',
          (slot) =>
            db
              .selectFrom('conversations')
              .select('id')
              .where('owner_id', '=', slot('ownerId'))
              .where('is_visible', '=', true),
          { ownerId: 'o' },
        ),
      /has a value that is not a slot: true/,
    );
    await assert.rejects(
      () =>
        runCompiled(db, 'test: missing value', (slot) => db.deleteFrom('settings').where('key', '=', slot('key')), {}),
      /no value for slot key/,
    );
  }));

test('shared columns: the columns of rows of one shape (same columns, same order, none undefined)', () => {
  assert.deepEqual(
    sharedColumns([
      { key: 'a', value: '1' },
      { key: 'b', value: null },
    ]),
    ['key', 'value'],
  );
  assert.equal(sharedColumns([{ key: 'a', value: '1' }, { key: 'b' }]), undefined);
  assert.equal(
    sharedColumns([
      { key: 'a', value: '1' },
      { value: '2', key: 'b' },
    ]),
    undefined,
  );
  assert.equal(sharedColumns([{ key: 'a', value: undefined }]), undefined);
  assert.equal(sharedColumns([{ key: 'a', value: sql`upper('x')` }]), undefined);
  assert.deepEqual(sharedColumns([{ key: 'a', value: Buffer.from('x'), n: 1, flag: false }]), [
    'key',
    'value',
    'n',
    'flag',
  ]);
  assert.equal(sharedColumns(Array.from({ length: 9 }, (_, index) => ({ key: String(index) }))), undefined);
  assert.equal(sharedColumns([]), undefined);
});
