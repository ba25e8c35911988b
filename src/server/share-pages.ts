/**
 * The share pages `/share/:id` and `/share/:id/continue`: the web app's index.html (which renders the
 * share from `GET /backend-api/share/:id`) with the app's security headers, answering 404 at once when
 * the share is missing, revoked or not public. Registered beside the web UI, not in the route table:
 * they answer HTML, not the API's JSON.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthService } from '../auth/auth-service.js';
import { ShareService } from '../conversation/share-service.js';
import { isClientId } from '../protocol/requests.js';
import type { ShareRouteDeps } from './routes/share-routes.js';
import { viewerOf } from './routes/share-routes.js';
import type { SendAppPage } from './web-ui.js';

export function registerSharePages(
  app: FastifyInstance,
  deps: ShareRouteDeps & { auth: AuthService },
  sendAppPage: SendAppPage,
): void {
  const shares = new ShareService(deps);
  const page = async (request: FastifyRequest, reply: FastifyReply) => {
    const id = (request.params as { id?: string }).id ?? '';
    const found = isClientId(id) && (await shares.canRead(id, await viewerOf(deps.auth, request)));
    // Revoking must take effect at once: nothing may keep a copy.
    reply.code(found ? 200 : 404).headers({ 'cache-control': 'no-store', 'x-robots-tag': 'noindex, nofollow' });
    return sendAppPage(reply);
  };
  app.get('/share/:id', page);
  app.get('/share/:id/continue', page);
}
