/** Deterministic Clock and Ids for byte-stable transcripts and snapshots. */
import type { Clock } from '../../src/clock.js';
import type { Ids } from '../../src/ids.js';

/** Starts at `startSeconds` (epoch) and moves forward `stepMs` on every `now()`. */
export function steppingClock(startSeconds = 1_701_830_474.616844, stepMs = 1): Clock & { advance(ms: number): void } {
  let currentMs = startSeconds * 1000;
  let monotonic = 0;
  return {
    now: () => {
      const date = new Date(currentMs);
      currentMs += stepMs;
      return date;
    },
    monotonicMs: () => {
      monotonic += stepMs;
      return monotonic;
    },
    advance: (ms) => {
      currentMs += ms;
      monotonic += ms;
    },
  };
}

/** Counter ids: `00000000-0000-4000-8000-000000000001`, `…002`, …; `int` cycles through the counter. */
export function counterIds(): Ids {
  let counter = 0;
  const next = () => ++counter;
  return {
    uuid: () => `00000000-0000-4000-8000-${String(next()).padStart(12, '0')}`,
    hex: (chars) => String(next()).padStart(chars, '0').slice(-chars),
    secret: () => `secret-${next()}-${'x'.repeat(32)}`,
    int: (maxExclusive) => next() % maxExclusive,
  };
}
