/** Secrets handed to clients (session cookies, personal access tokens, invite links) and their stored hashes. */
import { createHash, randomBytes } from 'node:crypto';

/** Personal access tokens start with this, so a leaked one is recognisable (and secret scanners can match it). */
export const personalTokenPrefix = 'bc_pat_';

/** SHA-256 hex: what the database keeps instead of the secret. 256-bit secrets need no slow hash. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** A new personal access token: `bc_pat_` + 256 random bits, base64url. */
export function newPersonalToken(): string {
  return `${personalTokenPrefix}${randomBytes(32).toString('base64url')}`;
}

/** The part of a personal token shown in lists: enough to tell tokens apart, useless to an attacker. */
export function personalTokenDisplayPrefix(token: string): string {
  return token.slice(0, personalTokenPrefix.length + 6);
}

/** The token of an `Authorization: Bearer <token>` header, if it has that form. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
}
