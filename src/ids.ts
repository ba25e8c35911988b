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
