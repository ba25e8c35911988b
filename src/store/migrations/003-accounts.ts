/**
 * Migration 003: accounts done right — public session ids (so sessions can be listed and ended one by
 * one) with a last-used time, per-user model access, personal access tokens and one-time invites.
 */
import type { Kysely } from 'kysely';
import type { Migration } from './migration.js';

const float = 'double precision';

/** The sessions table as this migration knows it. */
type SessionsAtVersion3 = { sessions: { token_hash: string; id: string | null } };

async function extendSessions(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sessions').addColumn('id', 'text').execute();
  await db.schema.alterTable('sessions').addColumn('last_used_time', float).execute();
  const typed = db.withTables<SessionsAtVersion3>();
  const rows = await typed.selectFrom('sessions').select('token_hash').execute();
  for (const row of rows) {
    await typed
      .updateTable('sessions')
      .set({ id: crypto.randomUUID() })
      .where('token_hash', '=', row.token_hash)
      .execute();
  }
  await db.schema.createIndex('sessions_id_key').unique().on('sessions').column('id').execute();
}

async function createPersonalAccessTokens(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('personal_access_tokens')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('user_id', 'text', (column) => column.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('token_hash', 'text', (column) => column.notNull().unique())
    .addColumn('prefix', 'text', (column) => column.notNull())
    .addColumn('create_time', float, (column) => column.notNull())
    .addColumn('expire_time', float)
    .addColumn('last_used_time', float)
    .execute();
  await db.schema
    .createIndex('personal_access_tokens_user_idx')
    .on('personal_access_tokens')
    .column('user_id')
    .execute();
}

async function createInvites(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('invites')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('token_hash', 'text', (column) => column.notNull().unique())
    .addColumn('email', 'text')
    .addColumn('role', 'text', (column) => column.notNull())
    .addColumn('created_by', 'text', (column) => column.references('users.id').onDelete('set null'))
    .addColumn('create_time', float, (column) => column.notNull())
    .addColumn('expire_time', float, (column) => column.notNull())
    .addColumn('used_time', float)
    .addColumn('used_by', 'text', (column) => column.references('users.id').onDelete('set null'))
    .execute();
}

/** Migration 003. */
export const accountsMigration: Migration = {
  name: '003-accounts',
  async up(db) {
    await extendSessions(db);
    await db.schema.alterTable('users').addColumn('model_access', 'text').execute();
    await createPersonalAccessTokens(db);
    await createInvites(db);
  },
};
