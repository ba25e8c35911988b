/**
 * Migration 004: answer leases. An answer being written (`in_progress`) is owned by one server process
 * (its instance id) until `lease_expire_time`, renewed while it runs. An answer whose lease ran out is
 * marked interrupted by whichever process sweeps next — never one another live process still owns
 * (docs/reliability.md).
 */
import type { Kysely } from 'kysely';
import type { Migration } from './migration.js';

const float = 'double precision';

/** Migration 004. */
export const generationsMigration: Migration = {
  name: '004-generations',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('generations')
      .addColumn('conversation_id', 'text', (column) => column.notNull())
      .addColumn('message_id', 'text', (column) => column.notNull())
      .addColumn('owner_id', 'text', (column) => column.notNull())
      .addColumn('instance_id', 'text', (column) => column.notNull())
      .addColumn('start_time', float, (column) => column.notNull())
      .addColumn('lease_expire_time', float, (column) => column.notNull())
      .addPrimaryKeyConstraint('generations_pkey', ['conversation_id', 'message_id'])
      .addForeignKeyConstraint(
        'generations_message_fk',
        ['conversation_id', 'message_id'],
        'messages',
        ['conversation_id', 'id'],
        (constraint) => constraint.onDelete('cascade'),
      )
      .execute();
    await db.schema.createIndex('generations_instance_idx').on('generations').column('instance_id').execute();
    await db.schema.createIndex('generations_lease_idx').on('generations').column('lease_expire_time').execute();
  },
};
