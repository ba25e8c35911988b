/**
 * Administration (docs/api.md "Administration", admins only): users, invites and the sign-up
 * policy. Times are ISO 8601 strings as the server sends them.
 */
import type { SignupPolicy } from './auth-api.js';
import { request, requestJson } from './http-client.js';

export type Role = 'user' | 'admin';

export interface AdminUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
  created_at: string;
  /** null: every model; else the model slugs this user may use. */
  model_access: string[] | null;
}

export interface NewUser {
  email: string;
  password: string;
  name?: string;
  role?: Role;
}

export interface UserPatch {
  role?: Role;
  disabled?: boolean;
  model_access?: string[] | null;
  name?: string;
}

export interface Invite {
  id: string;
  /** The only address that may use it, or null for anyone with the link. */
  email: string | null;
  role: Role;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  used_by: string | null;
}

/** An invite just created: the only time its `token` is sent. */
export interface CreatedInvite extends Invite {
  token: string;
  /** `/invite/<token>` */
  url: string;
}

export interface NewInvite {
  email?: string;
  role?: Role;
  /** 1–720; the server's default is 168 (a week). */
  expires_in_hours?: number;
}

const base = '/backend-api/admin';

function userPath(id: string): string {
  return `${base}/users/${encodeURIComponent(id)}`;
}

export async function listUsers(): Promise<AdminUser[]> {
  const body = await requestJson<{ items?: AdminUser[] }>(`${base}/users`);
  return body?.items ?? [];
}

export function createUser(user: NewUser): Promise<AdminUser> {
  return requestJson<AdminUser>(`${base}/users`, { json: user });
}

export function updateUser(id: string, patch: UserPatch): Promise<AdminUser> {
  return requestJson<AdminUser>(userPath(id), { method: 'PATCH', json: patch });
}

export async function resetPassword(id: string, password: string): Promise<void> {
  await request(`${userPath(id)}/password`, { json: { password } });
}

export async function listInvites(): Promise<Invite[]> {
  const body = await requestJson<{ items?: Invite[] }>(`${base}/invites`);
  return body?.items ?? [];
}

export function createInvite(invite: NewInvite): Promise<CreatedInvite> {
  return requestJson<CreatedInvite>(`${base}/invites`, { json: invite });
}

export async function revokeInvite(id: string): Promise<void> {
  await request(`${base}/invites/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

export async function getSignupPolicy(): Promise<SignupPolicy> {
  const body = await requestJson<{ signup_policy?: SignupPolicy }>(`${base}/settings`);
  return body?.signup_policy ?? 'invite';
}

export async function setSignupPolicy(policy: SignupPolicy): Promise<SignupPolicy> {
  const body = await requestJson<{ signup_policy?: SignupPolicy }>(`${base}/settings`, {
    method: 'PATCH',
    json: { signup_policy: policy },
  });
  return body?.signup_policy ?? policy;
}
