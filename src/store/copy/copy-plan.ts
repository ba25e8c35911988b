/**
 * What `backchat copy` copies, read from the two schemas themselves — never a hand-kept list that
 * could drift from the migrations: every table of the SQLite source (minus SQLite's own and the
 * bookkeeping tables), parents before children (by its foreign keys), each with its primary key (the
 * order rows are paged in) and its columns typed by the PostgreSQL target (how values convert).
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../database-schema.js';
import { CopyError } from './copy-errors.js';

/** How a column's values are represented, from the target's column type. */
export type ColumnKind = 'boolean' | 'integer' | 'float' | 'text';

export interface CopyColumn {
  name: string;
  kind: ColumnKind;
  /** The target's type name (`int8`, `text`, `bool`…), for typed arrays in inserts. */
  sqlType: string;
  /** A PostgreSQL identity (or serial) column: its sequence is moved past the copied ids. */
  identity: boolean;
}

export interface CopyTable {
  name: string;
  /** Every column, in the source's order. */
  columns: CopyColumn[];
  /** The primary key's columns, in key order: rows are read in this order, batch after batch. */
  key: string[];
}

/**
 * Tables that are not data: each side migrates itself (`schema_migrations`), and the copy keeps its
 * progress in the target (`backchat_copy`, see copy-marker.ts).
 */
export const bookkeepingTables: ReadonlySet<string> = new Set(['schema_migrations', 'backchat_copy']);

const kindOfPostgresType: Record<string, ColumnKind> = {
  boolean: 'boolean',
  smallint: 'integer',
  integer: 'integer',
  bigint: 'integer',
  real: 'float',
  'double precision': 'float',
  text: 'text',
  'character varying': 'text',
};

interface SqliteColumnInfo {
  name: string;
  /** 0 when not in the primary key, else the column's 1-based position in it. */
  pk: number;
}

interface PostgresColumnInfo {
  table_name: string;
  column_name: string;
  data_type: string;
  udt_name: string;
  is_identity: string;
  column_default: string | null;
}

/**
 * Tables each side derives from the copied rows by its own triggers, never copied: the conversation
 * list's counts (migration 009) on both sides, and the search index (migration 006) — PostgreSQL's
 * `search_documents` on the target, and on the source an SQLite virtual table with its shadow tables,
 * found by what they are rather than by name.
 */
const derivedTables: ReadonlySet<string> = new Set(['conversation_counts']);
export const derivedPostgresTables: ReadonlySet<string> = new Set([...derivedTables, 'search_documents']);

/** The data tables of an SQLite database, oldest first (the order they were created). */
export async function sqliteDataTables(db: Kysely<Database>): Promise<string[]> {
  const { rows } = await sql<{ name: string; sql: string | null }>`
    select name, sql from sqlite_master where type = 'table' order by rowid`.execute(db);
  // A virtual table (full-text search) keeps its data in shadow tables named after it: `<name>_<part>`.
  const virtual = rows.filter((row) => /^\s*create\s+virtual\s+table/i.test(row.sql ?? '')).map((row) => row.name);
  const derived = (name: string) =>
    derivedTables.has(name) || virtual.some((table) => name === table || name.startsWith(`${table}_`));
  return rows
    .map((row) => row.name)
    .filter((name) => !name.startsWith('sqlite_') && !bookkeepingTables.has(name) && !derived(name));
}

async function sqliteColumns(db: Kysely<Database>, table: string): Promise<SqliteColumnInfo[]> {
  const { rows } = await sql<SqliteColumnInfo>`select name, pk from pragma_table_info(${table})`.execute(db);
  return rows;
}

async function sqliteParents(db: Kysely<Database>, table: string): Promise<string[]> {
  const { rows } = await sql<{ table: string }>`select "table" from pragma_foreign_key_list(${table})`.execute(db);
  return rows.map((row) => row.table);
}

async function postgresColumns(db: Kysely<Database>): Promise<Map<string, PostgresColumnInfo[]>> {
  const { rows } = await sql<PostgresColumnInfo>`
    select table_name, column_name, data_type, udt_name, is_identity, column_default
    from information_schema.columns where table_schema = current_schema()
    order by table_name, ordinal_position`.execute(db);
  const byTable = new Map<string, PostgresColumnInfo[]>();
  for (const row of rows) byTable.set(row.table_name, [...(byTable.get(row.table_name) ?? []), row]);
  return byTable;
}

/** Parents before children; ties keep the given order. Self-references (messages' parent) do not count. */
export function dependencyOrder(tables: readonly string[], parents: ReadonlyMap<string, readonly string[]>): string[] {
  const placed = new Set<string>();
  const ready = (table: string) =>
    (parents.get(table) ?? []).every((parent) => parent === table || placed.has(parent) || !tables.includes(parent));
  while (placed.size < tables.length) {
    const next = tables.find((table) => !placed.has(table) && ready(table));
    if (next === undefined) {
      const left = tables.filter((table) => !placed.has(table)).join(', ');
      throw new CopyError(`the foreign keys of ${left} form a cycle: copy cannot order these tables`);
    }
    placed.add(next);
  }
  return [...placed];
}

function columnOf(table: string, info: PostgresColumnInfo): CopyColumn {
  const kind = kindOfPostgresType[info.data_type];
  if (!kind) {
    throw new CopyError(`column ${table}.${info.column_name} has type ${info.data_type}, which copy does not convert`);
  }
  const identity = info.is_identity === 'YES' || (info.column_default ?? '').startsWith('nextval(');
  return { name: info.column_name, kind, sqlType: info.udt_name, identity };
}

async function planTable(
  source: Kysely<Database>,
  table: string,
  targetColumns: readonly PostgresColumnInfo[] | undefined,
): Promise<CopyTable> {
  if (!targetColumns) throw new CopyError(`the target has no table ${table}: are both sides on the same version?`);
  const sourceColumns = await sqliteColumns(source, table);
  const byName = new Map(targetColumns.map((column) => [column.column_name, column]));
  const columns = sourceColumns.map((column) => {
    const info = byName.get(column.name);
    if (!info || sourceColumns.length !== targetColumns.length) {
      throw new CopyError(`table ${table} has different columns in the source and the target: cannot copy it`);
    }
    return columnOf(table, info);
  });
  const key = sourceColumns.filter((column) => column.pk > 0).sort((a, b) => a.pk - b.pk);
  if (key.length === 0) throw new CopyError(`table ${table} has no primary key: copy cannot page through it`);
  return { name: table, columns, key: key.map((column) => column.name) };
}

/**
 * Every data table of `source` (SQLite) with its columns typed by `target` (PostgreSQL), parents first.
 * Throws `CopyError` when the two schemas differ (a table or column on one side only, an unknown type).
 */
export async function planCopy(source: Kysely<Database>, target: Kysely<Database>): Promise<CopyTable[]> {
  const tables = await sqliteDataTables(source);
  const targetColumns = await postgresColumns(target);
  const extra = [...targetColumns.keys()].filter(
    (name) => !bookkeepingTables.has(name) && !derivedPostgresTables.has(name) && !tables.includes(name),
  );
  if (extra.length > 0)
    throw new CopyError(
      `the target has tables backchat does not (${extra.join(', ')}): copy into a database of its own`,
    );
  const parents = new Map<string, string[]>();
  for (const table of tables) parents.set(table, await sqliteParents(source, table));
  const planned: CopyTable[] = [];
  for (const table of dependencyOrder(tables, parents)) {
    planned.push(await planTable(source, table, targetColumns.get(table)));
  }
  return planned;
}
