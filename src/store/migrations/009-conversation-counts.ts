/**
 * Migration 009: the conversation list's `total` without counting
 * (`conversation_counts`: owner, archived or not → how many of the owner's conversations the list shows,
 * i.e. visible and not temporary). Counting them on every page cost a scan of the owner's listing index
 * (tens of milliseconds at 100,000 conversations); the count kept here is one row read.
 *
 * The counts are kept by triggers on `conversations`, so every statement that creates, hides, archives,
 * unarchives or deletes a conversation (one at a time, "delete all", a purge, an import, an owner's
 * deletion) changes them in the same transaction: they cannot drift from the rows.
 *
 * - SQLite: row triggers on insert, delete, and update of the four columns that decide the count.
 * - PostgreSQL: statement triggers over the transition tables, one counter write per (owner, archived)
 *   and statement — a row trigger would update one counter row once per conversation, and a statement
 *   changing 100,000 conversations ("delete all") would pile up 100,000 versions of that row. The update
 *   trigger fires on every update of `conversations` (transition tables allow no column list); an update
 *   that changes no count writes nothing.
 */
import { type Kysely, sql } from 'kysely';
import type { StoreDialect } from '../dialects/store-dialect.js';
import type { Migration, MigrationProgress } from './migration.js';

/** Above this many conversations the back-fill says what it does (it is one pass over the listing index). */
const quietBackfill = 100_000;

/** SQL: whether conversation row `row` is one the list shows (and counts). */
const isListed = (row: string) => `${row}.is_visible and not ${row}.is_temporary`;

/** SQL: adds to the counts the rows of `select` (owner_id, is_archived, how many to add), creating missing ones. */
const addToCounts = (select: string) =>
  `insert into conversation_counts (owner_id, is_archived, listed) ${select}
    on conflict (owner_id, is_archived) do update set listed = conversation_counts.listed + excluded.listed`;

async function createTable(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  await db.schema
    .createTable('conversation_counts')
    .addColumn('owner_id', 'text', (column) => column.notNull().references('users.id').onDelete('cascade'))
    .addColumn('is_archived', dialect.booleanType, (column) => column.notNull())
    .addColumn('listed', 'integer', (column) => column.notNull())
    .addPrimaryKeyConstraint('conversation_counts_pkey', ['owner_id', 'is_archived'])
    .execute();
}

async function createSqliteTriggers(db: Kysely<unknown>): Promise<void> {
  const add = (row: string) => addToCounts(`select ${row}.owner_id, ${row}.is_archived, 1 where ${isListed(row)}`);
  const subtract = (row: string) =>
    `update conversation_counts set listed = listed - 1
      where owner_id = ${row}.owner_id and is_archived = ${row}.is_archived and ${isListed(row)}`;
  await sql
    .raw(`create trigger conversation_counts_insert after insert on conversations begin ${add('new')}; end`)
    .execute(db);
  await sql
    .raw(`create trigger conversation_counts_delete after delete on conversations begin ${subtract('old')}; end`)
    .execute(db);
  await sql
    .raw(
      `create trigger conversation_counts_update after update of owner_id, is_visible, is_archived, is_temporary
      on conversations when old.owner_id is not new.owner_id or old.is_visible is not new.is_visible
        or old.is_archived is not new.is_archived or old.is_temporary is not new.is_temporary
      begin ${subtract('old')}; ${add('new')}; end`,
    )
    .execute(db);
}

/** PostgreSQL: the listed rows of transition table `rows`, each counting `change`. */
const changes = (rows: string, change: number) =>
  `select owner_id, is_archived, ${change} as change from ${rows} where ${isListed(rows)}`;

/** The changes summed per (owner, archived), in key order (concurrent statements lock counters in one order). */
const summed = (select: string) =>
  `select owner_id, is_archived, sum(change) from (${select}) c
    group by owner_id, is_archived having sum(change) <> 0 order by owner_id, is_archived`;

async function createPostgresTriggers(db: Kysely<unknown>): Promise<void> {
  // A deletion only lowers counts; it updates rather than inserts, as the owner's counts may already be
  // gone when the conversations are deleted with their owner.
  await sql
    .raw(
      `create function backchat_conversation_counts() returns trigger language plpgsql as $$
      begin
        if tg_op = 'INSERT' then
          ${addToCounts(summed(changes('new_rows', 1)))};
        elsif tg_op = 'UPDATE' then
          ${addToCounts(summed(`${changes('new_rows', 1)} union all ${changes('old_rows', -1)}`))};
        else
          update conversation_counts t set listed = t.listed + d.sum from (${summed(changes('old_rows', -1))}) d
            where t.owner_id = d.owner_id and t.is_archived = d.is_archived;
        end if;
        return null;
      end $$`,
    )
    .execute(db);
  const transitions = {
    insert: 'new table as new_rows',
    update: 'old table as old_rows new table as new_rows',
    delete: 'old table as old_rows',
  };
  for (const [event, referencing] of Object.entries(transitions)) {
    await sql
      .raw(
        `create trigger conversation_counts_${event} after ${event} on conversations referencing ${referencing}
        for each statement execute function backchat_conversation_counts()`,
      )
      .execute(db);
  }
}

/**
 * Counts the conversations there are. Runs after the triggers exist: on PostgreSQL creating them locks
 * out writers until the migration commits, so no conversation is written between the count and them.
 */
async function backfill(db: Kysely<unknown>, onProgress: MigrationProgress): Promise<void> {
  const { rows } = await sql<{ n: string | number }>`
    select count(*) as n from (select 1 from conversations limit ${quietBackfill + 1}) c`.execute(db);
  if (Number(rows[0]?.n) > quietBackfill) onProgress('counting the conversations for the conversation list');
  await sql
    .raw(
      addToCounts(`select owner_id, is_archived, count(*) from conversations c where ${isListed('c')}
        group by owner_id, is_archived`),
    )
    .execute(db);
}

/** Migration 009. */
export const conversationCountsMigration: Migration = {
  name: '009-conversation-counts',
  async up(db: Kysely<unknown>, dialect: StoreDialect, onProgress: MigrationProgress = () => {}) {
    await createTable(db, dialect);
    if (dialect.kind === 'sqlite') await createSqliteTriggers(db);
    else await createPostgresTriggers(db);
    await backfill(db, onProgress);
  },
};
