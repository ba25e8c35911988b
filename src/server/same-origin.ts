/**
 * CSRF defence for cookie-authenticated requests (OWASP ASVS 3.5): the session cookie is SameSite=Lax,
 * and every state-changing request that relies on the cookie must also prove it comes from this
 * server's own pages — its `Origin` (or, failing that, `Referer`) must be this server's origin.
 * Requests authenticated by a bearer token need neither: a browser never attaches one by itself.
 */
import type { FastifyRequest } from 'fastify';
import { ForbiddenError } from '../domain-errors.js';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isStateChanging(request: FastifyRequest): boolean {
  return !safeMethods.has(request.method);
}

/** The origin a header names; `undefined` without one; `'invalid'` for anything else (`null`, junk). */
function originOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const { origin } = new URL(value);
    return origin === 'null' ? 'invalid' : origin;
  } catch {
    return 'invalid';
  }
}

/** This server's origin as the browser sees it (honours X-Forwarded-* when `trustProxy` is on). */
function ownOrigin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

/**
 * Throws ForbiddenError unless the request's Origin/Referer is this server. With `required` false a
 * request carrying neither header passes (non-browser clients); with `required` true it does not.
 */
export function checkSameOrigin(request: FastifyRequest, required: boolean): void {
  const header = request.headers.origin ?? request.headers.referer;
  const claimed = originOf(typeof header === 'string' ? header : undefined);
  if (claimed === undefined) {
    if (!required) return;
    throw new ForbiddenError(
      'Cross-site request refused: a request signed in by cookie must come from this server’s pages (no Origin header). API clients should send Authorization: Bearer <token> instead',
    );
  }
  if (claimed !== ownOrigin(request)) {
    throw new ForbiddenError(
      `Cross-site request refused: it comes from ${claimed === 'invalid' ? 'an invalid origin' : claimed}, not from this server`,
    );
  }
}
