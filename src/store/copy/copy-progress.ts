/**
 * Progress of a copy for people, on a terminal or in a log: one line per table with rows done / total,
 * percentage and rate. On a TTY the line is redrawn in place (at most ten times a second); otherwise a
 * line is written when a table starts, every few seconds while it runs, and when it ends.
 */
import { type Clock, systemClock } from '../../clock.js';

/** Where a copy reports what it does. */
export interface CopyProgressListener {
  /** A line for people: which databases, resuming, verifying. */
  note(message: string): void;
  /** A table's state: when it starts, after each batch, and when it is done (`finished`); then the same for verification. */
  table(update: TableUpdate): void;
}

export interface TableUpdate {
  /** Copying rows, or reading both sides back to compare them. */
  phase: 'copy' | 'verify';
  table: string;
  /** Rows in the target so far, including rows an interrupted attempt copied (verify: rows compared). */
  done: number;
  /** Rows in the source. */
  total: number;
  /** Rows copied (compared) by this run, and in how long (for the rate). */
  copiedNow: number;
  elapsedMs: number;
  finished: boolean;
}

/** A writable text stream, e.g. `process.stderr`. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressReporter extends CopyProgressListener {
  /** Ends a line drawn in place, so that what is written next starts on a line of its own. */
  close(): void;
}

const ttyIntervalMs = 100;
const plainIntervalMs = 2_000;
const clearLine = '\r\u001b[2K';

export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** `messages                  12,000 / 50,000 rows   24%   31,200 rows/s` */
export function progressLine(update: TableUpdate): string {
  const name = (update.phase === 'verify' ? `verify ${update.table}` : update.table).padEnd(24);
  if (update.total === 0 && update.done === 0) return `${name} ${'0 rows'.padStart(25)}  (empty)`;
  const percent = update.total === 0 ? 100 : Math.floor((update.done / update.total) * 100);
  const counts = `${formatCount(update.done)} / ${formatCount(update.total)} rows`;
  const head = `${name} ${counts.padStart(25)} ${`${percent}%`.padStart(5)}`;
  if (update.copiedNow === 0) return update.finished ? `${head}   copied by an earlier run` : head;
  const rate = `${formatCount((update.copiedNow * 1000) / Math.max(update.elapsedMs, 1))} rows/s`;
  const time = update.finished ? `   ${(update.elapsedMs / 1000).toFixed(1)} s` : '';
  return `${head} ${rate.padStart(15)}${time}`;
}

/** A listener writing to `stream` (a TTY gets a line redrawn in place). */
export function progressReporter(stream: ProgressStream, clock: Clock = systemClock): ProgressReporter {
  const tty = stream.isTTY === true;
  let open = false;
  let lastWrite = Number.NEGATIVE_INFINITY;
  let lastTable = '';
  const endLine = () => {
    if (open) stream.write('\n');
    open = false;
  };
  const draw = (update: TableUpdate) => {
    if (tty) {
      stream.write(`${clearLine}${progressLine(update)}${update.finished ? '\n' : ''}`);
      open = !update.finished;
    } else {
      stream.write(`${progressLine(update)}\n`);
    }
  };
  return {
    note(message) {
      endLine();
      stream.write(`${message}\n`);
    },
    table(update) {
      const now = clock.monotonicMs();
      const starting = `${update.phase} ${update.table}` !== lastTable;
      const due = now - lastWrite >= (tty ? ttyIntervalMs : plainIntervalMs);
      lastTable = `${update.phase} ${update.table}`;
      if (!(starting || update.finished || due)) return;
      lastWrite = now;
      draw(update);
    },
    close: endLine,
  };
}
