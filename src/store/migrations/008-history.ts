/**
 * Migration 008: imported history (docs/decisions/2026-12-02-history-import-export.md).
 * - `messages.extras` / `conversations.extras`: the wire fields of an imported message or conversation
 *   that our columns cannot hold as they were (a content object other than `{content_type, parts}`, an
 *   author with metadata, keys we do not write), kept as JSON and given back verbatim. NULL for
 *   everything backchat writes itself, so its own output is unchanged.
 * - `imported_conversations`: which conversation of an owner came from which exported id, so importing
 *   the same export again finds it even when the exported id had to be replaced.
 */
import type { Kysely } from 'kysely';
import type { Migration } from './migration.js';

/** Migration 008. */
export const historyMigration: Migration = {
  name: '008-history',
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('messages').addColumn('extras', 'text').execute();
    await db.schema.alterTable('conversations').addColumn('extras', 'text').execute();
    await db.schema
      .createTable('imported_conversations')
      .addColumn('owner_id', 'text', (column) => column.notNull().references('users.id').onDelete('cascade'))
      .addColumn('source_id', 'text', (column) => column.notNull())
      .addColumn('conversation_id', 'text', (column) =>
        column.notNull().references('conversations.id').onDelete('cascade'),
      )
      .addPrimaryKeyConstraint('imported_conversations_pkey', ['owner_id', 'source_id'])
      .execute();
  },
};
