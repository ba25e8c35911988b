/** SQLite's WAL checkpoints run in a worker thread, off the store's connection (docs/architecture.md). */
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import {
  type CheckpointerOptions,
  copyStep,
  restartStep,
  WalCheckpointer,
} from '../../src/store/dialects/sqlite-checkpointer.js';
import { openDatabase } from '../../src/store/open-database.js';
import { withTempFolder } from '../helpers/temp-folder.js';

const pageBlob = Buffer.alloc(4000, 7);
const megabyte = 1024 * 1024;

async function withDatabase(
  options: Partial<CheckpointerOptions>,
  work: (database: BetterSqlite3.Database, checkpointer: WalCheckpointer, file: string) => Promise<void>,
): Promise<void> {
  await withTempFolder('checkpoint', async (folder) => {
    const file = join(folder, 'test.db');
    const database = new BetterSqlite3(file);
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.exec('create table blobs (id integer primary key, body blob)');
    const checkpointer = new WalCheckpointer(database, file, {
      startBytes: 256 * 1024,
      watchMs: 10,
      intervalMs: 10,
      restartFrames: 1_000,
      safetyPages: 8_000,
      onError: (error) => assert.fail(String(error)),
      ...options,
    });
    try {
      await work(database, checkpointer, file);
    } finally {
      checkpointer.close();
      if (database.open) database.close();
    }
  });
}

/** Writes `rows` rows of ~4 KB (a page each), 50 per transaction, letting the event loop run in between. */
async function writeRows(database: BetterSqlite3.Database, rows: number, pauseMs = 2): Promise<void> {
  const insert = database.prepare('insert into blobs (body) values (?)');
  const batch = database.transaction((count: number) => {
    for (let index = 0; index < count; index += 1) insert.run(pageBlob);
  });
  for (let written = 0; written < rows; written += 50) {
    batch(50);
    await delay(pauseMs);
  }
}

const rowCount = (database: BetterSqlite3.Database) =>
  (database.prepare('select count(*) as n from blobs').get() as { n: number }).n;

/** Waits (bounded) until the worker has made `passes` more checkpoints. */
async function morePasses(checkpointer: WalCheckpointer, passes: number): Promise<void> {
  const target = checkpointer.progress.passes + passes;
  for (let waited = 0; checkpointer.progress.passes < target && waited < 5_000; waited += 5) await delay(5);
}

test('the worker copies the log into the database file while the store connection only writes', async () => {
  await withDatabase({}, async (database, checkpointer, file) => {
    assert.equal(checkpointer.started, false, 'no worker before the log grows');
    // 600 pages: below SQLite's own checkpoint point, so only the worker can have copied them.
    await writeRows(database, 600);
    assert.equal(checkpointer.started, true, 'the worker started once the log passed its start size');
    assert.equal(database.pragma('wal_autocheckpoint', { simple: true }), 8_000, 'the store connection stands back');
    await morePasses(checkpointer, 2);
    const { log, copied } = checkpointer.progress;
    assert.ok(log >= 600, `the log holds ${log} frames`);
    assert.equal(copied, log, 'every frame of the log was copied');
    assert.ok(statSync(file).size >= 600 * pageBlob.length, `the database file has ${statSync(file).size} bytes`);
    assert.equal(rowCount(database), 600);
  });
});

test('without the worker the rows stay in the log until SQLite copies them (the test above can fail)', async () => {
  await withDatabase({ startBytes: Number.MAX_SAFE_INTEGER }, async (database, checkpointer, file) => {
    await writeRows(database, 600);
    await delay(50);
    assert.equal(checkpointer.started, false);
    assert.deepEqual(checkpointer.progress, { passes: 0, log: 0, copied: 0, restarts: 0 });
    assert.equal(database.pragma('wal_autocheckpoint', { simple: true }), 1_000);
    assert.ok(statSync(file).size < 600 * pageBlob.length, `the database file has ${statSync(file).size} bytes`);
    assert.equal(rowCount(database), 600);
  });
});

/**
 * 6,000 pages (24 MB) in transactions of 50, with the store connection's own checkpoint at 8,000
 * pages: only the worker's checkpoints keep the log small. The log starts over either way it can —
 * SQLite starts a log that was copied whole over at the next write by itself, and the worker's
 * RESTART does it when writes never let the copy catch up (which of the two happens depends on the
 * machine's speed, so only the log's size is checked).
 */
test('under steady writes the log stays near its restart size', async () => {
  await withDatabase({}, async (database, checkpointer, file) => {
    await writeRows(database, 6_000, 5);
    assert.ok(checkpointer.progress.passes > 0, 'the worker ran');
    const walBytes = statSync(`${file}-wal`).size;
    assert.ok(walBytes < 12 * megabyte, `the log grew to ${walBytes} bytes`);
    assert.equal(rowCount(database), 6_000);
  });
});

test('without the worker the same writes grow the log past the size the worker keeps (the test above can fail)', async () => {
  await withDatabase({ startBytes: Number.MAX_SAFE_INTEGER }, async (database, checkpointer, file) => {
    database.pragma('wal_autocheckpoint = 8000');
    await writeRows(database, 6_000, 5);
    assert.equal(checkpointer.started, false);
    const walBytes = statSync(`${file}-wal`).size;
    assert.ok(walBytes >= 12 * megabyte, `the log has ${walBytes} bytes`);
  });
});

test('a transaction that read before the worker started the log over still writes and commits', async () => {
  await withTempFolder('checkpoint', async (folder) => {
    const file = join(folder, 'test.db');
    const store = new BetterSqlite3(file);
    store.pragma('journal_mode = WAL');
    store.exec('create table blobs (id integer primary key, body blob)');
    // The worker's two steps, run here by hand on a connection of their own.
    const worker = new BetterSqlite3(file);
    worker.pragma('busy_timeout = 0');
    try {
      store.prepare('insert into blobs (body) values (?)').run(pageBlob);
      worker.pragma(copyStep);
      store.exec('begin');
      assert.equal(rowCount(store), 1);
      // RESTART waits for no one (busy_timeout 0) and leaves the log's header alone: the next writer
      // starts the log over. (TRUNCATE would rewrite the header and fail this transaction's write.)
      const [restart] = worker.pragma(restartStep) as Array<{ busy: number }>;
      assert.equal(restart?.busy, 0);
      store.prepare('insert into blobs (body) values (?)').run(pageBlob);
      store.exec('commit');
      assert.equal(rowCount(store), 2);
    } finally {
      worker.close();
      store.close();
    }
  });
});

test("the store's transactions wait for the worker's write lock instead of failing, and the store closes cleanly", async () => {
  await withTempFolder('checkpoint', async (folder) => {
    const file = join(folder, 'store.db');
    const { db } = await openDatabase({ kind: 'sqlite', file });
    try {
      await sql`create table notes (id integer primary key, body blob)`.execute(db);
      // 4.8 MB in transactions that read, wait, then write: the worker starts at 1 MB and restarts the log,
      // holding the write lock for a moment each time. A transaction begun deferred fails then
      // (SQLITE_BUSY when it turns from reading to writing); the store begins them immediate.
      const writes = Array.from({ length: 12 }, async (_, writer) => {
        for (let round = 0; round < 100; round += 1) {
          await db.transaction().execute(async (transaction) => {
            await sql`select count(*) from notes`.execute(transaction);
            await delay(1);
            await sql`insert into notes (body) values (${Buffer.alloc(4000, writer)})`.execute(transaction);
          });
        }
      });
      await Promise.all(writes);
      const { rows } = await sql<{ n: number }>`select count(*) as n from notes`.execute(db);
      assert.equal(rows[0]?.n, 1_200);
    } finally {
      await db.destroy();
    }
    assert.equal(existsSync(`${file}-wal`), false, 'closing merged and removed the log');
  });
});

test('closing stops the worker first, so that closing the connection merges and removes the log', async () => {
  await withDatabase({}, async (database, checkpointer, file) => {
    checkpointer.start();
    await writeRows(database, 600);
    const started = performance.now();
    checkpointer.close();
    database.close();
    assert.ok(performance.now() - started < 1_000, 'closing does not wait for long');
    assert.equal(existsSync(`${file}-wal`), false, 'the log was merged and removed');
    const reopened = new BetterSqlite3(file, { readonly: true });
    try {
      assert.equal(rowCount(reopened), 600);
    } finally {
      reopened.close();
    }
  });
});

test('a worker that cannot open the database reports it, hands checkpoints back, and closing does not hang', async () => {
  await withDatabase({ onError: () => {} }, async (database, checkpointer, file) => {
    const errors: unknown[] = [];
    const broken = new WalCheckpointer(database, `${file}.missing`, {
      startBytes: 0,
      watchMs: 10,
      intervalMs: 10,
      restartFrames: 1_000,
      safetyPages: 8_000,
      onError: (error) => errors.push(error),
    });
    broken.start();
    for (let waited = 0; errors.length === 0 && waited < 5_000; waited += 10) await delay(10);
    assert.equal(errors.length, 1, 'the failure was reported');
    assert.equal(database.pragma('wal_autocheckpoint', { simple: true }), 1_000, "SQLite's own checkpoints are back");
    const started = performance.now();
    broken.close();
    assert.ok(performance.now() - started < 1_000);
    assert.equal(checkpointer.started, false);
  });
});
