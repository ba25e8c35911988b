/** Sign-in for people: login → HttpOnly session cookie; `/api/auth/session` → the NextAuth-shaped session (§2). */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sessionView } from '../../auth/account-views.js';
import type { AuthService } from '../../auth/auth-service.js';
import { loginSchema } from '../../protocol/requests.js';
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
        const token = await auth.issueAccessToken(session.user.id, session.expiresAt);
        return sessionView(session.user, token.token, token.expiresAt);
      },
    },
    {
      method: 'POST',
      path: '/api/auth/login',
      mount: 'absolute',
      auth: 'none',
      handler: async (request, reply) => {
        const body = parseWith(loginSchema, request.body);
        const login = await auth.login(body.email, body.password, request.headers['user-agent'] ?? null);
        setSessionCookie(request, reply, login.sessionToken, deps.config.sessionTtlHours * 3600);
        const token = await auth.issueAccessToken(login.user.id, login.expiresAt);
        return sessionView(login.user, token.token, token.expiresAt);
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
