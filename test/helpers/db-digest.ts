/**
 * A deterministic SHA-256 of every user-visible row of a test database, to prove that a rejected
 * request changed nothing: `const before = await db.digest(); …; assert.equal(await db.digest(), before)`.
 * For thousands of requests (the fuzz tiers), `openDigester` keeps one connection and offers a cheap
 * change mark, so the full digest is only recomputed when something was written.
 */
import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../src/store/database-schema.js';
import { type DatabaseConfig, openDatabase } from '../../src/store/open-database.js';

/** Every user-visible table and its primary key (the row order of the digest). */
const digestedTables = [
  ['users', 'id'],
  ['sessions', 'token_hash'],
  ['personal_access_tokens', 'id'],
  ['invites', 'id'],
  ['settings', 'key'],
  ['conversations', 'id'],
  ['messages', 'seq'],
  ['message_feedback', 'id'],
  ['prompts', 'id'],
  ['latency_reports', 'id'],
  ['analytics_events', 'id'],
  ['shares', 'id'],
  ['imported_conversations', 'conversation_id'],
] as const;

/** A row as canonical JSON: columns sorted by name, booleans as 0/1, BIGINTs as numbers. */
function canonicalRow(row: Record<string, unknown>): string {
  // When a credential was last used is bookkeeping, written at most once a minute by accepted requests.
  const columns = Object.keys(row)
    .filter((column) => column !== 'last_used_time')
    .sort();
  const values = columns.map((column) => {
    const value = row[column];
    if (typeof value === 'boolean') return Number(value);
    if (column === 'seq') return Number(value);
    return value;
  });
  return JSON.stringify([columns, values]);
}

async function digestOf(db: Kysely<Database>): Promise<string> {
  const hash = createHash('sha256');
  for (const [table, key] of digestedTables) {
    const rows = await db.selectFrom(table).selectAll().orderBy(key).execute();
    hash.update(`${table}\n`);
    for (const row of rows) hash.update(`${canonicalRow(row)}\n`);
  }
  return hash.digest('hex');
}

/** SHA-256 (hex) over the rows of every user-visible table, each ordered by primary key. */
export async function digestDatabase(target: DatabaseConfig | { config: DatabaseConfig }): Promise<string> {
  const config = 'config' in target ? target.config : target;
  const { db } = await openDatabase(config);
  try {
    return await digestOf(db);
  } finally {
    await db.destroy();
  }
}

/** A digest over one kept connection, plus a cheap mark that differs whenever a write may have happened. */
export interface Digester {
  digest(): Promise<string>;
  /**
   * Equal marks mean nothing was committed in between. SQLite: `PRAGMA data_version` (bumped by every
   * commit of another connection). PostgreSQL: each digested table's row count and newest `xmin` (an
   * insert or update leaves a newer `xmin`, a delete lowers the count).
   */
  changeMark(): Promise<string>;
  close(): Promise<void>;
}

async function postgresMark(db: Kysely<Database>): Promise<string> {
  const parts = digestedTables.map(
    ([table]) => sql`(select count(*) || ':' || coalesce(max(xmin::text::bigint), 0) from ${sql.table(table)})`,
  );
  const { rows } = await sql<{ mark: string }>`select concat_ws(',', ${sql.join(parts)}) as mark`.execute(db);
  return rows[0]?.mark ?? '';
}

async function sqliteMark(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ data_version: number }>`pragma data_version`.execute(db);
  return String(rows[0]?.data_version);
}

export async function openDigester(target: DatabaseConfig | { config: DatabaseConfig }): Promise<Digester> {
  const config = 'config' in target ? target.config : target;
  const { db } = await openDatabase(config);
  return {
    digest: () => digestOf(db),
    changeMark: () => (config.kind === 'sqlite' ? sqliteMark(db) : postgresMark(db)),
    close: () => db.destroy(),
  };
}
