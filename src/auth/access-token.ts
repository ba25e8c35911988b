/**
 * Access tokens: HS256 JWTs signed with the installation's secret (kept in the store so every
 * instance shares it) and bound to the session they were minted from. Only HS256 is accepted, so `alg: none` and algorithm swaps fail verification.
 */
import { errors, jwtVerify, SignJWT } from 'jose';
import type { Ids } from '../ids.js';

const issuer = 'backchat';
const audience = 'backchat-api';

export interface AccessTokenClaims {
  userId: string;
  /** The session the token was minted from: ending the session ends the token. */
  sessionId: string;
  /** Epoch seconds. */
  expiresAt: number;
}

export type VerifyResult = { ok: true; claims: AccessTokenClaims } | { ok: false; failure: 'invalid' | 'expired' };

export class AccessTokens {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    private readonly ids: Ids,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  /** `now` and `expiresAt` are epoch seconds. */
  sign(userId: string, sessionId: string, now: number, expiresAt: number): Promise<string> {
    return new SignJWT({ sid: sessionId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(userId)
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt(Math.floor(now))
      .setExpirationTime(Math.floor(expiresAt))
      .setJti(this.ids.uuid())
      .sign(this.key);
  }

  async verify(token: string, now: number): Promise<VerifyResult> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        typ: 'JWT',
        issuer,
        audience,
        currentDate: new Date(now * 1000),
      });
      const { sub, sid, exp } = payload;
      if (typeof sub !== 'string' || typeof sid !== 'string' || typeof exp !== 'number') {
        return { ok: false, failure: 'invalid' };
      }
      return { ok: true, claims: { userId: sub, sessionId: sid, expiresAt: exp } };
    } catch (error) {
      return { ok: false, failure: error instanceof errors.JWTExpired ? 'expired' : 'invalid' };
    }
  }
}
