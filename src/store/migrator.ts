/**
 * Runs the pending migrations at start-up: one transaction for the whole run (all or nothing),
 * serialised across instances by the dialect's lock, recorded in `schema_migrations`. Idempotent.
 */
import type { Kysely } from 'kysely';
import { epochSeconds, systemClock } from '../clock.js';
import type { Database } from './database-schema.js';
import type { StoreDialect } from './dialects/store-dialect.js';
import { errorMessage } from './dialects/store-dialect.js';
import { migrations as shippedMigrations } from './migrations/index.js';
import type { Migration } from './migrations/migration.js';
import { MigrationError } from './store-errors.js';

/** Receives one line per step, for people (`applying migration 001-initial`). */
export type ProgressListener = (message: string) => void;

async function appliedMigrationNames(db: Kysely<Database>): Promise<Set<string>> {
  await db.schema
    .createTable('schema_migrations')
    .ifNotExists()
    .addColumn('name', 'text', (column) => column.primaryKey())
    .addColumn('apply_time', 'double precision', (column) => column.notNull())
    .execute();
  const rows = await db.selectFrom('schema_migrations').select('name').execute();
  return new Set(rows.map((row) => row.name));
}

async function applyMigration(
  db: Kysely<Database>,
  dialect: StoreDialect,
  migration: Migration,
  onProgress: ProgressListener,
): Promise<void> {
  try {
    // A migration describes a past schema, not today's `Database` type: it gets an untyped handle.
    await migration.up(db as unknown as Kysely<unknown>, dialect, onProgress);
  } catch (error) {
    throw new MigrationError(`migration ${migration.name} failed: ${errorMessage(error)}`, { cause: error });
  }
  const applyTime = epochSeconds(systemClock.now());
  await db.insertInto('schema_migrations').values({ name: migration.name, apply_time: applyTime }).execute();
}

function reportUnknown(applied: Set<string>, migrations: readonly Migration[], onProgress: ProgressListener): void {
  const known = new Set(migrations.map((migration) => migration.name));
  const unknown = [...applied].filter((name) => !known.has(name));
  if (unknown.length > 0) {
    onProgress(
      `warning: the database has migrations this version does not know (${unknown.join(', ')}): was it upgraded by a newer backchat?`,
    );
  }
}

/** Applies every pending migration; returns the names applied (empty when the schema was up to date). */
export async function runMigrations(
  db: Kysely<Database>,
  dialect: StoreDialect,
  onProgress: ProgressListener = () => {},
  migrations: readonly Migration[] = shippedMigrations,
): Promise<string[]> {
  const appliedNow = await db.transaction().execute(async (transaction) => {
    await dialect.lockForMigration(transaction);
    const applied = await appliedMigrationNames(transaction);
    reportUnknown(applied, migrations, onProgress);
    const pending = migrations.filter((migration) => !applied.has(migration.name));
    for (const migration of pending) {
      onProgress(`applying migration ${migration.name}`);
      await applyMigration(transaction, dialect, migration, onProgress);
    }
    return pending.map((migration) => migration.name);
  });
  onProgress(`schema is up to date (${migrations.length} migrations, ${appliedNow.length} applied now)`);
  return appliedNow;
}
