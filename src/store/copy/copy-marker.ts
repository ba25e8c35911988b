/**
 * The copy's progress, kept in the target itself (table `backchat_copy`, one row per copied table):
 * which source it copies, the key of the last row copied and how many rows are in. Each batch of rows
 * is inserted in the same transaction as its row here, so after a crash or a lost connection the
 * marker says exactly what is in the target, and a re-run goes on from there. A verified copy drops
 * the table; its presence means "an unfinished copy of `source`", its absence plus data means "not a copy".
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../database-schema.js';
import type { CopyTable } from './copy-plan.js';
import type { RowKey } from './copy-sql.js';

export const markerTable = 'backchat_copy';

/** The progress of one table. */
export interface TableProgress {
  table: string;
  /** The source, for people and for telling copies apart: `SQLite file /var/lib/backchat/backchat.sqlite`. */
  source: string;
  /** The key of the last row copied; null before the first batch. */
  lastKey: RowKey | null;
  rowsCopied: number;
  done: boolean;
}

interface MarkerRow {
  table_name: string;
  source: string;
  last_key: string | null;
  rows_copied: string | number;
  done: boolean;
}

/** The target's marker rows, or undefined when it holds no unfinished copy. */
export async function readMarker(db: Kysely<Database>): Promise<TableProgress[] | undefined> {
  const { rows: found } = await sql<{ present: boolean }>`
    select to_regclass(${markerTable}) is not null as present`.execute(db);
  if (!found[0]?.present) return undefined;
  const { rows } = await sql<MarkerRow>`select * from ${sql.table(markerTable)} order by table_name`.execute(db);
  return rows.map((row) => ({
    table: row.table_name,
    source: row.source,
    lastKey: row.last_key === null ? null : (JSON.parse(row.last_key) as RowKey),
    rowsCopied: Number(row.rows_copied),
    done: row.done,
  }));
}

/** Creates the marker (if missing) and sets every table of `tables` to "nothing copied yet" from `source`. */
export async function startMarker(db: Kysely<Database>, source: string, tables: readonly CopyTable[]): Promise<void> {
  await sql`create table if not exists ${sql.table(markerTable)} (
    table_name text primary key,
    source text not null,
    last_key text,
    rows_copied bigint not null,
    done boolean not null
  )`.execute(db);
  await sql`delete from ${sql.table(markerTable)}`.execute(db);
  for (const table of tables) await resetTable(db, source, table.name);
}

async function resetTable(db: Kysely<Database>, source: string, table: string): Promise<void> {
  await sql`insert into ${sql.table(markerTable)} (table_name, source, last_key, rows_copied, done)
    values (${table}, ${source}, null, 0, false)`.execute(db);
}

/** Adds rows for tables the marker does not know yet (the schema gained a table since the last attempt). */
export async function addMissingTables(
  db: Kysely<Database>,
  source: string,
  progress: readonly TableProgress[],
  tables: readonly CopyTable[],
): Promise<void> {
  const known = new Set(progress.map((entry) => entry.table));
  for (const table of tables) if (!known.has(table.name)) await resetTable(db, source, table.name);
}

/** Records a committed batch (call inside the batch's transaction). */
export async function recordBatch(
  db: Kysely<Database>,
  table: string,
  lastKey: RowKey,
  rowsCopied: number,
): Promise<void> {
  await sql`update ${sql.table(markerTable)} set last_key = ${JSON.stringify(lastKey)}, rows_copied = ${rowsCopied}
    where table_name = ${table}`.execute(db);
}

/** Marks a table copied completely. */
export async function markDone(db: Kysely<Database>, table: string): Promise<void> {
  await sql`update ${sql.table(markerTable)} set done = true where table_name = ${table}`.execute(db);
}

/** Removes the marker: the target is now a verified copy. */
export async function dropMarker(db: Kysely<Database>): Promise<void> {
  await sql`drop table if exists ${sql.table(markerTable)}`.execute(db);
}
