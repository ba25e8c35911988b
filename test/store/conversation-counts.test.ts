/**
 * The conversation list's `total`, kept by triggers (migration 009), and its pages read from either end,
 * on every database: the total equals a count of the listed rows after every way conversations are
 * written (one at a time, all at once, purged, imported, with their owner), the migration counts the
 * conversations already there, and every page is the slice of the whole list in its order, ties included.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Kysely } from 'kysely';
import { systemClock } from '../../src/clock.js';
import { openExportSource } from '../../src/conversation/history/export-source.js';
import { HistoryImporter } from '../../src/conversation/history/history-importer.js';
import { randomIds } from '../../src/ids.js';
import { createConversation, listConversations } from '../../src/store/conversation-queries.js';
import type { Database } from '../../src/store/database-schema.js';
import { migrations } from '../../src/store/migrations/index.js';
import { runMigrations } from '../../src/store/migrator.js';
import { openDatabase } from '../../src/store/open-database.js';
import type { Store } from '../../src/store/store.js';
import { createUser } from '../../src/store/user-queries.js';
import { generatedConversation, writeConversationsFile } from '../helpers/chatgpt-export.js';
import { createEmptyTestDatabase, forEachDatabase } from '../helpers/databases.js';
import { withTempFolder } from '../helpers/temp-folder.js';
import { newConversation, newUser, withDatabase } from './store-fixtures.js';

const ann = 'user-ann';
const bob = 'user-bob';

/** The listed conversations of `ownerId` (archived or not), counted. */
async function counted(db: Kysely<Database>, ownerId: string, archived: boolean): Promise<number> {
  const row = await db
    .selectFrom('conversations')
    .select((eb) => eb.fn.countAll().as('count'))
    .where('owner_id', '=', ownerId)
    .where('is_visible', '=', true)
    .where('is_temporary', '=', false)
    .where('is_archived', '=', archived)
    .executeTakeFirst();
  return Number(row?.count);
}

/** Asserts that the list's totals of every owner, archived and not, equal a count of the rows. */
async function assertExact(db: Kysely<Database>, step: string): Promise<void> {
  for (const ownerId of [ann, bob]) {
    for (const archived of [false, true]) {
      const page = await listConversations(db, ownerId, { offset: 0, limit: 1, archived });
      assert.equal(page.total, await counted(db, ownerId, archived), `${step}: ${ownerId}, archived ${archived}`);
    }
  }
}

/** Imports `count` generated conversations (every fourth archived) for `ownerId`. */
async function importConversations(store: Store, ownerId: string, count: number): Promise<void> {
  await withTempFolder('counts', async (dir) => {
    const conversations = Array.from({ length: count }, (_, n) => generatedConversation(n));
    const source = await openExportSource(await writeConversationsFile(join(dir, 'conversations.json'), conversations));
    try {
      const summary = await new HistoryImporter({ store, ids: randomIds, clock: systemClock }).importExport(
        ownerId,
        source,
      );
      assert.equal(summary.imported, count);
    } finally {
      await source.close();
    }
  });
}

forEachDatabase((kind) => {
  test(`${kind}: every page, read from either end, is the slice of the whole list (ties by id)`, () =>
    withDatabase(kind, async ({ store }) => {
      await store.createUser(newUser('ann'));
      await store.createUser(newUser('bob'));
      const count = 300;
      // Created out of order, update times in runs of 7 equal ones: the order of ties is the id's.
      for (let step = 0; step < count; step += 1) {
        const n = (step * 173) % count;
        const id = `c-${String(n).padStart(4, '0')}`;
        await store.createConversation(newConversation(ann, id, { createTime: 1_700_000_000 + Math.floor(n / 7) }));
        if (n % 10 === 3) await store.updateConversation(ann, id, { isArchived: true });
        if (n % 25 === 4) await store.updateConversation(ann, id, { isVisible: false });
      }
      await store.createConversation(
        newConversation(ann, 'temporary', { createTime: 1_800_000_000, isTemporary: true }),
      );
      await store.createConversation(newConversation(bob, 'bobs', { createTime: 1_800_000_000 }));
      for (const archived of [false, true]) {
        const whole = await store.listConversations(ann, { offset: 0, limit: count, archived });
        const ids = whole.items.map((item) => item.id);
        const expected = whole.items
          .map((item) => ({ id: item.id, time: item.updateTime }))
          .sort((a, b) => b.time - a.time || (a.id < b.id ? -1 : 1))
          .map((item) => item.id);
        assert.deepEqual(ids, expected);
        assert.equal(whole.total, archived ? 30 : 258);
        for (const limit of [1, 7, 28, 100]) {
          for (let offset = 0; offset <= whole.total + 1; offset += archived ? 1 : 3) {
            const page = await store.listConversations(ann, { offset, limit, archived });
            const label = `archived ${archived}, offset ${offset}, limit ${limit}`;
            assert.deepEqual(page, { items: whole.items.slice(offset, offset + limit), total: whole.total }, label);
          }
        }
      }
    }));

  test(`${kind}: the total stays exact through every way conversations are written`, () =>
    withDatabase(kind, async ({ store, config }) => {
      const { db } = await openDatabase(config);
      try {
        await store.createUser(newUser('ann'));
        await store.createUser(newUser('bob'));
        await assertExact(db, 'no conversations');
        for (const n of [1, 2, 3, 4, 5]) await store.createConversation(newConversation(ann, `a${n}`));
        await store.createConversation(newConversation(bob, 'b1'));
        await store.createConversation(newConversation(ann, 'temporary', { isTemporary: true }));
        await assertExact(db, 'created');
        await store.updateConversation(ann, 'a1', { isVisible: false });
        await store.updateConversation(ann, 'temporary', { isVisible: false });
        await assertExact(db, 'hidden');
        await store.updateConversation(ann, 'a2', { isArchived: true });
        await store.updateConversation(ann, 'a3', { isArchived: true });
        await store.updateConversation(ann, 'a3', { isArchived: false });
        await store.updateConversation(ann, 'a1', { isArchived: true });
        await assertExact(db, 'archived, unarchived, a hidden one archived');
        await store.updateConversation(ann, 'a1', { isVisible: true, isArchived: true });
        await store.updateConversation(ann, 'a4', { title: 'renamed', updateTime: 1_900_000_000 });
        await store.updateConversation(ann, 'a2', { isArchived: true });
        await assertExact(db, 'shown again, renamed, archived twice');
        assert.equal(await store.archiveAllConversations(ann), 3);
        await assertExact(db, 'archive all');
        await store.createConversation(newConversation(ann, 'a6'));
        assert.equal(await store.hideAllConversations(ann, 1_900_000_001), 6);
        await assertExact(db, 'delete all');
        await store.createConversation(newConversation(bob, 'old-temporary', { isTemporary: true, createTime: 1 }));
        assert.equal(await store.purgeTemporaryConversations(2), 1);
        await assertExact(db, 'temporary chats purged');
        await importConversations(store, ann, 12);
        await assertExact(db, 'history imported');
        assert.ok(await counted(db, ann, true));
        await db.deleteFrom('conversations').where('id', 'in', ['b1', 'a6']).execute();
        await assertExact(db, 'conversations deleted');
        await db.deleteFrom('users').where('id', '=', ann).execute();
        await assertExact(db, 'owner deleted');
        const left = await db.selectFrom('conversation_counts').select('owner_id').distinct().execute();
        assert.deepEqual(
          left.map((row) => row.owner_id),
          [bob],
        );
      } finally {
        await db.destroy();
      }
    }));

  test(`${kind}: the migration counts the conversations already there`, async () => {
    const empty = await createEmptyTestDatabase(kind);
    const { db, dialect } = await openDatabase(empty.config);
    try {
      const counts = migrations.findIndex((migration) => migration.name === '009-conversation-counts');
      await runMigrations(db, dialect, () => {}, migrations.slice(0, counts));
      for (const user of [newUser('ann'), newUser('bob')]) await createUser(db, user);
      for (const n of [1, 2, 3]) await createConversation(db, newConversation(ann, `a${n}`));
      await createConversation(db, newConversation(ann, 'temporary', { isTemporary: true }));
      await createConversation(db, newConversation(bob, 'b1'));
      await db.updateTable('conversations').set({ is_archived: true }).where('id', '=', 'a2').execute();
      await db.updateTable('conversations').set({ is_visible: false }).where('id', '=', 'a3').execute();
      await runMigrations(db, dialect);
      await assertExact(db, 'migrated');
      assert.equal((await listConversations(db, ann, { offset: 0, limit: 10, archived: false })).total, 1);
    } finally {
      await db.destroy();
      await empty.drop();
    }
  });
});
