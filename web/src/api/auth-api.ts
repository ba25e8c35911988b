/**
 * Sign-in endpoints (cookie routes, no bearer token): session, login, logout, first-run set-up,
 * sign-up (open or with an invite) and invite look-up.
 */
import { ApiError, apiErrorFrom, NetworkError } from './api-error.js';

export interface SessionUser {
  id: string;
  name: string;
  email: string;
  image: string | null;
  groups: string[];
}

export interface Session {
  user: SessionUser;
  accessToken: string;
  /** ISO 8601 time the session ends. */
  expires: string;
}

async function call(path: string, json?: unknown): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: json === undefined && !path.endsWith('/logout') ? 'GET' : 'POST',
      credentials: 'same-origin',
      headers: json === undefined ? {} : { 'content-type': 'application/json' },
      ...(json !== undefined && { body: JSON.stringify(json) }),
    });
  } catch {
    throw new NetworkError('Cannot reach the backchat server. Check your connection and try again.');
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) throw apiErrorFrom(response.status, body);
  return body;
}

function asSession(body: unknown): Session | null {
  if (typeof body !== 'object' || body === null) return null;
  const session = body as Partial<Session>;
  return session.user && typeof session.accessToken === 'string' ? (session as Session) : null;
}

/** The signed-in session behind the cookie, or null (`{}` from the server). */
export async function fetchSession(): Promise<Session | null> {
  return asSession(await call('/api/auth/session'));
}

export async function signIn(email: string, password: string): Promise<Session> {
  const session = asSession(await call('/api/auth/login', { email, password }));
  if (!session) throw new Error('The server answered without a session.');
  return session;
}

export async function signOut(): Promise<void> {
  await call('/api/auth/logout');
}

/** Who may create an account: anyone, only with an invite link, or nobody but admins. */
export type SignupPolicy = 'open' | 'invite' | 'closed';

export interface SetupState {
  /** True when the server has no account yet (first run). */
  needsSetup: boolean;
  signupPolicy: SignupPolicy;
}

function asSignupPolicy(value: unknown): SignupPolicy {
  return value === 'open' || value === 'closed' ? value : 'invite';
}

export async function fetchSetup(): Promise<SetupState> {
  const body = (await call('/api/auth/setup')) as { needs_setup?: unknown; signup_policy?: unknown } | undefined;
  return { needsSetup: body?.needs_setup === true, signupPolicy: asSignupPolicy(body?.signup_policy) };
}

export interface SignUpInput {
  email: string;
  password: string;
  name?: string;
  /** The one-time token of an invite link. */
  invite?: string;
}

export async function signUp(input: SignUpInput): Promise<Session> {
  const session = asSession(await call('/api/auth/signup', input));
  if (!session) throw new Error('The server answered without a session.');
  return session;
}

/** A usable invite as `GET /api/auth/invites/{token}` describes it. */
export interface InviteInfo {
  /** The only address that may use it, or null for anyone with the link. */
  email: string | null;
  role: 'user' | 'admin';
  /** ISO 8601. */
  expiresAt: string;
}

/** The invite behind a link, or null when it is unknown, used, revoked or expired (404). */
export async function fetchInvite(token: string): Promise<InviteInfo | null> {
  try {
    const body = (await call(`/api/auth/invites/${encodeURIComponent(token)}`)) as Record<string, unknown>;
    return {
      email: typeof body.email === 'string' ? body.email : null,
      role: body.role === 'admin' ? 'admin' : 'user',
      expiresAt: typeof body.expires_at === 'string' ? body.expires_at : '',
    };
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

export async function createAdmin(name: string, email: string, password: string): Promise<Session> {
  const session = asSession(await call('/api/auth/setup', { name, email, password }));
  if (!session) throw new Error('The server answered without a session.');
  return session;
}
