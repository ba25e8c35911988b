/** The shape of one numbered schema migration. */
import type { Kysely } from 'kysely';
import type { StoreDialect } from '../dialects/store-dialect.js';

/**
 * One step of the schema. `up` runs inside the migration transaction, at most once per database
 * (recorded in `schema_migrations`). Migrations never change once released: add a new one instead.
 */
export interface Migration {
  /** `NNN-kebab-name`; the run order is the order of the list in index.ts. */
  name: string;
  /** `onProgress` takes a line for people, for steps that can run long (e.g. a backfill). */
  up(db: Kysely<unknown>, dialect: StoreDialect, onProgress?: MigrationProgress): Promise<void>;
}

/** Receives one line per step of a long migration, for people. */
export type MigrationProgress = (message: string) => void;
