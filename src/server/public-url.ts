/**
 * The server's public base URL, which share links are built from (docs/decisions/2026-12-02-share-links.md):
 * the configured `publicUrl`, else the address this process listens on. Never a request's Host or
 * X-Forwarded-* headers — those are the client's to choose, and a link minted from them could point anywhere.
 */
import type { AddressInfo } from 'node:net';
import { isIPv6 } from 'node:net';

/** Addresses that mean "every interface": a link needs one a browser can open, so loopback stands in. */
const unspecifiedHosts = new Set(['0.0.0.0', '::', '']);

/** `http://<host>:<port>` of the listen address (IPv6 in brackets). */
export function listenUrl(host: string, port: number): string {
  const name = unspecifiedHosts.has(host) ? '127.0.0.1' : host;
  return `http://${isIPv6(name) ? `[${name}]` : name}:${port}`;
}

/**
 * `configured` when set; else the listen URL from the configured host and the port actually bound
 * (`address`, which differs from the configured port when that is 0).
 */
export function publicBaseUrl(
  configured: string | undefined,
  host: string,
  address: AddressInfo | string | null,
): string {
  if (configured !== undefined) return configured;
  const port = address !== null && typeof address === 'object' ? address.port : 0;
  return listenUrl(host, port);
}
