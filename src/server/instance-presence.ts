/**
 * Every server process keeps a row with a heartbeat in `instances`, so it can tell it is not alone on
 * its database. Several instances without Redis work, but count limits and hold live answers each on
 * their own; that is warned about once per other instance, naming what is not shared (docs/deploy.md).
 */
import { type Clock, epochSeconds } from '../clock.js';
import type { GenerationStore, InstanceRecord } from '../store/store.js';

export interface InstancePresenceOptions {
  store: Pick<GenerationStore, 'recordInstance' | 'otherLiveInstances' | 'removeInstance'>;
  clock: Clock;
  instanceId: string;
  /** Where this process runs, for the others' messages: `host:port (pid N)`. */
  label: string;
  /** Whether this process shares limits and live answers through Redis. */
  sharedState: InstanceRecord['sharedState'];
  log: (message: string) => void;
  /** Milliseconds between heartbeats (default 5 s). */
  intervalMs?: number;
}

/** Rows silent for this many heartbeats belong to processes that are gone; they are deleted. */
const staleAfterBeats = 20;

/** What several instances without Redis do not share. */
export const notSharedWithoutRedis =
  'message caps, rate limits and concurrent-stream limits are counted per instance, and resuming or stopping an ' +
  'answer works only on the instance writing it';

export class InstancePresence {
  readonly #options: InstancePresenceOptions;
  readonly #intervalMs: number;
  readonly #startTime: number;
  readonly #warned = new Set<string>();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: InstancePresenceOptions) {
    this.#options = options;
    this.#intervalMs = options.intervalMs ?? 5_000;
    this.#startTime = epochSeconds(options.clock.now());
  }

  /** Records this process and starts its heartbeat. */
  async start(): Promise<void> {
    await this.beat();
    this.#timer = setInterval(() => {
      this.beat().catch((error: Error) => this.#options.log(`instance heartbeat failed: ${error.message}`));
    }, this.#intervalMs);
    this.#timer.unref();
  }

  /**
   * Refreshes this process's heartbeat and looks at the others. Only a process whose heartbeat is newer
   * than this one's start counts: a killed process's row is old, so a restart does not warn about itself.
   */
  async beat(): Promise<InstanceRecord[]> {
    const { store, clock, instanceId, label, sharedState } = this.#options;
    await store.recordInstance({
      instanceId,
      label,
      sharedState,
      startTime: this.#startTime,
      heartbeatTime: epochSeconds(clock.now()),
    });
    const others = await store.otherLiveInstances(instanceId, this.#startTime);
    for (const other of others) this.#warnIfUnshared(other);
    return others;
  }

  #warnIfUnshared(other: InstanceRecord): void {
    if (this.#warned.has(other.instanceId)) return;
    const { sharedState, log } = this.#options;
    if (sharedState === 'redis' && other.sharedState === 'redis') return;
    this.#warned.add(other.instanceId);
    const which =
      sharedState === 'none' ? 'REDIS_URL is not set on this instance' : `REDIS_URL is not set on ${other.label}`;
    log(
      `warning: another backchat instance (${other.label}) uses this database and ${which}: ${notSharedWithoutRedis}. ` +
        'Set the same REDIS_URL on every instance (docs/deploy.md).',
    );
  }

  /** Stops the heartbeat and removes this process's row (and long-silent rows of others). */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    const staleBefore = epochSeconds(this.#options.clock.now()) - (staleAfterBeats * this.#intervalMs) / 1000;
    await this.#options.store.removeInstance(this.#options.instanceId, staleBefore);
  }
}
