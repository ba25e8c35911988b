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

function statementFor(db: Executor, key: string, build: (slot: Slot) => Compilable<unknown>): Statement {
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
    byKey.set(key, statement);
  }
  return statement;
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
  const parameters = slots.map((slot) => {
    const value = values[slot];
    if (value === undefined) throw new Error(`no value for slot ${slot} of statement "${key}"`);
    return value;
  });
  return db.executeQuery<Row>({ ...compiled, parameters });
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

/** The rows a compiled statement changed (`numAffectedRows`; 0 when the driver did not say). */
export async function changedByCompiled(
  db: Executor,
  key: string,
  build: (slot: Slot) => Compilable<unknown>,
  values: Readonly<Record<string, unknown>>,
): Promise<bigint> {
  return (await runCompiled(db, key, build, values)).numAffectedRows ?? 0n;
}

/** Rows of one shape written for a compiled insert: the columns, in order, and every value by slot. */
export interface RowSlots {
  /** The shape's key part: the row count and the columns in order. */
  shape: string;
  /** Each row's values with slots in place of the values (what the builder inserts). */
  slotted: (slot: Slot) => Record<string, never>[];
  /** The values by slot name. */
  values: Record<string, unknown>;
}

/**
 * Slots for inserting `rows`, or undefined when they do not all have the same columns in the same
 * order (then the caller builds the insert as usual) or are too many to be one shape worth keeping.
 */
export function rowSlots(rows: readonly Record<string, unknown>[], maxRows = 8): RowSlots | undefined {
  const [first] = rows;
  if (!first || rows.length > maxRows) return undefined;
  const columns = Object.keys(first);
  const values: Record<string, unknown> = {};
  for (const [index, row] of rows.entries()) {
    const keys = Object.keys(row);
    if (keys.length !== columns.length) return undefined;
    for (const [position, column] of columns.entries()) {
      if (keys[position] !== column) return undefined;
      const value = row[column];
      // An undefined value is a column Kysely leaves out of that row: not this shape.
      if (value === undefined) return undefined;
      values[`${index}.${column}`] = value;
    }
  }
  return {
    shape: `${rows.length} ${columns.join(',')}`,
    slotted: (slot) =>
      rows.map((_, index) => Object.fromEntries(columns.map((column) => [column, slot(`${index}.${column}`)]))),
    values,
  };
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
  const slots = rowSlots(rows);
  if (!slots) {
    await db
      .insertInto(table)
      .values(rows as never)
      .execute();
    return;
  }
  await runCompiled(
    db,
    `insert ${table} ${slots.shape}`,
    (slot) => db.insertInto(table).values(slots.slotted(slot) as never),
    slots.values,
  );
}
