/**
 * The hot statements of a turn and of every authenticated request, built and compiled by Kysely once
 * per shape and then run with new values. Building a Kysely query (its frozen operation tree) and
 * compiling it to SQL cost more CPU than SQLite takes to run most of these statements
 * (docs/performance.md, P2); the SQL of a statement only depends on its shape, so it is kept.
 *
 * A statement is built with slots in place of its values: `slot('ownerId')` stands for a value that
 * each run supplies by name, and a run puts its values in the slots' places. A builder must not use
 * any value of its caller: the first compile would keep it for every later run, so a parameter that
 * is not a slot fails the compile (a flag the code always sets is a slot too). The key names the
 * shape: everything that changes the SQL (which columns, how many rows) must be in it — each use
 * derives its key from exactly what it builds with.
 */
import type { Compilable, CompiledQuery, QueryResult } from 'kysely';
import type { Database } from './database-schema.js';
import type { Executor } from './executor.js';

/** A value standing for a named slot (typed `never` so that it fits wherever a builder takes a value). */
export type Slot = (name: string) => never;

/** The prefix of a slot's stand-in value: no text a user can send contains U+0000 (text-guard.ts). */
const slotPrefix = '\u0000slot:';

interface Statement {
  compiled: CompiledQuery;
  /** The slot of each compiled parameter, in order. */
  slots: string[];
}

/**
 * Compiled statements per dialect (the adapter object a database and its transactions share), by
 * key. Shapes are few (a few dozen); the bound only guards against a key that was not one.
 */
const statements = new WeakMap<object, Map<string, Statement>>();
const maxStatements = 1_000;

function compile(key: string, build: (slot: Slot) => Compilable<unknown>): Statement {
  const slot = ((name: string) => `${slotPrefix}${name}`) as Slot;
  const compiled = build(slot).compile();
  if (compiled.sql.includes(slotPrefix)) throw new Error(`a slot was written into the SQL itself: ${compiled.sql}`);
  const slots = compiled.parameters.map((value) => {
    // A value the builder took from its caller would be kept for every later run.
    if (typeof value !== 'string' || !value.startsWith(slotPrefix)) {
      throw new Error(`statement "${key}" has a value that is not a slot: ${String(value)}`);
    }
    return value.slice(slotPrefix.length);
  });
  return { compiled, slots };
}

/** The statement of `key` on this database's dialect, compiled by `build` the first time. */
function statementFor(
  db: Executor,
  key: string,
  build: (slot: Slot) => Compilable<unknown>,
  check?: (slots: readonly string[]) => void,
): Statement {
  const adapter = db.getExecutor().adapter;
  let byKey = statements.get(adapter);
  if (!byKey) {
    byKey = new Map();
    statements.set(adapter, byKey);
  }
  let statement = byKey.get(key);
  if (!statement) {
    if (byKey.size >= maxStatements) byKey.clear();
    statement = compile(key, build);
    check?.(statement.slots);
    byKey.set(key, statement);
  }
  return statement;
}

function execute<Row>(db: Executor, compiled: CompiledQuery, parameters: unknown[]): Promise<QueryResult<Row>> {
  return db.executeQuery<Row>({ sql: compiled.sql, query: compiled.query, queryId: compiled.queryId, parameters });
}

/**
 * Runs the statement `build` makes (compiled the first time `key` is seen on this dialect) with
 * `values` in its slots. Every slot the statement has must have a value (undefined is refused: it
 * would silently bind NULL where the builder meant to leave a column out).
 */
export async function runCompiled<Row>(
  db: Executor,
  key: string,
  build: (slot: Slot) => Compilable<Row>,
  values: Readonly<Record<string, unknown>>,
): Promise<QueryResult<Row>> {
  const { compiled, slots } = statementFor(db, key, build);
  const parameters = new Array<unknown>(slots.length);
  for (let index = 0; index < slots.length; index += 1) {
    const value = values[slots[index] as string];
    if (value === undefined) throw new Error(`no value for slot ${slots[index]} of statement "${key}"`);
    parameters[index] = value;
  }
  return execute<Row>(db, compiled, parameters);
}

/** The first row a compiled statement returns (`executeTakeFirst`). */
export async function firstCompiled<Row>(
  db: Executor,
  key: string,
  build: (slot: Slot) => Compilable<Row>,
  values: Readonly<Record<string, unknown>>,
): Promise<Row | undefined> {
  return (await runCompiled(db, key, build, values)).rows[0];
}

/** Rows per insert kept as one compiled shape; more are built as usual. */
const maxInsertRows = 8;

/** A value bound as it is: not undefined (a column Kysely would leave out) nor an SQL expression. */
function isPlainValue(value: unknown): boolean {
  if (value === undefined) return false;
  return value === null || typeof value !== 'object' || value instanceof Uint8Array;
}

/**
 * The columns every row has, in the same order, each a plain value — or undefined when the rows are
 * not of one shape, are too many, or hold anything else (an expression changes the SQL).
 */
export function sharedColumns(rows: readonly Record<string, unknown>[]): string[] | undefined {
  const [first] = rows;
  if (!first || rows.length > maxInsertRows) return undefined;
  const columns = Object.keys(first);
  for (const row of rows) {
    const keys = row === first ? columns : Object.keys(row);
    if (keys.length !== columns.length) return undefined;
    for (let position = 0; position < columns.length; position += 1) {
      const column = columns[position] as string;
      if (keys[position] !== column || !isPlainValue(row[column])) return undefined;
    }
  }
  return columns;
}

/**
 * Inserts `rows` into `table` with a compiled statement per row count and columns (rows of mixed
 * columns, or many rows, are built as usual).
 */
export async function insertRows(
  db: Executor,
  table: keyof Database & string,
  rows: readonly Record<string, unknown>[],
): Promise<void> {
  const columns = sharedColumns(rows);
  if (!columns) {
    await db
      .insertInto(table)
      .values(rows as never)
      .execute();
    return;
  }
  const slotOf = (row: number, column: string) => `${row}.${column}`;
  const { compiled } = statementFor(
    db,
    `insert ${table} ${rows.length} ${columns.join(',')}`,
    (slot) =>
      db
        .insertInto(table)
        .values(
          rows.map((_, row) =>
            Object.fromEntries(columns.map((column) => [column, slot(slotOf(row, column))])),
          ) as never,
        ),
    // The values are bound row by row, each in column order: checked once, then taken as they come.
    (slots) => {
      const expected = rows.flatMap((_, row) => columns.map((column) => slotOf(row, column)));
      if (slots.join('\n') !== expected.join('\n')) throw new Error(`insert into ${table}: unexpected parameter order`);
    },
  );
  const parameters = new Array<unknown>(rows.length * columns.length);
  let index = 0;
  for (const row of rows) for (const column of columns) parameters[index++] = row[column];
  await execute(db, compiled, parameters);
}

/**
 * Sets `values` (the columns of a patch) on the rows of `table` whose columns equal `where`, with a
 * compiled statement per table and column lists; returns how many rows changed.
 */
export async function updateColumns(
  db: Executor,
  table: keyof Database & string,
  values: Readonly<Record<string, unknown>>,
  where: Readonly<Record<string, unknown>>,
): Promise<bigint> {
  const columns = Object.keys(values);
  const conditions = Object.keys(where);
  const slotted: Record<string, unknown> = {};
  for (const column of columns) slotted[`set.${column}`] = values[column];
  for (const column of conditions) slotted[`where.${column}`] = where[column];
  const build = (slot: Slot) => {
    const set = Object.fromEntries(columns.map((column) => [column, slot(`set.${column}`)]));
    let query = db.updateTable(table).set(set as never);
    for (const column of conditions) query = query.where(column as never, '=', slot(`where.${column}`));
    return query;
  };
  const key = `update ${table} set ${columns.join(',')} where ${conditions.join(',')}`;
  return (await runCompiled(db, key, build, slotted)).numAffectedRows ?? 0n;
}
