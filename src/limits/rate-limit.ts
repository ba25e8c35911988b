/** A plain request rate: at most `limit` hits per subject (an account, a network) in a sliding window. */
import type { Clock } from '../clock.js';
import { TooManyRequestsError } from '../domain-errors.js';
import type { CounterStore } from './counter-store.js';

export interface RateLimitPolicy {
  /** Key prefix, unique per policy (e.g. `telemetry-ip`). */
  name: string;
  /** Hits per window; 0 turns the limit off. */
  limit: number;
  windowMs: number;
  /** The 429 detail for people, given the wait in milliseconds. */
  message(retryAfterMs: number): string;
}

export class RateLimit {
  constructor(
    private readonly deps: { store: CounterStore; clock: Clock },
    private readonly policy: RateLimitPolicy,
  ) {}

  private key(subject: string): string {
    return `${this.policy.name}:${subject}`;
  }

  /** Counts one hit for `subject`, or throws TooManyRequestsError (counting nothing) when the window is full. */
  async hit(subject: string): Promise<void> {
    const { limit, windowMs } = this.policy;
    if (limit === 0) return;
    const result = await this.deps.store.take(this.key(subject), limit, windowMs, this.deps.clock.now().getTime());
    if (!result.allowed) {
      throw new TooManyRequestsError(this.policy.message(result.retryAfterMs), result.retryAfterMs / 1000);
    }
  }

  /** Forgets every hit of `subject`. */
  async clear(subject: string): Promise<void> {
    await this.deps.store.reset(this.key(subject));
  }
}

/** "N minutes" (at least 1) for a wait in milliseconds. */
export function inMinutes(ms: number): string {
  const minutes = Math.max(1, Math.ceil(ms / 60_000));
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

/** "N seconds" (at least 1) for a wait in milliseconds. */
export function inSeconds(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  return seconds === 1 ? '1 second' : `${seconds} seconds`;
}
