/**
 * `backchat copy`: moves an SQLite installation into a PostgreSQL database. Both sides are migrated
 * to the current schema; every table (copy-plan.ts) is copied parents first, in batches, each batch
 * in one target transaction together with its progress row (copy-marker.ts), so a copy that dies
 * resumes where it stopped. The source is read inside one read transaction (a consistent snapshot);
 * at the end the row counts and digests (table-digest.ts) of both sides must match.
 */
import { existsSync, realpathSync } from 'node:fs';
import { type Kysely, sql } from 'kysely';
import { type Clock, systemClock } from '../../clock.js';
import type { Database } from '../database-schema.js';
import { runMigrations } from '../migrator.js';
import { describeDatabase, type OpenedDatabase, openDatabase } from '../open-database.js';
import { DatabaseConnectionError } from '../store-errors.js';
import { CopyError } from './copy-errors.js';
import { dropMarker, type TableProgress } from './copy-marker.js';
import { type CopyTable, planCopy } from './copy-plan.js';
import { type CopyProgressListener, formatCount } from './copy-progress.js';
import type { CopyRun } from './copy-run.js';
import { copyTable } from './table-copy.js';
import { combinedDigest, digestTable, type TableDigest } from './table-digest.js';
import { countRows } from './target-contents.js';
import { type PreparedTarget, prepareTarget, refuseUnlessEmpty } from './target-preparation.js';

export interface CopyOptions {
  source: { kind: 'sqlite'; file: string };
  target: { kind: 'postgres'; url: string };
  /** Discard an unfinished copy found in the target (of this source or another) and start over. */
  restart?: boolean;
  progress?: CopyProgressListener;
  clock?: Clock;
  /** Rows per batch (one transaction each); default: about 8 MB of values, at most 5,000 rows. */
  batchRows?: number;
  /**
   * Tests only: fail once this run has copied this many rows, as a crash would (default: the
   * environment variable BACKCHAT_COPY_FAIL_AFTER_ROWS, read nowhere else).
   */
  failAfterRows?: number;
}

export interface CopiedTable {
  table: string;
  rows: number;
  /** Rows this run copied (fewer than `rows` when it resumed an interrupted copy). */
  copiedNow: number;
}

export interface CopyReport {
  /** `SQLite file /abs/path/backchat.sqlite` */
  source: string;
  /** `PostgreSQL at host:5432/db`, never with a password. */
  target: string;
  tables: CopiedTable[];
  rows: number;
  copiedNow: number;
  elapsedMs: number;
  /** True when this run went on from an interrupted copy. */
  resumed: boolean;
  /** SHA-256 over every table's digest, equal on both sides. */
  digest: string;
}

/** Serialises copies into one PostgreSQL database (a session lock, gone with the connection). */
const copyLockKey = 727_361_043;
const silent: CopyProgressListener = { note: () => {}, table: () => {} };

function injectedFailure(): number | undefined {
  const value = Number(process.env.BACKCHAT_COPY_FAIL_AFTER_ROWS);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

/** Opens a side, lets `check` look at it as it is, then brings its schema up to date. */
async function openMigrated(
  config: CopyOptions['source'] | CopyOptions['target'],
  label: 'source' | 'target',
  progress: CopyProgressListener,
  check: (db: Kysely<Database>) => Promise<void> = async () => {},
): Promise<OpenedDatabase> {
  const opened = await openDatabase(config).catch((error: unknown) => {
    // The connection hints speak of DATABASE_URL; the target comes from --to.
    if (label !== 'target' || !(error instanceof DatabaseConnectionError)) throw error;
    throw new CopyError(error.message.replaceAll('DATABASE_URL', 'the --to URL'), { cause: error });
  });
  progress.note(`${label}: ${opened.dialect.description}`);
  try {
    await check(opened.db);
    await runMigrations(opened.db, opened.dialect, (message) => progress.note(`${label}: ${message}`));
  } catch (error) {
    await opened.db.destroy();
    throw error;
  }
  return opened;
}

function existingFile(file: string): string {
  if (!existsSync(file)) {
    throw new CopyError(`no SQLite database at ${file}: pass --data-dir with the folder that holds backchat.sqlite`);
  }
  return realpathSync(file);
}

/**
 * Copies the SQLite database `options.source` into the PostgreSQL database `options.target` and
 * verifies the copy. Throws `CopyError` (a message for people that says what to do) when the target
 * holds data that is not an unfinished copy of this source, when the copy stops midway (run it again
 * to resume), or when verification fails.
 */
export async function copyDatabase(options: CopyOptions): Promise<CopyReport> {
  const file = existingFile(options.source.file);
  const progress = options.progress ?? silent;
  const source = await openMigrated({ kind: 'sqlite', file }, 'source', progress);
  try {
    const targetName = describeDatabase(options.target);
    const target = await openMigrated(options.target, 'target', progress, (db) => refuseUnlessEmpty(db, targetName));
    try {
      return await target.db.connection().execute((connection) =>
        withCopyLock(connection, () =>
          copyAll({
            source: source.db,
            target: connection,
            sourceId: `SQLite file ${file}`,
            targetName,
            progress,
            clock: options.clock ?? systemClock,
            restart: options.restart ?? false,
            batchRows: options.batchRows,
            failAfterRows: options.failAfterRows ?? injectedFailure(),
            copiedNow: 0,
          }),
        ),
      );
    } finally {
      await target.db.destroy();
    }
  } finally {
    await source.db.destroy();
  }
}

async function withCopyLock<T>(connection: Kysely<Database>, work: () => Promise<T>): Promise<T> {
  const { rows } = await sql<{ locked: boolean }>`
    select pg_try_advisory_lock(${sql.lit(copyLockKey)}) as locked`.execute(connection);
  if (!rows[0]?.locked) throw new CopyError('another backchat copy into this database is running: let it finish first');
  try {
    return await work();
  } finally {
    await sql`select pg_advisory_unlock(${sql.lit(copyLockKey)})`.execute(connection).catch(() => {});
  }
}

async function copyAll(run: CopyRun): Promise<CopyReport> {
  const started = run.clock.monotonicMs();
  await checkSameMigrations(run);
  const plan = await planCopy(run.source, run.target);
  const prepared = await prepareTarget(run, plan);
  // Each batch commits with its progress row, so a commit lost in a crash loses both together: the
  // copy need not wait for every commit to reach the disk. The last commit (dropping the marker)
  // waits, and with it everything before.
  await sql`set synchronous_commit = off`.execute(run.target);
  const versionBefore = await dataVersion(run.source);
  // Read only: the snapshot must not hold the write lock a running server needs (see dialects/sqlite.ts).
  const digests = await run.source
    .transaction()
    .setAccessMode('read only')
    .execute(async (snapshot) => {
      for (const table of plan) await copyTable(run, snapshot, table, progressOf(prepared.progress, table));
      return verify(run, snapshot, plan);
    });
  if ((await dataVersion(run.source)) !== versionBefore) throw sourceChanged();
  await sql`set synchronous_commit = on`.execute(run.target);
  await dropMarker(run.target);
  return report(run, digests, prepared, run.clock.monotonicMs() - started);
}

function progressOf(progress: readonly TableProgress[], table: CopyTable): TableProgress {
  const found = progress.find((entry) => entry.table === table.name);
  if (!found) throw new CopyError(`the copy's progress has no row for ${table.name}: run the copy with --restart`);
  return found;
}

function report(
  run: CopyRun,
  digests: readonly TableDigest[],
  prepared: PreparedTarget,
  elapsedMs: number,
): CopyReport {
  const tables = digests.map(({ table, rows }) => {
    const before = prepared.progress.find((entry) => entry.table === table)?.rowsCopied ?? 0;
    return { table, rows, copiedNow: rows - before };
  });
  return {
    source: run.sourceId,
    target: run.targetName,
    tables,
    rows: tables.reduce((sum, table) => sum + table.rows, 0),
    copiedNow: run.copiedNow,
    elapsedMs,
    resumed: prepared.resumed,
    digest: combinedDigest(digests),
  };
}

async function migrationNames(db: Kysely<Database>): Promise<string> {
  const rows = await db.selectFrom('schema_migrations').select('name').orderBy('name').execute();
  return rows.map((row) => row.name).join(', ');
}

async function checkSameMigrations(run: CopyRun): Promise<void> {
  const [source, target] = [await migrationNames(run.source), await migrationNames(run.target)];
  if (source !== target) {
    throw new CopyError(
      `the source and the target have different migrations (${source} / ${target}): copy with the backchat version that last ran on the source`,
    );
  }
}

/** PRAGMA data_version: changes when another connection commits to the SQLite file. */
async function dataVersion(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ data_version: number }>`pragma data_version`.execute(db);
  return rows[0]?.data_version ?? 0;
}

function sourceChanged(): CopyError {
  return new CopyError(
    'the source changed while it was being copied (is the server still running?): stop the server, then copy again with --restart',
  );
}

/** Row counts and digests of every table, source (in the snapshot) against target. */
async function verify(run: CopyRun, snapshot: Kysely<Database>, plan: readonly CopyTable[]): Promise<TableDigest[]> {
  const digests: TableDigest[] = [];
  for (const table of plan) digests.push(await verifyTable(run, snapshot, table));
  return digests;
}

async function verifyTable(run: CopyRun, snapshot: Kysely<Database>, table: CopyTable): Promise<TableDigest> {
  const started = run.clock.monotonicMs();
  const total = await countRows(snapshot, table.name);
  const announce = (done: number, finished: boolean) =>
    run.progress.table({
      phase: 'verify',
      table: table.name,
      done,
      total,
      copiedNow: done,
      elapsedMs: run.clock.monotonicMs() - started,
      finished,
    });
  const [source, target] = await Promise.all([
    digestTable(snapshot, 'sqlite', table, (rows) => announce(rows, false)),
    digestTable(run.target, 'postgres', table),
  ]);
  const advice = 'stop the server if it is running, then copy again with --restart';
  if (source.rows !== target.rows) {
    throw new CopyError(
      `verification failed: ${table.name} has ${formatCount(source.rows)} rows in the source but ${formatCount(target.rows)} in the target: ${advice}`,
    );
  }
  if (source.digest !== target.digest) {
    throw new CopyError(
      `verification failed: the rows of ${table.name} differ between the source and the target (same count, different digest): ${advice}`,
    );
  }
  announce(source.rows, true);
  return source;
}
