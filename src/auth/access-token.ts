/**
 * Access tokens: HS256 JWTs signed with the installation's secret (kept in the store so every
 * instance shares it) and bound to the session they were minted from. Only HS256 is accepted, so
 * `alg: none` and algorithm swaps fail verification.
 *
 * Tokens are signed with jose and verified here, with node:crypto's HMAC, synchronously: every
 * authenticated request verifies one, and WebCrypto's asynchronous verify (what jose uses) took
 * 130–360 µs a request — a trip through the thread pool and back — where this takes under 10 µs
 * (docs/performance.md). The checks are jose's for this one kind of token: the exact header we write,
 * a canonical signature compared in constant time, then issuer, audience and the time claims.
 */
import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import { SignJWT } from 'jose';
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

const invalid: VerifyResult = { ok: false, failure: 'invalid' };
const expired: VerifyResult = { ok: false, failure: 'expired' };

/** A segment of a compact JWT: unpadded base64url, nothing else. */
const segment = /^[A-Za-z0-9_-]+$/;

/** The JSON object a base64url segment holds; undefined for anything else. */
function decodeObject(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The header backchat signs: HS256, typ JWT, nothing a verifier would have to understand (`crit`). */
function isOurHeader(header: Record<string, unknown>): boolean {
  return header.alg === 'HS256' && header.typ === 'JWT' && !('crit' in header) && !('b64' in header);
}

/** `aud` names this API (a string, or an array holding it). */
function forUs(aud: unknown): boolean {
  return aud === audience || (Array.isArray(aud) && aud.includes(audience));
}

const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

export class AccessTokens {
  private readonly key: KeyObject;
  /** The same secret as bytes for jose's signer, which imports them for each token: signing is rare (sign-in, refresh). */
  private readonly signingKey: Uint8Array;

  constructor(
    secret: string,
    private readonly ids: Ids,
  ) {
    this.signingKey = new TextEncoder().encode(secret);
    this.key = createSecretKey(Buffer.from(this.signingKey));
  }

  /** `now` and `expiresAt` are epoch seconds. */
  async sign(userId: string, sessionId: string, now: number, expiresAt: number): Promise<string> {
    return new SignJWT({ sid: sessionId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(userId)
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt(Math.floor(now))
      .setExpirationTime(Math.floor(expiresAt))
      .setJti(this.ids.uuid())
      .sign(this.signingKey);
  }

  /** `now` is epoch seconds. Synchronous work; a promise so that callers need not care. */
  async verify(token: string, now: number): Promise<VerifyResult> {
    return this.check(token, now);
  }

  private check(token: string, nowSeconds: number): VerifyResult {
    // Whole seconds, as the claims are written (and as jose compares them).
    const now = Math.floor(nowSeconds);
    const parts = token.split('.');
    if (parts.length !== 3) return invalid;
    const [header, payload, signature] = parts as [string, string, string];
    if (!segment.test(header) || !segment.test(payload) || !segment.test(signature)) return invalid;
    // The signature as we would write it, compared as text: a non-canonical encoding of the same bytes
    // (other trailing bits) is refused like any other change.
    const expected = Buffer.from(createHmac('sha256', this.key).update(`${header}.${payload}`).digest('base64url'));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return invalid;
    const head = decodeObject(header);
    const claims = decodeObject(payload);
    if (!head || !claims || !isOurHeader(head)) return invalid;
    const { sub, sid, exp, nbf, iat, iss, aud } = claims;
    if (iss !== issuer || !forUs(aud)) return invalid;
    if (!isTime(exp) || (nbf !== undefined && !isTime(nbf)) || (iat !== undefined && !isTime(iat))) return invalid;
    if (typeof sub !== 'string' || typeof sid !== 'string') return invalid;
    if (nbf !== undefined && nbf > now) return invalid;
    if (exp <= now) return expired;
    return { ok: true, claims: { userId: sub, sessionId: sid, expiresAt: exp } };
  }
}
