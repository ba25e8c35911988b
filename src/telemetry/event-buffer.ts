/**
 * The analytics events a process accepted and has not written yet (docs/decisions/2026-12-02-telemetry-buffer.md).
 * `/ces/v1/b` answers once a batch is validated and queued here; the buffer writes what waits in
 * small transactions off the request path — every `intervalMs`, or at once when `flushAtEvents` wait —
 * yielding the event loop between transactions, so a request for the conversation list never waits
 * behind more than one of them (64 to 128 rows, 1–3 ms). A write that fails (the database
 * down) is retried with backoff and logged; the events stay queued.
 *
 * Flow control in two steps: while more than `highWater` events wait and the writes succeed, a new
 * batch waits (`room()`, at most `roomWaitMs`) until the writer has caught up — a flood of clients
 * is slowed to what the database takes; over `capacity` events waiting (the database down or far
 * behind), new batches are refused with a 503 rather than letting the queue grow without bound. The
 * buffer is per process and holds plain records: several instances each write their own.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { ServiceUnavailableError } from '../domain-errors.js';
import type { AnalyticsEvent } from '../store/store.js';

export interface EventBufferOptions {
  /** Writes one chunk, all or nothing (one transaction). */
  write(events: AnalyticsEvent[]): Promise<void>;
  log(message: string): void;
  /** How long an accepted event waits at most before a write starts (database healthy). */
  intervalMs?: number;
  /** A write starts at once when this many events wait. */
  flushAtEvents?: number;
  /** Events per transaction: small, so that other queries wait little behind one. */
  chunkEvents?: number;
  /** Events per transaction at most when a backlog builds (a write then takes half of what waits). */
  maxChunkEvents?: number;
  /** Waiting events beyond which new batches wait for the writer (`room()`). */
  highWater?: number;
  /** How long `room()` waits at most. */
  roomWaitMs?: number;
  /** Events waiting beyond which new batches are refused (503). */
  capacity?: number;
  /** Backoff of a failing write: first delay, doubled each failure up to the max. */
  retryFirstMs?: number;
  retryMaxMs?: number;
}

export const defaultFlushIntervalMs = 50;
export const defaultBufferCapacity = 50_000;

/** How long a client refused by back-pressure is asked to wait. */
const fullRetryAfterSeconds = 1;

export class EventBuffer {
  readonly #write: (events: AnalyticsEvent[]) => Promise<void>;
  readonly #log: (message: string) => void;
  readonly #intervalMs: number;
  readonly #flushAtEvents: number;
  readonly #chunkEvents: number;
  readonly #maxChunkEvents: number;
  readonly #highWater: number;
  readonly #roomWaitMs: number;
  /** Callers of room() waiting for the writer to catch up. */
  #roomWaiters: Array<() => void> = [];
  readonly #capacity: number;
  readonly #retryFirstMs: number;
  readonly #retryMaxMs: number;
  #waiting: AnalyticsEvent[] = [];
  #timer: NodeJS.Timeout | undefined;
  #draining: Promise<void> | undefined;
  #failures = 0;
  /** Set by close(): the time after which a failing write is given up (epoch ms). */
  #giveUpAt: number | undefined;
  #closed = false;

  constructor(options: EventBufferOptions) {
    this.#write = options.write;
    this.#log = options.log;
    this.#intervalMs = options.intervalMs ?? defaultFlushIntervalMs;
    this.#chunkEvents = options.chunkEvents ?? 64;
    this.#maxChunkEvents = Math.max(this.#chunkEvents, options.maxChunkEvents ?? 2 * this.#chunkEvents);
    this.#highWater = options.highWater ?? 8 * this.#maxChunkEvents;
    this.#roomWaitMs = options.roomWaitMs ?? 1_000;
    this.#flushAtEvents = options.flushAtEvents ?? 4 * this.#chunkEvents;
    this.#capacity = options.capacity ?? defaultBufferCapacity;
    this.#retryFirstMs = options.retryFirstMs ?? 100;
    this.#retryMaxMs = options.retryMaxMs ?? 5_000;
  }

  /** Events accepted and not written yet. */
  get size(): number {
    return this.#waiting.length;
  }

  /**
   * Resolves at once while at most `highWater` events wait, or while writes fail (waiting would not
   * help: the 503 of `add` is the answer then); otherwise once the writer brought the queue below
   * `highWater`, or after `roomWaitMs`.
   */
  room(): Promise<void> {
    if (this.#waiting.length <= this.#highWater || this.#failures > 0 || this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, this.#roomWaitMs);
      this.#roomWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Lets the batches waiting for room go on, once the queue is below the high-water mark (or on failure). */
  #releaseRoomWaiters(): void {
    if (this.#roomWaiters.length === 0) return;
    if (this.#waiting.length > this.#highWater && this.#failures === 0 && !this.#closed) return;
    const waiters = this.#roomWaiters;
    this.#roomWaiters = [];
    for (const release of waiters) release();
  }

  /** Queues a validated batch, or refuses it (503) when the buffer is full or closed. */
  add(events: AnalyticsEvent[]): void {
    if (this.#closed) throw new ServiceUnavailableError('The server is shutting down; send the batch again', 5);
    if (this.#waiting.length + events.length > this.#capacity) {
      throw new ServiceUnavailableError(
        `Too many analytics events are waiting to be stored (${this.#waiting.length}); send the batch again in a moment`,
        fullRetryAfterSeconds,
      );
    }
    for (const event of events) this.#waiting.push(event);
    if (this.#waiting.length >= this.#flushAtEvents) this.#kick();
    else this.#timer ??= setTimeout(() => this.#kick(), this.#intervalMs).unref();
  }

  /** Starts a drain nobody awaits: whatever goes wrong in it is logged, never thrown at the process. */
  #kick(): void {
    this.#startDrain().catch((error: unknown) => {
      this.#log(`writing analytics events failed: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  /**
   * Resolves once every event accepted before the call is written (readers that must see them —
   * tests, an export — await it). While the database is down it waits, retrying.
   */
  flush(): Promise<void> {
    return this.#startDrain();
  }

  /**
   * Refuses new batches and writes what waits, retrying a failing write until `giveUpMs` has
   * passed; what still could not be written then is reported in the log, counted.
   */
  async close(giveUpMs = 10_000): Promise<void> {
    this.#closed = true;
    this.#releaseRoomWaiters();
    this.#giveUpAt = Date.now() + giveUpMs;
    await this.#startDrain();
    if (this.#waiting.length > 0) {
      this.#log(
        `${this.#waiting.length} accepted analytics event(s) could not be written before shutdown and are lost`,
      );
      this.#waiting = [];
    }
  }

  /** One drain at a time; it runs until nothing waits (events added meanwhile included). */
  #startDrain(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#draining ??= this.#drain().finally(() => {
      this.#draining = undefined;
    });
    return this.#draining;
  }

  async #drain(): Promise<void> {
    while (this.#waiting.length > 0) {
      const size = Math.min(this.#maxChunkEvents, Math.max(this.#chunkEvents, Math.ceil(this.#waiting.length / 2)));
      const chunk = this.#waiting.slice(0, size);
      try {
        await this.#write(chunk);
        // Events added during the write went to the end: the chunk is still the front.
        this.#waiting.splice(0, chunk.length);
        this.#failures = 0;
        this.#releaseRoomWaiters();
        await yieldToEventLoop();
      } catch (error) {
        if (!(await this.#afterFailure(error))) return;
      }
    }
  }

  /** Logs a failed write and waits out its backoff; false when closing and past the give-up time. */
  async #afterFailure(error: unknown): Promise<boolean> {
    this.#failures += 1;
    this.#releaseRoomWaiters();
    const delayMs = Math.min(this.#retryMaxMs, this.#retryFirstMs * 2 ** (this.#failures - 1));
    const reason = error instanceof Error ? error.message : String(error);
    if (this.#giveUpAt !== undefined && Date.now() + delayMs > this.#giveUpAt) {
      this.#log(`could not write ${this.#waiting.length} analytics event(s): ${reason}; giving up (shutting down)`);
      return false;
    }
    this.#log(
      `could not write ${this.#waiting.length} analytics event(s) (attempt ${this.#failures}): ${reason}; retrying in ${delayMs} ms`,
    );
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    return true;
  }
}
