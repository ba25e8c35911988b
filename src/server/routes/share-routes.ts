/**
 * Share routes (docs/api.md, "Shares"): thin — parse, call the share service, format. The public read
 * needs no sign-in; the links it answers with are built from the configured public URL
 * (server/public-url.ts), never from the request's Host.
 */
import type { FastifyRequest } from 'fastify';
import type { AuthService } from '../../auth/auth-service.js';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { ShareService } from '../../conversation/share-service.js';
import { NotFoundError, UnauthorizedError } from '../../domain-errors.js';
import type { Ids } from '../../ids.js';
import { isClientId } from '../../protocol/requests.js';
import { shareCreateSchema, shareListQuerySchema, sharePatchSchema } from '../../protocol/share-requests.js';
import type { Store } from '../../store/store.js';
import { publicBaseUrl } from '../public-url.js';
import { credentialsOf, type RouteSpec } from '../route-table.js';
import { parseQuery, parseWith, pathId } from './request-parsing.js';

export interface ShareRouteDeps {
  config: Pick<Config, 'publicUrl' | 'host'>;
  store: Store;
  clock: Clock;
  ids: Ids;
  auth: AuthService;
}

const success = { success: true } as const;

/** The base of every link this server hands out (configured, else the listen address). */
export function baseUrlOf(config: ShareRouteDeps['config'], request: FastifyRequest): string {
  return publicBaseUrl(config.publicUrl, config.host, request.server.server.address());
}

/**
 * The signed-in caller's id when the request carries valid credentials; undefined for anyone else
 * (a public share reads the same with bad credentials as with none).
 */
export async function viewerOf(auth: AuthService, request: FastifyRequest): Promise<string | undefined> {
  const credentials = credentialsOf(request);
  if (!credentials.authorization && !credentials.sessionToken) return undefined;
  try {
    return (await auth.authenticate(credentials)).user.id;
  } catch (error) {
    if (error instanceof UnauthorizedError) return undefined;
    throw error;
  }
}

export function shareRoutes(deps: ShareRouteDeps): RouteSpec[] {
  const shares = new ShareService(deps);
  const base = (request: FastifyRequest) => baseUrlOf(deps.config, request);
  return [
    {
      method: 'POST',
      path: '/share/create',
      mount: 'api',
      auth: 'user',
      handler: (request, _reply, user) =>
        shares.create(user.id, parseWith(shareCreateSchema, request.body), base(request)),
    },
    {
      method: 'PATCH',
      path: '/share/:id',
      mount: 'api',
      auth: 'user',
      handler: (request, _reply, user) =>
        shares.update(user.id, pathId(request), parseWith(sharePatchSchema, request.body), base(request)),
    },
    {
      method: 'GET',
      path: '/shared_conversations',
      mount: 'api',
      auth: 'user',
      handler: (request, _reply, user) => {
        const { offset, limit } = parseQuery(shareListQuerySchema, request.query);
        return shares.list(user.id, { offset, limit });
      },
    },
    {
      // Anyone may read a public share; its owner may read it whatever its state.
      method: 'GET',
      path: '/share/:id',
      mount: 'api',
      auth: 'none',
      handler: async (request) => shares.read(pathId(request), await viewerOf(deps.auth, request), base(request)),
    },
    {
      method: 'DELETE',
      path: '/share/:id',
      mount: 'api',
      auth: 'user',
      handler: async (request, _reply, user) => {
        await shares.delete(user.id, pathId(request));
        return success;
      },
    },
    {
      // The path one known client library deletes shares at (docs/decisions/2026-12-02-share-links.md):
      // only ever the caller's own share; anything else is not found.
      method: 'DELETE',
      path: '/:id',
      mount: 'api',
      auth: 'user',
      handler: async (request, _reply, user) => {
        const id = (request.params as { id?: string }).id ?? '';
        if (!isClientId(id)) throw new NotFoundError('Not found');
        await shares.delete(user.id, id);
        return success;
      },
    },
    {
      method: 'POST',
      path: '/share/:id/continue',
      mount: 'api',
      auth: 'user',
      handler: (request, _reply, user) => shares.continueShare(user.id, pathId(request)),
    },
  ];
}
