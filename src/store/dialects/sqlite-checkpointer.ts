/**
 * SQLite's WAL checkpoints, moved off the event loop.
 *
 * In WAL mode a commit appends pages to `<file>-wal`; a checkpoint copies them back into the database
 * file and syncs both to disk. SQLite runs it in the connection that commits, once the log holds 1,000
 * pages: on this store's only connection, on the event loop, for about 12 ms on a virtual disk (copying
 * 4 MB and syncing it; every ~20 turns), and every request in flight waits for it.
 *
 * Here a worker thread with a connection of its own does it, in two steps:
 * - every `intervalMs`, a PASSIVE checkpoint copies what no reader still needs and waits on no lock,
 *   then the database file is synced (SQLite syncs it only after a checkpoint that reached the log's
 *   end, which a busy writer rarely lets happen);
 * - once the log holds `restartFrames`, a RESTART checkpoint lets the log start over: it holds the
 *   write lock, but only to copy and sync the few pages written since the step before (well under a
 *   millisecond); a write of the store that comes meanwhile waits for it (SQLite's busy handler). The
 *   store's next write then starts the log from its beginning. It never waits itself: while the store
 *   is inside a transaction it tries again at the next interval. It leaves the log's header to that
 *   writer (TRUNCATE would rewrite it and fail a transaction that had read before it).
 *
 * Without the second step the log would hardly ever start over: only a checkpoint that completes
 * between two writes lets the next one restart it. The store's transactions take the write lock when
 * they begin (sqlite.ts), so they wait for this step instead of failing. The store's own connection
 * checkpoints only past `safetyPages` while the worker runs, and from 1,000 pages again if it fails.
 *
 * The worker starts only once the log passes `startBytes` (an idle server never pays for a thread, a
 * test's small database never starts one). Closing stops it first and waits for it, so the store's own
 * close still checkpoints and removes the log as before.
 */
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';

export interface CheckpointerOptions {
  /** The log's size (bytes) from which checkpoints run in the worker. */
  startBytes: number;
  /** How often the log's size is looked at until then (ms). */
  watchMs: number;
  /** Milliseconds between two checkpoints in the worker while the log grows (up to a second while it does not). */
  intervalMs: number;
  /** Frames in the log from which the worker starts it over. */
  restartFrames: number;
  /** Frames in the log from which the store's connection checkpoints by itself while the worker runs. */
  safetyPages: number;
  /** Called when the worker fails (it is not restarted: SQLite's own checkpoints take over). */
  onError: (error: unknown) => void;
}

export const defaultCheckpointerOptions: CheckpointerOptions = {
  startBytes: 1024 * 1024,
  watchMs: 1_000,
  intervalMs: 25,
  restartFrames: 1_000,
  safetyPages: 8_000,
  onError: () => {},
};

/** The worker's two steps (see the header); exported so that a test runs exactly these. */
export const copyStep = 'wal_checkpoint(PASSIVE)';
export const restartStep = 'wal_checkpoint(RESTART)';

/** The longest wait between two checkpoints while nothing is written (ms). */
const idleIntervalMs = 1_000;

/** SQLite's own checkpoint point (pages), restored should the worker fail. */
const sqliteCheckpointPages = 1_000;

/** How long closing waits for a checkpoint in progress to end (ms). */
const closeWaitMs = 5_000;

/** What the worker shares: [0] 1 once its connection is closed, then its last checkpoint's figures. */
const closedSlot = 0;
const passesSlot = 1;
const logSlot = 2;
const copiedSlot = 3;
const restartsSlot = 4;
const stateSlots = 5;

/** The worker (CommonJS, run from this string so that it works from the sources and from the bundle alike). */
const workerSource = `
const fs = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const state = new Int32Array(workerData.state);
const closed = () => {
  Atomics.store(state, ${closedSlot}, 1);
  Atomics.notify(state, ${closedSlot});
};
let database;
let file;
let copiedBefore = 0;
try {
  database = new Database(workerData.file, { fileMustExist: true });
  file = fs.openSync(workerData.file, 'r');
  database.pragma('busy_timeout = 0');
  database.pragma('synchronous = NORMAL');
} catch (error) {
  closed();
  throw error;
}
let wait = workerData.intervalMs;
let timer;
let reported;
const checkpoint = () => {
  let log = 0;
  try {
    const [result] = database.pragma('${copyStep}');
    log = result.log;
    const checkpointed = result.checkpointed;
    // SQLite syncs the database file only after a checkpoint that reached the log's end, which a busy
    // writer rarely lets happen: the pages copied would wait in the page cache for the store's own
    // checkpoint to sync them, on the event loop. Synced here, that one finds little left to do.
    if (checkpointed !== copiedBefore) fs.fdatasyncSync(file);
    copiedBefore = checkpointed;
    if (log >= workerData.restartFrames && checkpointed === log) {
      const [restart] = database.pragma('${restartStep}');
      if (restart.busy === 0) {
        Atomics.add(state, ${restartsSlot}, 1);
        copiedBefore = 0;
      }
    }
    Atomics.store(state, ${logSlot}, log);
    Atomics.store(state, ${copiedSlot}, checkpointed);
    Atomics.add(state, ${passesSlot}, 1);
    reported = undefined;
  } catch (error) {
    // Reported once until a checkpoint succeeds again (a full disk fails every attempt).
    const busy = error && error.code && String(error.code).startsWith('SQLITE_BUSY');
    const message = String(error && error.message ? error.message : error);
    if (!busy && message !== reported) parentPort.postMessage({ error: message });
    if (!busy) reported = message;
  }
  // While nothing is written, look less and less often (up to once a second).
  wait = log === lastLog ? Math.min(wait * 2, ${idleIntervalMs}) : workerData.intervalMs;
  lastLog = log;
  timer = setTimeout(checkpoint, wait);
};
let lastLog = 0;
timer = setTimeout(checkpoint, wait);
parentPort.on('message', () => {
  clearTimeout(timer);
  database.close();
  fs.closeSync(file);
  closed();
  parentPort.close();
});
`;

export class WalCheckpointer {
  readonly #database: BetterSqlite3.Database;
  readonly #file: string;
  readonly #options: CheckpointerOptions;
  #watch: NodeJS.Timeout | undefined;
  #worker: Worker | undefined;
  #state: Int32Array | undefined;
  #closed = false;

  /** Checkpoints `file` in a worker once its log grows; `database` is the store's connection to it, in WAL mode. */
  constructor(database: BetterSqlite3.Database, file: string, options: CheckpointerOptions) {
    this.#database = database;
    this.#file = file;
    this.#options = options;
    this.#watch = setInterval(() => void this.#look(), options.watchMs);
    this.#watch.unref();
  }

  /** Whether checkpoints run in the worker by now. */
  get started(): boolean {
    return this.#worker !== undefined;
  }

  /**
   * The worker's checkpoints so far, the log's frames and frames copied after its last one, and how
   * often it started the log over.
   */
  get progress(): { passes: number; log: number; copied: number; restarts: number } {
    const state = this.#state;
    if (!state) return { passes: 0, log: 0, copied: 0, restarts: 0 };
    return {
      passes: Atomics.load(state, passesSlot),
      log: Atomics.load(state, logSlot),
      copied: Atomics.load(state, copiedSlot),
      restarts: Atomics.load(state, restartsSlot),
    };
  }

  async #look(): Promise<void> {
    const size = await stat(`${this.#file}-wal`).then(
      (info) => info.size,
      () => 0,
    );
    if (size >= this.#options.startBytes && !this.#closed) this.start();
  }

  /** Starts the worker now (it starts by itself once the log is large enough). */
  start(): void {
    if (this.#worker || this.#closed) return;
    clearInterval(this.#watch);
    this.#watch = undefined;
    const state = new SharedArrayBuffer(stateSlots * Int32Array.BYTES_PER_ELEMENT);
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(workerSource, {
      eval: true,
      workerData: {
        driver,
        file: this.#file,
        intervalMs: this.#options.intervalMs,
        restartFrames: this.#options.restartFrames,
        state,
      },
    });
    worker.unref();
    worker.on('message', (message: { error?: string }) => {
      if (message.error) this.#options.onError(new Error(`WAL checkpoint failed: ${message.error}`));
    });
    worker.on('error', (error) => {
      this.#worker = undefined;
      if (this.#database.open) this.#database.pragma(`wal_autocheckpoint = ${sqliteCheckpointPages}`);
      this.#options.onError(error);
    });
    this.#database.pragma(`wal_autocheckpoint = ${this.#options.safetyPages}`);
    this.#worker = worker;
    this.#state = new Int32Array(state);
  }

  /**
   * Stops the worker and waits until its connection is closed (synchronously: the driver closes its
   * connection synchronously right after), at most `closeWaitMs`.
   */
  close(): void {
    this.#closed = true;
    clearInterval(this.#watch);
    const worker = this.#worker;
    const state = this.#state;
    this.#worker = undefined;
    if (!worker || !state) return;
    worker.postMessage('close');
    Atomics.wait(state, closedSlot, 0, closeWaitMs);
    void worker.terminate();
  }
}
