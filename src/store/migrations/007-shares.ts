/**
 * Migration 007: share links. A share is a read-only snapshot of one branch of a conversation (root →
 * the node shared), frozen when shared: later messages and edits never reach it. Deleting the
 * conversation deletes its share (the foreign key cascades). One share per conversation: sharing it
 * again refreshes the snapshot (docs/decisions/2026-12-02-share-links.md).
 */
import type { Kysely } from 'kysely';
import type { StoreDialect } from '../dialects/store-dialect.js';
import type { Migration } from './migration.js';

const float = 'double precision';

/** Migration 007. */
export const sharesMigration: Migration = {
  name: '007-shares',
  async up(db: Kysely<unknown>, dialect: StoreDialect) {
    await db.schema
      .createTable('shares')
      .addColumn('id', 'text', (column) => column.primaryKey())
      .addColumn('owner_id', 'text', (column) => column.notNull().references('users.id').onDelete('cascade'))
      .addColumn('conversation_id', 'text', (column) =>
        column.notNull().unique().references('conversations.id').onDelete('cascade'),
      )
      .addColumn('title', 'text', (column) => column.notNull())
      .addColumn('current_node', 'text', (column) => column.notNull())
      .addColumn('model', 'text')
      .addColumn('is_public', dialect.booleanType, (column) => column.notNull())
      .addColumn('is_visible', dialect.booleanType, (column) => column.notNull())
      .addColumn('is_anonymous', dialect.booleanType, (column) => column.notNull())
      .addColumn('highlighted_message_id', 'text')
      /** JSON array of the shared branch's message records, root first. */
      .addColumn('snapshot', 'text', (column) => column.notNull())
      .addColumn('create_time', float, (column) => column.notNull())
      .addColumn('update_time', float, (column) => column.notNull())
      .execute();
    await db.schema.createIndex('shares_owner_idx').on('shares').columns(['owner_id', 'create_time']).execute();
  },
};
