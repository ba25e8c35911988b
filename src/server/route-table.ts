/**
 * The route table: every HTTP route of backchat is declared once, with its auth
 * requirement, and registered under each prefix it lives at (`/backend-api` and `/api`, §1.1).
 * Tests generate their authorization matrix from `listRoutes()`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthService } from '../auth/auth-service.js';
import type { UserRecord } from '../store/store.js';

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
}

export interface UserRoute extends BaseRoute {
  auth: 'user';
  handler(request: FastifyRequest, reply: FastifyReply, user: UserRecord): Promise<unknown>;
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

/** Authentication runs in `onRequest`, before the body is read: no credentials, no parsing. */
export function registerRoutes(app: FastifyInstance, routes: readonly RouteSpec[], auth: AuthService): void {
  const users = new WeakMap<FastifyRequest, UserRecord>();
  const authenticate = async (request: FastifyRequest): Promise<void> => {
    users.set(request, await auth.authenticate(credentialsOf(request)));
  };
  for (const route of routes) {
    const handler =
      route.auth === 'none'
        ? (request: FastifyRequest, reply: FastifyReply) => route.handler(request, reply)
        : (request: FastifyRequest, reply: FastifyReply) => {
            const user = users.get(request);
            if (!user) throw new Error('route reached without an authenticated user');
            return route.handler(request, reply, user);
          };
    for (const url of routeUrls(route)) {
      app.route({
        method: route.method,
        url,
        ...(route.bodyLimit !== undefined && { bodyLimit: route.bodyLimit }),
        ...(route.auth === 'user' && { onRequest: authenticate }),
        handler,
      });
    }
  }
}
