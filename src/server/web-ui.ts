/**
 * Serves the built web UI (web-dist/) at `/`, with client-side routes (`/c/:id`, `/invite/:token`)
 * falling back to index.html. Without a build, `/` explains how to use the API and how to build the UI.
 * Returns how to answer with the app's page, for routes registered elsewhere (the share pages).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { firstWindowPath } from '../protocol/first-window.js';

const apiOnlyPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>backchat</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>backchat</h1>
<p>The API is running: ChatGPT-compatible routes live under <code>/backend-api/</code> and <code>/api/</code>.</p>
<p>This installation has no built web UI. Run <code>npm run build</code> in the project folder, then restart.</p>
<p>API clients: create an access token with <code>npx backchat token create --email you@example.com</code>
and send it as <code>Authorization: Bearer &lt;token&gt;</code>.</p>
</body></html>`;

/**
 * The build names every file under assets/ by its content (`index-B7Mp1jVh.js`): such a file never
 * changes, so a browser keeps it for a year without asking again — opening the app again costs no
 * round trip per script and stylesheet. index.html and the unhashed files keep revalidating.
 */
const hashedAsset = /[\\/]assets[\\/][^\\/]+-[\w-]{8}\.[a-z0-9]+$/i;
export const immutableCacheControl = 'public, max-age=31536000, immutable';

/** The build's markdown renderer chunk (web/src/hooks/use-markdown.ts loads it on demand). */
const markdownChunkName = /^render-markdown-[\w-]{8}\.js$/;

/**
 * The name of the chunk in `assets` matching `pattern`, looked up again when the build changed it (a
 * rebuild needs no restart); undefined without one.
 */
function builtChunk(assets: string, pattern: RegExp): () => string | undefined {
  let name: string | undefined;
  return () => {
    if (name === undefined || !existsSync(join(assets, name))) {
      name = existsSync(assets) ? readdirSync(assets).find((file) => pattern.test(file)) : undefined;
    }
    return name;
  };
}

/**
 * `Link` hints for `/c/{id}` (docs/web-ui.md, "Opening a conversation"): the browser fetches the
 * conversation's first window and the markdown renderer while it still loads and starts the app, which
 * otherwise asks for them one after the other once it runs. The window is fetched with the session
 * cookie (a GET: no CSRF check), and reused by the app's own request for the same URL; a page that is
 * not signed in gets a 401 it never reads. Ids other than the server's own shape get no window hint.
 */
export function conversationPageHints(conversationId: string, markdownChunk: string | undefined): string[] {
  const hints: string[] = [];
  if (/^[\w-]{1,100}$/.test(conversationId)) {
    hints.push(`<${firstWindowPath(conversationId)}>; rel=preload; as=fetch; crossorigin=anonymous`);
  }
  if (markdownChunk) hints.push(`</assets/${markdownChunk}>; rel=modulepreload`);
  return hints;
}

/** Answers with the app's page (index.html, or the API-only page without a build), keeping the status set. */
export type SendAppPage = (reply: FastifyReply) => FastifyReply;

export async function registerWebUi(app: FastifyInstance, webRoot: string): Promise<SendAppPage> {
  if (!existsSync(join(webRoot, 'index.html'))) {
    const sendApiOnly: SendAppPage = (reply) => reply.type('text/html; charset=utf-8').send(apiOnlyPage);
    app.get('/', async (_request, reply) => sendApiOnly(reply));
    return sendApiOnly;
  }
  // One wildcard route that looks files up on demand, not a route per file: the build's ~70 files made
  // ~140 routes to compile at every start (docs/performance.md, P7). Dotfiles are never served.
  await app.register(fastifyStatic, {
    root: webRoot,
    prefix: '/',
    index: ['index.html'],
    wildcard: true,
    dotfiles: 'ignore',
    setHeaders: (reply, path) => {
      if (hashedAsset.test(path)) reply.header('cache-control', immutableCacheControl);
    },
  });
  const markdownChunk = builtChunk(join(webRoot, 'assets'), markdownChunkName);
  app.get<{ Params: { conversationId: string } }>('/c/:conversationId', async (request, reply) => {
    const hints = conversationPageHints(request.params.conversationId, markdownChunk());
    if (hints.length > 0) reply.header('link', hints.join(', '));
    return reply.sendFile('index.html');
  });
  app.get('/invite/:token', async (_request, reply) => reply.sendFile('index.html'));
  // No validators and no cache headers of its own: the caller decides what may be kept.
  return (reply) => reply.sendFile('index.html', { cacheControl: false, etag: false, lastModified: false });
}
