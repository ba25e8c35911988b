/**
 * The route table: every HTTP route of backchat is declared once, with its auth
 * requirement, and registered under each prefix it lives at (`/backend-api` and `/api`: docs/api.md).
 * Tests generate their authorization matrix from `listRoutes()`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthService } from '../auth/auth-service.js';
import type { Identity } from '../auth/identity.js';
import type { BackgroundLane } from '../background-lane.js';
import { ForbiddenError } from '../domain-errors.js';
import type { UserRecord } from '../store/store.js';
import { installJsonParser } from './json-body.js';
import { checkSameOrigin, isStateChanging } from './same-origin.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** Where a route is mounted: under both API prefixes, or at exactly its path. */
export type Mount = 'api' | 'absolute';

export const apiPrefixes = ['/backend-api', '/api'] as const;

export const sessionCookie = 'backchat_session';

interface BaseRoute {
  method: HttpMethod;
  path: string;
  mount: Mount;
  /** Body limit in bytes, when not the app's default. */
  bodyLimit?: number;
  /**
   * The body is left unread: the handler gets `request.body` as the raw stream, whatever its type
   * (uploads that must not be buffered; the handler enforces its own limit).
   */
  rawBody?: boolean;
  /** A JSON body is parsed in this lane, after other requests (telemetry floods; background-lane.ts). */
  bodyLane?: BackgroundLane;
}

/**
 * Who may call a route: `user` — any signed-in caller, personal access tokens included; `session` —
 * a person signed in through the web (cookie or the access token of a session), never a personal
 * access token (a leaked API token cannot manage the account); `admin` — a session of an administrator.
 */
export type RouteAuth = 'user' | 'session' | 'admin';

export interface UserRoute extends BaseRoute {
  auth: RouteAuth;
  handler(request: FastifyRequest, reply: FastifyReply, user: UserRecord, identity: Identity): Promise<unknown>;
}

export interface PublicRoute extends BaseRoute {
  auth: 'none';
  handler(request: FastifyRequest, reply: FastifyReply): Promise<unknown>;
}

export type RouteSpec = UserRoute | PublicRoute;

/** Every concrete URL pattern a route answers at. */
export function routeUrls(route: RouteSpec): string[] {
  return route.mount === 'api' ? apiPrefixes.map((prefix) => `${prefix}${route.path}`) : [route.path];
}

export function credentialsOf(request: FastifyRequest): {
  authorization: string | undefined;
  sessionToken: string | undefined;
} {
  return { authorization: request.headers.authorization, sessionToken: request.cookies[sessionCookie] };
}

/** Throws ForbiddenError when the identity may not call a route of this auth level. */
function checkAccess(level: RouteAuth, identity: Identity): void {
  if (level !== 'user' && identity.via === 'personal_token') {
    throw new ForbiddenError('Personal access tokens cannot manage accounts; sign in to the web app to do this');
  }
  if (level === 'admin' && identity.user.role !== 'admin') {
    throw new ForbiddenError('This needs an administrator account');
  }
}

/**
 * Authentication, access and the CSRF check run in `onRequest`, before the body is read: no
 * credentials, no parsing. Public state-changing routes (login, sign-up…) refuse foreign origins too.
 */
export function registerRoutes(app: FastifyInstance, routes: readonly RouteSpec[], auth: AuthService): void {
  const identities = new WeakMap<FastifyRequest, Identity>();
  const gate =
    (level: RouteAuth) =>
    async (request: FastifyRequest): Promise<void> => {
      const identity = await auth.authenticate(credentialsOf(request));
      if (identity.via === 'cookie' && isStateChanging(request)) checkSameOrigin(request, true);
      checkAccess(level, identity);
      await auth.markUsed(identity);
      identities.set(request, identity);
    };
  const publicGate = async (request: FastifyRequest): Promise<void> => {
    if (isStateChanging(request)) checkSameOrigin(request, false);
  };
  for (const route of routes) {
    const handler =
      route.auth === 'none'
        ? (request: FastifyRequest, reply: FastifyReply) => route.handler(request, reply)
        : (request: FastifyRequest, reply: FastifyReply) => {
            const identity = identities.get(request);
            if (!identity) throw new Error('route reached without an authenticated user');
            return route.handler(request, reply, identity.user, identity);
          };
    for (const url of routeUrls(route)) {
      const options = {
        method: route.method,
        url,
        ...(route.bodyLimit !== undefined && { bodyLimit: route.bodyLimit }),
        onRequest: route.auth === 'none' ? publicGate : gate(route.auth),
        handler,
      };
      if (route.bodyLane) {
        const lane = route.bodyLane;
        // A scope of its own whose JSON parser waits for the lane.
        void app.register((scope, _options, registered) => {
          installJsonParser(scope, lane);
          scope.route(options);
          registered();
        });
        continue;
      }
      if (!route.rawBody) {
        app.route(options);
        continue;
      }
      // A scope of its own whose only parser hands the body over unread (the app's JSON parser
      // would buffer it). Registered when the app starts, like every plugin.
      void app.register((scope, _options, registered) => {
        scope.removeAllContentTypeParsers();
        scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
        scope.route(options);
        registered();
      });
    }
  }
}
