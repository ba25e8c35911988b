/**
 * What differs between the databases the store runs on. Query code never asks which dialect it is
 * on; it gets everything dialect-specific from one of these objects (sqlite.ts, postgres.ts).
 */
import type { ColumnDataType, ColumnDefinitionBuilder, Dialect, Kysely } from 'kysely';
import type { Database } from '../database-schema.js';
import type { DatabaseConnectionError } from '../store-errors.js';

/** A column type plus the modifiers that complete its definition in a migration. */
export interface ColumnSpec {
  type: ColumnDataType;
  build: (column: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;
}

export interface StoreDialect {
  readonly kind: 'sqlite' | 'postgres';
  /** The database for people, never with a password: `SQLite file data/backchat.db`. */
  readonly description: string;
  /** The Kysely dialect, including connection set-up (pragmas, pool). */
  createKyselyDialect(): Dialect;
  /**
   * Maps one bound parameter value before the driver sees it (booleans as 0/1 on SQLite); absent when
   * the driver takes every value as it is.
   */
  readonly mapParameter?: (value: unknown) => unknown;
  /** An auto-increment integer primary key (messages.seq). */
  readonly autoIncrementKey: ColumnSpec;
  /** The column type of a boolean. */
  readonly booleanType: ColumnDataType;
  /** Serialises concurrent migration runs inside the migration transaction (no-op where writers are serial). */
  lockForMigration(db: Kysely<Database>): Promise<void>;
  /** Holds a lock named `key` until the transaction `db` ends (no-op where writers are serial). */
  lockForKey(db: Kysely<Database>, key: string): Promise<void>;
  /** Turns a driver error into a store error (`DuplicateKeyError`…) or returns it unchanged. */
  translateError(error: unknown): unknown;
  /** Explains a failure to open/reach the database: what happened and what to do next. */
  explainConnectError(error: unknown): DatabaseConnectionError;
}

/** The `code` of a driver error (`SQLITE_CONSTRAINT_UNIQUE`, `23505`, `ECONNREFUSED`…), if any. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
