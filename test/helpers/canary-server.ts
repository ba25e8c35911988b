/**
 * A loopback canary: an HTTP server on 127.0.0.1 (port 0) that answers every request with a 1×1 GIF and counts
 * it. It stands in for "anywhere else" in the XSS tests: any hit means rendered content made the browser fetch.
 *
 * ```ts
 * const canary = await startCanaryServer();
 * canary.port;           // substitute for CANARY_PORT in the corpus
 * canary.hits;           // [{ method, path }] in arrival order
 * await canary.close();
 * ```
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CanaryHit {
  method: string;
  /** Path and query, e.g. `/leak?d=SECRET`. */
  path: string;
}

export interface CanaryServer {
  port: number;
  /** `http://127.0.0.1:PORT` */
  origin: string;
  hits: CanaryHit[];
  close(): Promise<void>;
}

const gif = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

export async function startCanaryServer(): Promise<CanaryServer> {
  const hits: CanaryHit[] = [];
  const server = createServer((request, response) => {
    hits.push({ method: request.method ?? 'GET', path: request.url ?? '/' });
    request.resume();
    response.writeHead(200, { 'content-type': 'image/gif', 'access-control-allow-origin': '*' }).end(gif);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
