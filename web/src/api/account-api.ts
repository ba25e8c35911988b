/**
 * The caller's own account (docs/api.md "The caller's own account"): signed-in sessions, the
 * password, and personal access tokens. Times are ISO 8601 strings as the server sends them.
 */
import { request, requestJson } from './http-client.js';

/** One signed-in browser or device of the caller. */
export interface AccountSession {
  id: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string;
  user_agent: string | null;
  /** True for the session this page runs in. */
  current: boolean;
}

/** A personal access token as listed (the secret itself is never listed). */
export interface AccessToken {
  id: string;
  name: string;
  /** The token's first characters, e.g. `bc_pat_abcd`. */
  prefix: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
}

/** A token just created: the only time `token` is ever sent. */
export interface CreatedToken extends AccessToken {
  token: string;
}

const base = '/backend-api/account';

export async function listSessions(): Promise<AccountSession[]> {
  const body = await requestJson<{ items?: AccountSession[] }>(`${base}/sessions`);
  return body?.items ?? [];
}

export async function endSession(id: string): Promise<void> {
  await request(`${base}/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

/** Ends every session but this one; resolves how many were ended. */
export async function endOtherSessions(): Promise<number> {
  const body = await requestJson<{ revoked?: unknown }>(`${base}/sessions/revoke_others`, { json: {} });
  return typeof body?.revoked === 'number' ? body.revoked : 0;
}

export async function changePassword(currentPassword: string, newPassword: string): Promise<void> {
  await request(`${base}/password`, { json: { current_password: currentPassword, new_password: newPassword } });
}

export async function listTokens(): Promise<AccessToken[]> {
  const body = await requestJson<{ items?: AccessToken[] }>(`${base}/tokens`);
  return body?.items ?? [];
}

/** `expiresInDays` null: the token never expires. */
export function createToken(name: string, expiresInDays: number | null): Promise<CreatedToken> {
  return requestJson<CreatedToken>(`${base}/tokens`, { json: { name, expires_in_days: expiresInDays } });
}

export async function revokeToken(id: string): Promise<void> {
  await request(`${base}/tokens/${encodeURIComponent(id)}`, { method: 'DELETE' });
}
