/**
 * Connects a Kysely instance to a configured database (SQLite file or PostgreSQL URL), with the
 * text guard, the dialect's parameter mapping and error translation — without migrating. openStore builds on
 * it; tools and tests that need raw SQL (digests, invariant checks) use it directly.
 */
import { Kysely, sql } from 'kysely';
import type { Database } from './database-schema.js';
import { postgresDialect } from './dialects/postgres.js';
import { sqliteDialect } from './dialects/sqlite.js';
import type { StoreDialect } from './dialects/store-dialect.js';
import { translatingDialect } from './translating-dialect.js';

/** Where the data lives: an SQLite file (created with its folder if missing) or a PostgreSQL URL. */
export type DatabaseConfig = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; poolSize?: number };

/** A connected database and the dialect it was opened with. */
export interface OpenedDatabase {
  db: Kysely<Database>;
  dialect: StoreDialect;
}

/** The dialect object for a configuration. */
export function dialectFor(config: DatabaseConfig): StoreDialect {
  return config.kind === 'sqlite' ? sqliteDialect(config.file) : postgresDialect(config.url, config.poolSize);
}

/** The database for people, with no password: `SQLite file data/backchat.db`, `PostgreSQL at host:5432/db`. */
export function describeDatabase(config: DatabaseConfig): string {
  return dialectFor(config).description;
}

/**
 * Connects and checks the connection with one query, so an unreachable database fails here with a
 * `DatabaseConnectionError` that says what to do. Call `db.destroy()` to release it.
 */
export async function openDatabase(config: DatabaseConfig): Promise<OpenedDatabase> {
  const dialect = dialectFor(config);
  const db = new Kysely<Database>({
    dialect: translatingDialect(dialect),
  });
  try {
    await sql`select 1`.execute(db);
  } catch (error) {
    await db.destroy().catch(() => {});
    throw error;
  }
  return { db, dialect };
}
