/**
 * What a target database holds before a copy starts: a new database holds nothing, a freshly migrated
 * one nothing but the starter prompts migration 002 seeds; anything else is somebody's data, which a
 * copy never overwrites.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../database-schema.js';
import { promptLibrary } from '../prompt-library.js';
import { bookkeepingTables } from './copy-plan.js';
import { countQuery } from './copy-sql.js';

export interface TableCount {
  table: string;
  rows: number;
}

/** The number of rows in `table`. */
export async function countRows(db: Kysely<Database>, table: string): Promise<number> {
  const { rows } = await db.executeQuery<{ count: string | number }>(countQuery(table));
  return Number(rows[0]?.count ?? 0);
}

/** True when the prompts table holds exactly the shipped library, as migration 002 seeded it. */
async function holdsSeededPrompts(db: Kysely<Database>): Promise<boolean> {
  const rows = await db.selectFrom('prompts').selectAll().execute();
  const shipped = new Map(promptLibrary.map((prompt) => [prompt.id, prompt]));
  return (
    rows.length === shipped.size &&
    rows.every((row) => {
      const prompt = shipped.get(row.id);
      return (
        prompt !== undefined &&
        (row.enabled === true || row.enabled === 1) &&
        [row.title, row.description, row.prompt, row.category].join('\n') ===
          [prompt.title, prompt.description, prompt.prompt, prompt.category].join('\n')
      );
    })
  );
}

/** The tables of the PostgreSQL database's current schema, bookkeeping tables excepted. */
export async function postgresTables(db: Kysely<Database>): Promise<string[]> {
  const { rows } = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`.execute(db);
  return rows.map((row) => row.table_name).filter((name) => !bookkeepingTables.has(name));
}

/** The tables among `tables` that hold data in `db` (seeded starter prompts are not data). */
export async function tablesWithData(db: Kysely<Database>, tables: readonly string[]): Promise<TableCount[]> {
  const found: TableCount[] = [];
  for (const name of tables) {
    const rows = await countRows(db, name);
    if (rows === 0 || (name === 'prompts' && (await holdsSeededPrompts(db)))) continue;
    found.push({ table: name, rows });
  }
  return found;
}
