/** Sign-in endpoints (cookie routes, no bearer token): session, login, logout, first-run set-up. */
import { apiErrorFrom, NetworkError } from './api-error.js';

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

/** True when the server has no account yet (first run). */
export async function needsSetup(): Promise<boolean> {
  const body = (await call('/api/auth/setup')) as { needs_setup?: unknown } | undefined;
  return body?.needs_setup === true;
}

export async function createAdmin(name: string, email: string, password: string): Promise<Session> {
  const session = asSession(await call('/api/auth/setup', { name, email, password }));
  if (!session) throw new Error('The server answered without a session.');
  return session;
}
