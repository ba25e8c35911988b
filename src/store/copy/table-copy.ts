/**
 * Copies one table: pages of rows in key order from the source snapshot (about 8 MB each, so memory
 * stays bounded whatever the table's size), each page inserted in one target transaction together
 * with its progress row, the next page read while the last one is written. A finished table gets its identity sequences moved past the copied ids.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../database-schema.js';
import { targetValue } from './column-values.js';
import { CopyError } from './copy-errors.js';
import { markDone, recordBatch, type TableProgress } from './copy-marker.js';
import type { CopyTable } from './copy-plan.js';
import { formatCount } from './copy-progress.js';
import type { CopyRun } from './copy-run.js';
import { insertQuery, keyOf, pageQuery, type RowKey, resetSequenceQuery } from './copy-sql.js';
import { countRows } from './target-contents.js';

type Row = Record<string, unknown>;

interface TableRun {
  table: CopyTable;
  /** Rows in the source. */
  total: number;
  /** Rows in the target (an earlier attempt's included). */
  done: number;
  /** Rows this run copied, since `started` (monotonic ms). */
  copied: number;
  started: number;
}

/** Copies what `state` says is left of `table` from `snapshot` (the source) into `run.target`. */
export async function copyTable(
  run: CopyRun,
  snapshot: Kysely<Database>,
  table: CopyTable,
  state: TableProgress,
): Promise<void> {
  const total = await countRows(snapshot, table.name);
  const current: TableRun = { table, total, done: state.rowsCopied, copied: 0, started: run.clock.monotonicMs() };
  if (!state.done) {
    if (total > 0) announce(run, current, false);
    try {
      await copyRows(run, snapshot, current, state.lastKey);
      await finishTable(run, table);
    } catch (error) {
      throw interrupted(current, error);
    }
  }
  announce(run, current, true);
}

function announce(run: CopyRun, current: TableRun, finished: boolean): void {
  run.progress.table({
    phase: 'copy',
    table: current.table.name,
    done: current.done,
    total: current.total,
    copiedNow: current.copied,
    elapsedMs: run.clock.monotonicMs() - current.started,
    finished,
  });
}

function interrupted(current: TableRun, error: unknown): CopyError {
  const reason = error instanceof Error ? error.message : String(error);
  const at = `${formatCount(current.done)} of ${formatCount(current.total)} rows`;
  return new CopyError(
    `copying ${current.table.name} stopped after ${at} (${reason}); what was copied is kept: run the same command again to resume`,
    { cause: error },
  );
}

/** The first page's rows; later pages aim at `batchBytes` of values. */
const firstBatchRows = 1000;
const batchBytes = 8 * 1024 * 1024;
const maxBatchRows = 5000;
const minBatchRows = 50;

/** How many rows like these make about `batchBytes` (rows of long answers make smaller batches). */
function rowsForBytes(rows: readonly Row[]): number {
  let chars = 0;
  for (const row of rows) for (const value of Object.values(row)) chars += typeof value === 'string' ? value.length : 8;
  const perRow = Math.max(1, chars / Math.max(rows.length, 1));
  return Math.min(maxBatchRows, Math.max(minBatchRows, Math.floor(batchBytes / perRow)));
}

/** Pages through the source from `after`, writing each page while the next one is read. */
async function copyRows(
  run: CopyRun,
  snapshot: Kysely<Database>,
  current: TableRun,
  after: RowKey | null,
): Promise<void> {
  const read = async (from: RowKey | null, limit: number): Promise<Row[]> =>
    (await snapshot.executeQuery<Row>(pageQuery('sqlite', current.table, from, limit))).rows;
  let limit = run.batchRows ?? firstBatchRows;
  let page = await read(after, limit);
  let last = page.at(-1);
  while (last !== undefined) {
    const lastKey = keyOf(current.table, last);
    const more = page.length === limit;
    limit = run.batchRows ?? rowsForBytes(page);
    const [next] = await Promise.all([
      more ? read(lastKey, limit) : Promise.resolve([]),
      writeBatch(run, current.table, page, lastKey, current.done + page.length),
    ]);
    current.done += page.length;
    current.copied += page.length;
    run.copiedNow += page.length;
    announce(run, current, false);
    if (run.failAfterRows !== undefined && run.copiedNow >= run.failAfterRows) {
      throw new Error(`injected failure after ${run.copiedNow} rows (BACKCHAT_COPY_FAIL_AFTER_ROWS)`);
    }
    page = next;
    last = page.at(-1);
  }
}

async function writeBatch(
  run: CopyRun,
  table: CopyTable,
  rows: readonly Row[],
  lastKey: RowKey,
  rowsCopied: number,
): Promise<void> {
  const values = rows.map((row) => table.columns.map((column) => targetValue(column, row[column.name])));
  await run.target.transaction().execute(async (transaction) => {
    await transaction.executeQuery(insertQuery(table, values));
    await recordBatch(transaction, table.name, lastKey, rowsCopied);
  });
}

/** Moves identity sequences past the copied ids (later inserts must not collide) and marks the table done. */
async function finishTable(run: CopyRun, table: CopyTable): Promise<void> {
  await run.target.transaction().execute(async (transaction) => {
    for (const column of table.columns.filter((candidate) => candidate.identity)) {
      await transaction.executeQuery(resetSequenceQuery(table, column.name));
    }
    await markDone(transaction, table.name);
  });
}
