/**
 * The statements of the copy's hot path, as compiled SQL text: a page of rows in key order (keyset
 * pagination: each page starts after the last key of the one before, on an index, in bounded memory)
 * and an insert of many rows. Table and column names come from the schemas (copy-plan.ts) and are quoted.
 */
import { CompiledQuery } from 'kysely';
import type { CopyTable } from './copy-plan.js';

export type SqlDialect = 'sqlite' | 'postgres';

/** The primary-key values of one row, in key order: where the next page starts. */
export type RowKey = readonly unknown[];

/** `name` as an SQL identifier (both dialects quote with double quotes). */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function placeholders(dialect: SqlDialect, count: number): string {
  return Array.from({ length: count }, (_, index) => (dialect === 'sqlite' ? '?' : `$${index + 1}`)).join(', ');
}

function columnList(names: readonly string[]): string {
  return names.map(quoteIdentifier).join(', ');
}

/** The rows of `table` after `after` (or from the first), in key order, at most `limit` of them. */
export function pageQuery(dialect: SqlDialect, table: CopyTable, after: RowKey | null, limit: number): CompiledQuery {
  const key = columnList(table.key);
  const columns = columnList(table.columns.map((column) => column.name));
  const from = `select ${columns} from ${quoteIdentifier(table.name)}`;
  const order = `order by ${key} limit ${Math.trunc(limit)}`;
  if (after === null) return CompiledQuery.raw(`${from} ${order}`);
  // Row values compare lexicographically, like the key's index orders them.
  const where =
    after.length === 1
      ? `where ${key} > ${placeholders(dialect, 1)}`
      : `where (${key}) > (${placeholders(dialect, after.length)})`;
  return CompiledQuery.raw(`${from} ${where} ${order}`, [...after]);
}

/** The key of a row read by `pageQuery`. */
export function keyOf(table: CopyTable, row: Record<string, unknown>): RowKey {
  return table.key.map((column) => row[column]);
}

/**
 * One PostgreSQL insert of `rows` (each a value list in the order of `table.columns`), sent as one
 * typed array per column and unnested by the server: a statement of a few parameters, whatever the
 * number of rows, which PostgreSQL parses far faster than a long VALUES list.
 */
export function insertQuery(table: CopyTable, rows: readonly (readonly unknown[])[]): CompiledQuery {
  const columns = columnList(table.columns.map((column) => column.name));
  const arrays = table.columns.map((column, index) => `$${index + 1}::${quoteIdentifier(column.sqlType)}[]`);
  const values = table.columns.map((_, index) => rows.map((row) => row[index]));
  return CompiledQuery.raw(
    `insert into ${quoteIdentifier(table.name)} (${columns}) select * from unnest(${arrays.join(', ')})`,
    values,
  );
}

/** Moves the sequence of a PostgreSQL identity/serial column past the largest copied value. */
export function resetSequenceQuery(table: CopyTable, column: string): CompiledQuery {
  const name = quoteIdentifier(table.name);
  return CompiledQuery.raw(
    `select setval(pg_get_serial_sequence($1, $2), coalesce(max(${quoteIdentifier(column)}), 0) + 1, false) from ${name}`,
    [name, column],
  );
}

/** `select count(*) as count from table`. */
export function countQuery(table: string): CompiledQuery {
  return CompiledQuery.raw(`select count(*) as count from ${quoteIdentifier(table)}`);
}
