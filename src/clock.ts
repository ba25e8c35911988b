/** The only module that reads the wall clock; everything else takes a Clock. */
export interface Clock {
  now(): Date;
  /** Monotonic milliseconds, for measuring durations (never for timestamps). */
  monotonicMs(): number;
}

export const systemClock: Clock = { now: () => new Date(), monotonicMs: () => performance.now() };

/** Float epoch seconds with microsecond precision, the unit of every wire `create_time`. */
export function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}
