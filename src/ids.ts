/** The only module that reads randomness; everything else takes an Ids source. */
import { randomBytes, randomInt, randomUUID } from 'node:crypto';

export interface Ids {
  /** A lowercase UUID v4, for every conversation and message id we mint. */
  uuid(): string;
  /** `chars` lowercase hex characters (prompt ids are 8). */
  hex(chars: number): string;
  /** A URL-safe secret of 32 random bytes (session tokens, signing keys). */
  secret(): string;
  /** An integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
}

export const randomIds: Ids = {
  uuid: () => randomUUID(),
  hex: (chars) =>
    randomBytes(Math.ceil(chars / 2))
      .toString('hex')
      .slice(0, chars),
  secret: () => randomBytes(32).toString('base64url'),
  int: (maxExclusive) => randomInt(maxExclusive),
};

const userIdAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** ChatGPT-shaped user id: `user-` followed by 24 alphanumerics. */
export function newUserId(ids: Ids): string {
  let id = 'user-';
  for (let i = 0; i < 24; i++) id += userIdAlphabet[ids.int(userIdAlphabet.length)];
  return id;
}

/**
 * Time-ordered UUIDs (version 7, RFC 9562): 48 bits of Unix milliseconds, then a 12-bit sequence
 * within the millisecond, then the variant and random bits of a fresh v4 from `ids`. Each call gives
 * an id greater (as text, too) than the one before, so rows keyed by them append to the end of the
 * primary-key index instead of splitting its pages at random. The clock going back is absorbed: the
 * last millisecond is kept and the sequence counts on (past 4095 the millisecond moves forward).
 */
export function timeOrderedUuids(ids: Ids): (nowMs: number) => string {
  let lastMs = -1;
  let sequence = 0;
  return (nowMs) => {
    const ms = Math.floor(nowMs);
    if (ms > lastMs) {
      lastMs = ms;
      sequence = 0;
    } else if (++sequence > 0xfff) {
      lastMs += 1;
      sequence = 0;
    }
    const time = lastMs.toString(16).padStart(12, '0');
    // A v4 reads xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx: its last 18 characters are the variant and random bits.
    return `${time.slice(0, 8)}-${time.slice(8)}-7${sequence.toString(16).padStart(3, '0')}${ids.uuid().slice(18)}`;
  };
}
