/** Opens the configured database, brings its schema up to date and returns the Store on it. */
import { KyselyStore } from './kysely-store.js';
import { type ProgressListener, runMigrations } from './migrator.js';
import { type DatabaseConfig, openDatabase } from './open-database.js';
import type { Store } from './store.js';

export type { DatabaseConfig } from './open-database.js';

export interface OpenStoreOptions {
  /** Receives one line per step for people (`database: SQLite file data/backchat.db`, `applying migration …`). */
  onProgress?: ProgressListener;
}

/**
 * Connects (creating the SQLite file and its folder if missing), runs pending migrations, and returns
 * the store; `close()` releases the connection or pool. Throws `DatabaseConnectionError` (the message
 * says what to check, never a password) or `MigrationError`.
 */
export async function openStore(database: DatabaseConfig, options: OpenStoreOptions = {}): Promise<Store> {
  const onProgress = options.onProgress ?? (() => {});
  const { db, dialect } = await openDatabase(database);
  onProgress(`database: ${dialect.description}`);
  try {
    await runMigrations(db, dialect, onProgress);
  } catch (error) {
    await db.destroy().catch(() => {});
    throw error;
  }
  return new KyselyStore(db, dialect);
}
