/** Queries on `analytics_events`: Segment-style events posted by clients, stored as received. */
import { CompiledQuery } from 'kysely';
import { jsonColumn } from './column-codecs.js';
import type { AnalyticsEventsTable } from './database-schema.js';
import type { StoreDialect } from './dialects/store-dialect.js';
import type { Executor } from './executor.js';
import { rowMapper } from './row-mapper.js';
import type { AnalyticsEvent } from './store.js';
import { guardText } from './text-guard.js';

const eventRows = rowMapper<AnalyticsEventsTable, AnalyticsEvent>({ properties: jsonColumn, context: jsonColumn });

/** The columns in the order the INSERTs below bind them. */
const columns = [
  'id',
  'user_id',
  'claimed_user_id',
  'anonymous_id',
  'type',
  'event',
  'message_id',
  'timestamp',
  'properties',
  'context',
  'receive_time',
] as const satisfies ReadonlyArray<keyof AnalyticsEventsTable>;

const columnList = columns.join(', ');

/**
 * Rows per INSERT on SQLite. Events are written in a few fixed statement sizes, so that a handful
 * of SQL texts — each prepared once and kept in the dialect's statement cache — serve every count
 * (a text per count would fill that cache); 128 rows bind 1,408 parameters, well under SQLite's limit.
 */
const sqliteStatementRows = [128, 32, 8, 1];

/** The SQL of an INSERT of `rows` rows, built once per size. */
const sqliteInsertText = new Map<number, string>();

function sqliteInsert(rows: number): string {
  let text = sqliteInsertText.get(rows);
  if (!text) {
    const row = `(${columns.map(() => '?').join(', ')})`;
    text = `insert into analytics_events (${columnList}) values ${Array.from({ length: rows }, () => row).join(', ')}`;
    sqliteInsertText.set(rows, text);
  }
  return text;
}

/**
 * On PostgreSQL one statement of any size: a parameter per column, each an array of that column's
 * values, turned back into rows by `unnest`.
 */
const postgresInsert = `insert into analytics_events (${columnList}) select * from unnest(${columns
  .map((column, index) => `$${index + 1}::${column === 'receive_time' ? 'double precision' : 'text'}[]`)
  .join(', ')})`;

/**
 * The bound values of `events[start, end)`, row after row in `columns` order, each passed through the
 * text guard here: on PostgreSQL they are bound as one array per column, which the connection's guard
 * (translating-dialect.ts) sees as one value and does not look into.
 */
function boundValues(events: AnalyticsEvent[], start: number, end: number): unknown[] {
  const values: unknown[] = [];
  for (let index = start; index < end; index++) {
    const row = eventRows.toRow(events[index] as AnalyticsEvent);
    for (const column of columns) values.push(guardText(row[column]));
  }
  return values;
}

async function insertOnSqlite(db: Executor, events: AnalyticsEvent[]): Promise<void> {
  let start = 0;
  for (const size of sqliteStatementRows) {
    for (; events.length - start >= size; start += size) {
      await db.executeQuery(CompiledQuery.raw(sqliteInsert(size), boundValues(events, start, start + size)));
    }
  }
}

async function insertOnPostgres(db: Executor, events: AnalyticsEvent[]): Promise<void> {
  const values = boundValues(events, 0, events.length);
  const columnArrays = columns.map((_, column) => events.map((_event, row) => values[row * columns.length + column]));
  await db.executeQuery(CompiledQuery.raw(postgresInsert, columnArrays));
}

/** Inserts the events with prepared multi-row statements (call inside a transaction for all-or-nothing). */
export async function insertAnalyticsEvents(
  db: Executor,
  kind: StoreDialect['kind'],
  events: AnalyticsEvent[],
): Promise<void> {
  if (events.length === 0) return;
  if (kind === 'postgres') await insertOnPostgres(db, events);
  else await insertOnSqlite(db, events);
}

/** The user's events by receive_time, then id. */
export async function listAnalyticsEvents(db: Executor, userId: string): Promise<AnalyticsEvent[]> {
  const rows = await db
    .selectFrom('analytics_events')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('receive_time')
    .orderBy('id')
    .execute();
  return rows.map(eventRows.fromRow);
}
