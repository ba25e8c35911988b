/**
 * Backchat's abuse limits over one CounterStore (docs/limits.md): message caps, concurrent answers,
 * sign-in throttling and the analytics rate per network. Routes call these before doing any work; a
 * refusal is a TooManyRequestsError, which server/errors.ts turns into a 429 with `Retry-After`.
 */
import type { Clock } from '../clock.js';
import { clientNetwork } from './client-network.js';
import type { CounterStore } from './counter-store.js';
import type { LimitsConfig } from './limits-config.js';
import { LoginThrottle } from './login-throttle.js';
import { MessageCaps } from './message-caps.js';
import { inSeconds, RateLimit } from './rate-limit.js';
import { StreamLeases } from './stream-leases.js';

export interface LimitsDeps {
  store: CounterStore;
  /** Wall-clock time: windows are shared between instances through the store. */
  clock: Clock;
  config: LimitsConfig;
}

/** An admitted turn: its message is counted and it holds a stream lease. */
export interface TurnAdmission {
  /** The turn did not happen after all: its message no longer counts (idempotent). */
  refund(): Promise<void>;
  /** The answer is over, however it ended: the stream lease goes back (idempotent). */
  release(): Promise<void>;
}

function once(action: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= action();
    return done;
  };
}

export class Limits {
  readonly messages: MessageCaps;
  readonly streams: StreamLeases;
  readonly login: LoginThrottle;
  private readonly telemetry: RateLimit;

  constructor(deps: LimitsDeps) {
    const { store, clock, config } = deps;
    this.messages = new MessageCaps({ store, clock, messages: config.messages, models: config.models });
    this.streams = new StreamLeases({ store, clock, max: config.concurrentStreams });
    this.login = new LoginThrottle({ store, clock, login: config.login });
    this.telemetry = new RateLimit(deps, {
      name: 'telemetry-ip',
      limit: config.telemetryPerIpPerMinute,
      windowMs: 60_000,
      message: (ms) => `Too many analytics batches from your network. Try again in ${inSeconds(ms)}.`,
    });
  }

  /**
   * Before a turn is committed: takes a stream lease named `requestId`, then counts the message
   * against the user's caps for the resolved `modelSlug`. Throws TooManyRequestsError (holding nothing).
   */
  async admitTurn(userId: string, modelSlug: string, requestId: string): Promise<TurnAdmission> {
    const lease = await this.streams.acquire(userId, requestId);
    try {
      const giveBack = await this.messages.take(userId, modelSlug);
      return { refund: once(giveBack), release: () => lease.release() };
    } catch (error) {
      await lease.release();
      throw error;
    }
  }

  /** One `/ces/v1/b` batch from `ip`, or TooManyRequestsError. */
  telemetryBatch(ip: string): Promise<void> {
    return this.telemetry.hit(clientNetwork(ip));
  }
}
