/**
 * Concurrent answers per user: a turn holds one lease while its answer streams. A live stream renews
 * its lease; a lease left behind by a crashed instance of a shared store runs out after `leaseTtlMs`.
 */
import type { Clock } from '../clock.js';
import { TooManyRequestsError } from '../domain-errors.js';
import type { CounterStore } from './counter-store.js';

/** How long an unrenewed lease lives by default; a live stream renews it every third of that. */
export const defaultLeaseTtlMs = 60_000;
/** A refused stream cannot know when another ends; clients are asked to wait this long. */
export const busyRetrySeconds = 5;

export interface StreamLease {
  /** Gives the lease back (idempotent). */
  release(): Promise<void>;
}

const noLease: StreamLease = { release: async () => {} };

function busyMessage(max: number): string {
  const answers = max === 1 ? 'an answer' : `${max} answers`;
  return `You already have ${answers} being written. Wait for one to finish, then try again.`;
}

export interface StreamLeasesDeps {
  store: CounterStore;
  clock: Clock;
  /** Answers at once per user; 0 turns the limit off. */
  max: number;
  leaseTtlMs?: number;
}

export class StreamLeases {
  private readonly leaseTtlMs: number;

  constructor(private readonly deps: StreamLeasesDeps) {
    this.leaseTtlMs = deps.leaseTtlMs ?? defaultLeaseTtlMs;
  }

  private nowMs(): number {
    return this.deps.clock.now().getTime();
  }

  /** Takes one of the user's `max` leases for `leaseId`, or throws TooManyRequestsError. */
  async acquire(userId: string, leaseId: string): Promise<StreamLease> {
    const { store, max } = this.deps;
    if (max === 0) return noLease;
    const key = `streams:${userId}`;
    const ttlMs = this.leaseTtlMs;
    if (!(await store.acquireLease(key, max, leaseId, ttlMs, this.nowMs()))) {
      throw new TooManyRequestsError(busyMessage(max), busyRetrySeconds);
    }
    // A failed renewal only means the lease may run out early; the stream itself goes on.
    const renew = () => store.acquireLease(key, max, leaseId, ttlMs, this.nowMs()).catch(() => false);
    const timer = setInterval(renew, ttlMs / 3);
    timer.unref();
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(timer);
        await store.releaseLease(key, leaseId);
      },
    };
  }

  /** Answers the user is streaming now. */
  active(userId: string): Promise<number> {
    return this.deps.store.countLeases(`streams:${userId}`, this.nowMs());
  }
}
