/**
 * Migration 005: the server processes using this database. Each running instance keeps a row with a
 * heartbeat, so an instance can tell it is not alone — and warn when several instances share a
 * database without Redis to share their limits and live answers (docs/deploy.md).
 */
import type { Kysely } from 'kysely';
import type { Migration } from './migration.js';

const float = 'double precision';

/** Migration 005. */
export const instancesMigration: Migration = {
  name: '005-instances',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('instances')
      .addColumn('instance_id', 'text', (column) => column.primaryKey())
      /** Where it runs, for people: `host:port (pid N)`. */
      .addColumn('label', 'text', (column) => column.notNull())
      /** Whether it shares state through Redis (REDIS_URL set). */
      .addColumn('shared_state', 'text', (column) => column.notNull())
      .addColumn('start_time', float, (column) => column.notNull())
      .addColumn('heartbeat_time', float, (column) => column.notNull())
      .execute();
  },
};
