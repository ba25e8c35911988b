/**
 * A digest of a table's data, computed the same way on SQLite and PostgreSQL: every row written in
 * one canonical form (column-values.ts), hashed with SHA-256, and the row hashes added up modulo
 * 2^256. The sum does not depend on the order rows are read in, so each side pages through its own
 * primary-key index (their text orderings differ: SQLite compares bytes, PostgreSQL its collation)
 * in batches, never holding a whole table.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../database-schema.js';
import { canonicalValue } from './column-values.js';
import type { CopyTable } from './copy-plan.js';
import { keyOf, pageQuery, type RowKey, type SqlDialect } from './copy-sql.js';

export interface TableDigest {
  table: string;
  rows: number;
  /** SHA-256 (hex) of the table's name, columns, row count and the sum of its row hashes. */
  digest: string;
}

const modulus = 1n << 256n;
const digestPageRows = 2000;

/** One row as canonical JSON: its values in the order of `table.columns`. */
export function canonicalRow(table: CopyTable, row: Record<string, unknown>): string {
  return JSON.stringify(table.columns.map((column) => canonicalValue(column, row[column.name])));
}

function rowHash(text: string): bigint {
  return BigInt(`0x${createHash('sha256').update(text).digest('hex')}`);
}

/**
 * The digest of `table` in `db` (a `dialect` database), read page by page in its key order;
 * `onPage` hears the number of rows read so far.
 */
export async function digestTable(
  db: Kysely<Database>,
  dialect: SqlDialect,
  table: CopyTable,
  onPage: (rows: number) => void = () => {},
): Promise<TableDigest> {
  let sum = 0n;
  let rows = 0;
  let after: RowKey | null = null;
  for (;;) {
    const page = await db.executeQuery<Record<string, unknown>>(pageQuery(dialect, table, after, digestPageRows));
    for (const row of page.rows) sum = (sum + rowHash(canonicalRow(table, row))) % modulus;
    rows += page.rows.length;
    onPage(rows);
    const last = page.rows.at(-1);
    if (last === undefined || page.rows.length < digestPageRows) break;
    after = keyOf(table, last);
  }
  const columns = table.columns.map((column) => `${column.name}:${column.kind}`).join(',');
  const digest = createHash('sha256')
    .update(`${table.name}\n${columns}\n${rows}\n${sum.toString(16)}`)
    .digest('hex');
  return { table: table.name, rows, digest };
}

/** One digest over several tables' digests (in the given order). */
export function combinedDigest(digests: readonly TableDigest[]): string {
  const hash = createHash('sha256');
  for (const { table, rows, digest } of digests) hash.update(`${table} ${rows} ${digest}\n`);
  return hash.digest('hex');
}
