/**
 * Message caps per user: one over all models (`limits.messages`) and one per configured model slug
 * (`limits.models`), each a sliding window. A message counts when its turn is admitted and is given
 * back when the turn does not happen after all (refused by the planner, or no answer from the model).
 */
import type { Clock } from '../clock.js';
import { TooManyRequestsError } from '../domain-errors.js';
import type { CounterStore } from './counter-store.js';
import type { WindowCap } from './limits-config.js';

/** ChatGPT's words for a reached cap (the 429 body in docs/api.md, "Limits"). */
export const modelCapMessage = 'You have sent too many messages to the model. Please try again later.';

export interface MessageCapsDeps {
  store: CounterStore;
  clock: Clock;
  messages: WindowCap;
  models: Record<string, WindowCap>;
}

/** Where a user stands against one cap. */
export interface CapUsage {
  cap: number;
  windowMinutes: number;
  /** Messages counted in the window now. */
  used: number;
  /** Milliseconds until one more message is allowed (0: allowed now). */
  retryAfterMs: number;
  /** Set when this is a model's own cap (`limits.models`). */
  modelSlug?: string;
}

interface ActiveCap {
  key: string;
  cap: WindowCap;
  modelSlug?: string;
}

const windowMs = (cap: WindowCap) => cap.windowMinutes * 60_000;

export class MessageCaps {
  constructor(private readonly deps: MessageCapsDeps) {}

  private overall(userId: string): ActiveCap | undefined {
    const cap = this.deps.messages;
    return cap.cap > 0 ? { key: `messages:${userId}`, cap } : undefined;
  }

  private ofModel(userId: string, modelSlug: string): ActiveCap | undefined {
    const cap = this.deps.models[modelSlug];
    return cap && cap.cap > 0 ? { key: `model-messages:${userId}:${modelSlug}`, cap, modelSlug } : undefined;
  }

  /**
   * Counts one message of `userId` to `modelSlug` against every cap that applies, or throws
   * TooManyRequestsError (`model_cap_exceeded`, counting nothing). Returns the give-back.
   */
  async take(userId: string, modelSlug: string): Promise<() => Promise<void>> {
    const caps = [this.overall(userId), this.ofModel(userId, modelSlug)].filter((cap) => cap !== undefined);
    const nowMs = this.deps.clock.now().getTime();
    const taken: string[] = [];
    const giveBack = () => Promise.all(taken.map((key) => this.deps.store.giveBack(key))).then(() => undefined);
    for (const { key, cap } of caps) {
      const result = await this.deps.store.take(key, cap.cap, windowMs(cap), nowMs);
      if (!result.allowed) {
        await giveBack();
        throw new TooManyRequestsError(modelCapMessage, result.retryAfterMs / 1000, 'model_cap_exceeded');
      }
      taken.push(key);
    }
    return giveBack;
  }

  /**
   * The cap `/conversation_limit` reports: the model's own cap when `modelSlug` has one, else the
   * cap over all models; undefined when neither is on.
   */
  async usage(userId: string, modelSlug?: string): Promise<CapUsage | undefined> {
    const active = (modelSlug === undefined ? undefined : this.ofModel(userId, modelSlug)) ?? this.overall(userId);
    if (!active) return undefined;
    const { cap, key } = active;
    const state = await this.deps.store.peek(key, cap.cap, windowMs(cap), this.deps.clock.now().getTime());
    return {
      cap: cap.cap,
      windowMinutes: cap.windowMinutes,
      used: state.count,
      retryAfterMs: state.retryAfterMs,
      ...(active.modelSlug !== undefined && { modelSlug: active.modelSlug }),
    };
  }
}
