/**
 * A seeded pseudo-random source for randomized workloads: the same seed gives the same sequence of
 * draws, so a failure can be replayed by its seed (timing stays real and is not replayed).
 *
 * ```ts
 * const seed = chooseSeed('BACKCHAT_CRASH_SEED');   // the variable's value, else a fresh random seed
 * const random = seededRandom(seed);
 * random.int(10); random.chance(0.25); random.pick(['a', 'b']); random.between(50, 400);
 * const child = random.fork();                       // an independent stream, e.g. one per worker
 * ```
 */
import { randomInt } from 'node:crypto';

export interface SeededRandom {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
  /** An integer in [min, max]. */
  between(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** A UUID-shaped id (version 4 layout) drawn from this source. */
  uuid(): string;
  /** A new source seeded from this one: its draws do not disturb this sequence afterwards. */
  fork(): SeededRandom;
}

/** The seed named by `variable` in the environment (a decimal integer), else a fresh random one. */
export function chooseSeed(variable: string): number {
  const fixed = process.env[variable];
  if (fixed !== undefined && /^\d+$/.test(fixed)) return Number(fixed) >>> 0;
  return randomInt(1, 2 ** 31);
}

/** Small Fast Counter (sfc32) over 4 × 32 bits, its state spread from the seed by a few warm-up rounds. */
export function seededRandom(seed: number): SeededRandom {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const step = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let round = 0; round < 12; round++) step();
  const next = () => step() / 4294967296;
  const int = (maxExclusive: number) => Math.floor(next() * maxExclusive);
  const hex = (digits: number) => Array.from({ length: digits }, () => int(16).toString(16)).join('');
  return {
    next,
    int,
    between: (min, max) => min + int(max - min + 1),
    chance: (p) => next() < p,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[int(items.length)] as T;
    },
    uuid: () => `${hex(8)}-${hex(4)}-4${hex(3)}-${(8 + int(4)).toString(16)}${hex(3)}-${hex(12)}`,
    fork: () => seededRandom(step()),
  };
}
