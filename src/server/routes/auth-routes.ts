/** Sign-in for people: login → HttpOnly session cookie; `/api/auth/session` → the NextAuth-shaped session (§2). */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sessionView } from '../../auth/account-views.js';
import type { AuthService } from '../../auth/auth-service.js';
import { loginSchema, setupSchema } from '../../protocol/requests.js';
import type { UserRecord } from '../../store/store.js';
import { type RouteSpec, sessionCookie } from '../route-table.js';
import { parseWith } from './conversation-routes.js';

export interface AuthRouteDeps {
  auth: AuthService;
  config: { sessionTtlHours: number };
}

function isHttps(request: FastifyRequest): boolean {
  return request.protocol === 'https';
}

function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string, maxAgeSeconds: number): void {
  reply.setCookie(sessionCookie, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: isHttps(request),
    path: '/',
    maxAge: Math.max(0, Math.floor(maxAgeSeconds)),
  });
}

export function authRoutes(deps: AuthRouteDeps): RouteSpec[] {
  const { auth } = deps;
  /** The NextAuth-shaped session with a fresh access token that expires with the session at the latest. */
  const sessionResponse = async (user: UserRecord, expiresAt: number) => {
    const token = await auth.issueAccessToken(user.id, expiresAt);
    return sessionView(user, token.token, token.expiresAt);
  };
  /** Checks the credentials, sets the session cookie and answers with the session. */
  const signIn = async (request: FastifyRequest, reply: FastifyReply, email: string, password: string) => {
    const login = await auth.login(email, password, request.headers['user-agent'] ?? null);
    setSessionCookie(request, reply, login.sessionToken, deps.config.sessionTtlHours * 3600);
    return sessionResponse(login.user, login.expiresAt);
  };
  return [
    {
      // A cookie route: it ignores Authorization entirely, so a junk bearer cannot hide a valid session (§2).
      method: 'GET',
      path: '/api/auth/session',
      mount: 'absolute',
      auth: 'none',
      handler: async (request) => {
        const session = await auth.sessionUser(request.cookies[sessionCookie]);
        if (!session) return {};
        return sessionResponse(session.user, session.expiresAt);
      },
    },
    {
      method: 'POST',
      path: '/api/auth/login',
      mount: 'absolute',
      auth: 'none',
      handler: async (request, reply) => {
        const body = parseWith(loginSchema, request.body);
        return signIn(request, reply, body.email, body.password);
      },
    },
    {
      method: 'GET',
      path: '/api/auth/setup',
      mount: 'absolute',
      auth: 'none',
      handler: async () => ({ needs_setup: await auth.needsSetup() }),
    },
    {
      // First run only: creates the admin account and signs it in.
      method: 'POST',
      path: '/api/auth/setup',
      mount: 'absolute',
      auth: 'none',
      handler: async (request, reply) => {
        const body = parseWith(setupSchema, request.body);
        await auth.setupFirstAdmin({ email: body.email, password: body.password, name: body.name ?? undefined });
        return signIn(request, reply, body.email, body.password);
      },
    },
    {
      method: 'POST',
      path: '/api/auth/logout',
      mount: 'absolute',
      auth: 'none',
      handler: async (request, reply) => {
        await auth.logout(request.cookies[sessionCookie]);
        reply.clearCookie(sessionCookie, { path: '/' });
        return { success: true };
      },
    },
  ];
}
