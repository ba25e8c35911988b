/**
 * Migration 010: an index of each conversation's messages in insertion order, `(conversation_id, seq)`.
 * Reading a long conversation a page at a time (`GET conversation/{id}`, src/conversation/conversation-json.ts)
 * asks for "the next 200 messages after this one": without it every page read and sorted the whole
 * conversation (9 ms a page at 10,000 messages); with it a page is a range of the index. Listing a
 * conversation's messages in order needs no sort either.
 */
import { type Kysely, sql } from 'kysely';
import type { Migration, MigrationProgress } from './migration.js';

/** Above this many messages building the index says what it does (it reads every message once). */
const quietIndexing = 100_000;

/** Migration 010. */
export const messageOrderMigration: Migration = {
  name: '010-message-order',
  async up(db: Kysely<unknown>, _dialect, onProgress: MigrationProgress = () => {}) {
    const { rows } = await sql<{ n: string | number }>`
      select count(*) as n from (select 1 from messages limit ${quietIndexing + 1}) m`.execute(db);
    if (Number(rows[0]?.n) > quietIndexing) onProgress('indexing the messages in conversation order');
    await db.schema
      .createIndex('messages_conversation_seq_idx')
      .on('messages')
      .columns(['conversation_id', 'seq'])
      .execute();
  },
};
