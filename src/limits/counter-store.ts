/**
 * The limiter's counter store: sliding-window logs and expiring leases under string keys. Small on
 * purpose — each method is one atomic step, so a shared implementation (Redis, later) can run each
 * call as one Lua script and several backchat instances then count together.
 *
 * Times are wall-clock epoch milliseconds passed in by the caller (instances share them); an entry
 * taken at `t` counts while `now < t + windowMs`. The contract suite is test/limits/counter-store-contract.ts.
 */

/** The result of `take`. */
export interface TakeResult {
  /** True when the entries were added (the count stayed within the limit). */
  allowed: boolean;
  /** Entries in the window after this call. */
  count: number;
  /** Refused: milliseconds until the same take would succeed. Allowed: 0. */
  retryAfterMs: number;
}

/** The result of `peek`. */
export interface WindowState {
  /** Entries in the window now. */
  count: number;
  /** Milliseconds until one more entry fits under `limit` (0 when it fits now). */
  retryAfterMs: number;
}

export interface CounterStore {
  /**
   * Atomic check-and-add: adds `cost` entries at `nowMs` when `count + cost <= limit`, otherwise adds
   * nothing. A refused take costs nothing. `limit` and `cost` are positive integers, `cost <= limit`.
   */
  take(key: string, limit: number, windowMs: number, nowMs: number, cost?: number): Promise<TakeResult>;
  /** The window's count without changing it, and how long until one more would fit under `limit`. */
  peek(key: string, limit: number, windowMs: number, nowMs: number): Promise<WindowState>;
  /** Removes the newest `cost` entries (undoes a take that did not lead anywhere). */
  giveBack(key: string, cost?: number): Promise<void>;
  /** Forgets the key's window entirely. */
  reset(key: string): Promise<void>;
  /**
   * Takes one of `max` leases under `key` for `leaseId`, expiring at `nowMs + ttlMs` (a crashed
   * holder's lease runs out). Acquiring a lease id already held renews it and always succeeds while it
   * has not expired. Returns false when `max` live leases are held by other ids.
   */
  acquireLease(key: string, max: number, leaseId: string, ttlMs: number, nowMs: number): Promise<boolean>;
  /** Gives the lease back; unknown or expired ids are ignored. */
  releaseLease(key: string, leaseId: string): Promise<void>;
  /** Live leases under `key` at `nowMs`. */
  countLeases(key: string, nowMs: number): Promise<number>;
}
