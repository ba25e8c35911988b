/**
 * Sign-in for people: login / sign-up / first-run set-up → HttpOnly session cookie; `/api/auth/session`
 * → the NextAuth-shaped session (docs/api.md) with an access token bound to that session.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sessionView } from '../../auth/account-views.js';
import type { AuthService } from '../../auth/auth-service.js';
import { NotFoundError } from '../../domain-errors.js';
import type { Limits } from '../../limits/limits-service.js';
import { signupSchema } from '../../protocol/account-requests.js';
import { loginSchema, setupSchema } from '../../protocol/requests.js';
import type { SessionRecord, UserRecord } from '../../store/store.js';
import { type RouteSpec, sessionCookie } from '../route-table.js';
import { parseWith } from './request-parsing.js';

export interface AuthRouteDeps {
  auth: AuthService;
  limits: Pick<Limits, 'login'>;
}

function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string, session: SessionRecord): void {
  reply.setCookie(sessionCookie, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: request.protocol === 'https',
    path: '/',
    maxAge: Math.max(0, Math.floor(session.expireTime - session.createTime)),
  });
}

export function authRoutes(deps: AuthRouteDeps): RouteSpec[] {
  const { auth } = deps;
  /** The NextAuth-shaped session with a fresh access token bound to the session. */
  const sessionResponse = async (user: UserRecord, session: SessionRecord) => {
    const token = await auth.issueAccessToken(session);
    return sessionView(user, token.token, session.expireTime);
  };
  /** Opens a session for `user`, sets its cookie and answers with the session. */
  const signIn = async (request: FastifyRequest, reply: FastifyReply, user: UserRecord) => {
    const opened = await auth.openSession(user, request.headers['user-agent'] ?? null);
    setSessionCookie(request, reply, opened.sessionToken, opened.session);
    return sessionResponse(user, opened.session);
  };
  return [
    {
      // A cookie route: it ignores Authorization entirely, so a junk bearer cannot hide a valid session
      // (docs/decisions/2026-11-26-auth-and-temporary-chats.md).
      method: 'GET',
      path: '/api/auth/session',
      mount: 'absolute',
      auth: 'none',
      handler: async (request) => {
        const live = await auth.sessionUser(request.cookies[sessionCookie]);
        return live ? sessionResponse(live.user, live.session) : {};
      },
    },
    {
      method: 'POST',
      path: '/api/auth/login',
      mount: 'absolute',
      auth: 'none',
      handler: async (request, reply) => {
        const body = parseWith(loginSchema, request.body);
        await deps.limits.login.check(body.email, request.ip);
        const user = await auth.verifyCredentials(body.email, body.password);
        await deps.limits.login.recordSuccess(body.email);
        return signIn(request, reply, user);
      },
    },
    {
      method: 'GET',
      path: '/api/auth/setup',
      mount: 'absolute',
      auth: 'none',
      handler: async () => ({ needs_setup: await auth.needsSetup(), signup_policy: await auth.signupPolicy() }),
    },
    {
      // First run only: creates the admin account and signs it in.
      method: 'POST',
      path: '/api/auth/setup',
      mount: 'absolute',
      auth: 'none',
      handler: async (request, reply) => {
        const body = parseWith(setupSchema, request.body);
        const user = await auth.setupFirstAdmin({
          email: body.email,
          password: body.password,
          name: body.name ?? undefined,
        });
        return signIn(request, reply, user);
      },
    },
    {
      method: 'POST',
      path: '/api/auth/signup',
      mount: 'absolute',
      auth: 'none',
      handler: async (request, reply) => {
        const body = parseWith(signupSchema, request.body);
        // Sign-ups share the sign-in budget of the client network: scripts cannot mass-create accounts.
        await deps.limits.login.checkNetwork(request.ip);
        const user = await auth.signup({
          email: body.email,
          password: body.password,
          name: body.name ?? undefined,
          invite: body.invite ?? undefined,
        });
        return signIn(request, reply, user);
      },
    },
    {
      method: 'GET',
      path: '/api/auth/invites/:token',
      mount: 'absolute',
      auth: 'none',
      handler: async (request) => {
        const { token } = request.params as { token: string };
        const invite = await auth.usableInvite(token);
        if (!invite) throw new NotFoundError('This invite link is not valid: it was used, revoked or has expired');
        return { email: invite.email, role: invite.role, expires_at: new Date(invite.expireTime * 1000).toISOString() };
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
