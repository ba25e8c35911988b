/**
 * The CounterStore in Redis, shared by every backchat instance on it: each call is one Lua script
 * (EVALSHA), so it is one round trip and one atomic step however many instances count at once.
 *
 * Layout (under the prefix, `backchat:` by default):
 * - `limits:window:<key>`: a sorted set, one member per entry (`<time>-<n>`, unique even within one
 *   millisecond) scored by its time; expired entries are removed when the key is taken from, and the
 *   key expires (PEXPIRE) when its newest entry leaves the window;
 * - `limits:lease:<key>`: a sorted set of lease ids scored by their expiry; the key expires with its
 *   longest lease.
 * Windows and lease sets live apart, as in the memory store. Times come from the caller (epoch ms), never
 * from Redis's clock. Failures are SharedStateUnavailableError (src/redis/redis-connection.ts).
 */
import type { Redis } from 'ioredis';
import { defaultRedisPrefix, withRedis } from '../redis/redis-connection.js';
import { RedisScript, type ScriptArgument } from '../redis/redis-script.js';
import type { CounterStore, TakeResult, WindowState } from './counter-store.js';

/** ARGV: limit, windowMs, nowMs, cost → {allowed 0/1, count, retryAfterMs}. */
const takeScript = new RedisScript(`
local key, limit, window, now, cost = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count + cost > limit then
  local excess = count + cost - limit
  local entry = redis.call('ZRANGE', key, excess - 1, excess - 1, 'WITHSCORES')
  return {0, count, math.max(0, tonumber(entry[2]) + window - now)}
end
local n = count
for _ = 1, cost do
  local member
  repeat
    n = n + 1
    member = now .. '-' .. n
  until not redis.call('ZSCORE', key, member)
  redis.call('ZADD', key, now, member)
end
local newest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
redis.call('PEXPIRE', key, math.max(1, tonumber(newest[2]) + window - now))
return {1, count + cost, 0}
`);

/** ARGV: limit, windowMs, nowMs → {count, retryAfterMs}; reads only. */
const peekScript = new RedisScript(`
local key, limit, window, now = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local live = '(' .. (now - window)
local count = redis.call('ZCOUNT', key, live, '+inf')
if count < limit then return {count, 0} end
local entry = redis.call('ZRANGEBYSCORE', key, live, '+inf', 'WITHSCORES', 'LIMIT', count - limit, 1)
return {count, math.max(0, tonumber(entry[2]) + window - now)}
`);

/** ARGV: cost. Removes the newest entries. */
const giveBackScript = new RedisScript(`redis.call('ZPOPMAX', KEYS[1], ARGV[1])`);

const resetScript = new RedisScript(`redis.call('DEL', KEYS[1])`);

/** ARGV: max, leaseId, ttlMs, nowMs → 1 acquired (or renewed), 0 refused. */
const acquireLeaseScript = new RedisScript(`
local key, max, id, ttl, now = KEYS[1], tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
if not redis.call('ZSCORE', key, id) and redis.call('ZCARD', key) >= max then return 0 end
redis.call('ZADD', key, now + ttl, id)
local longest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
redis.call('PEXPIRE', key, math.max(1, tonumber(longest[2]) - now))
return 1
`);

/** ARGV: leaseId. */
const releaseLeaseScript = new RedisScript(`redis.call('ZREM', KEYS[1], ARGV[1])`);

/** ARGV: nowMs → live leases; reads only. */
const countLeasesScript = new RedisScript(`return redis.call('ZCOUNT', KEYS[1], '(' .. ARGV[1], '+inf')`);

export interface RedisCounterStoreOptions {
  /** Put before every key (default `backchat:`); instances that count together use the same one. */
  prefix?: string;
}

function checkTake(limit: number, cost: number): void {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  if (!Number.isInteger(cost) || cost < 1 || cost > limit) {
    throw new RangeError(`cost must be an integer from 1 to the limit (${limit}), got ${cost}`);
  }
}

/** Reads the integers of a script's array reply. */
function integers(reply: unknown, length: number): number[] {
  if (!Array.isArray(reply) || reply.length !== length) throw new Error(`unexpected Redis reply: ${String(reply)}`);
  return reply.map(Number);
}

export class RedisCounterStore implements CounterStore {
  private readonly prefix: string;

  /** `redis` is a command connection (openRedis); the store never closes it. */
  constructor(
    private readonly redis: Redis,
    options: RedisCounterStoreOptions = {},
  ) {
    this.prefix = options.prefix ?? defaultRedisPrefix;
  }

  async take(key: string, limit: number, windowMs: number, nowMs: number, cost = 1): Promise<TakeResult> {
    checkTake(limit, cost);
    const reply = await this.run(takeScript, this.windowKey(key), [limit, windowMs, nowMs, cost]);
    const [allowed = 0, count = 0, retryAfterMs = 0] = integers(reply, 3);
    return { allowed: allowed === 1, count, retryAfterMs };
  }

  async peek(key: string, limit: number, windowMs: number, nowMs: number): Promise<WindowState> {
    const reply = await this.run(peekScript, this.windowKey(key), [limit, windowMs, nowMs]);
    const [count = 0, retryAfterMs = 0] = integers(reply, 2);
    return { count, retryAfterMs };
  }

  async giveBack(key: string, cost = 1): Promise<void> {
    await this.run(giveBackScript, this.windowKey(key), [cost]);
  }

  async reset(key: string): Promise<void> {
    await this.run(resetScript, this.windowKey(key), []);
  }

  async acquireLease(key: string, max: number, leaseId: string, ttlMs: number, nowMs: number): Promise<boolean> {
    return (await this.run(acquireLeaseScript, this.leaseKey(key), [max, leaseId, ttlMs, nowMs])) === 1;
  }

  async releaseLease(key: string, leaseId: string): Promise<void> {
    await this.run(releaseLeaseScript, this.leaseKey(key), [leaseId]);
  }

  async countLeases(key: string, nowMs: number): Promise<number> {
    return Number(await this.run(countLeasesScript, this.leaseKey(key), [nowMs]));
  }

  private windowKey(key: string): string {
    return `${this.prefix}limits:window:${key}`;
  }

  private leaseKey(key: string): string {
    return `${this.prefix}limits:lease:${key}`;
  }

  private run(script: RedisScript, key: string, args: ScriptArgument[]): Promise<unknown> {
    return withRedis(this.redis, () => script.run(this.redis, [key], args));
  }
}
