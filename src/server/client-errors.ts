/**
 * Answers for requests Node's HTTP parser refuses before Fastify sees them (headers over 16 KB,
 * malformed request lines or header names, a request that took too long): the `{"detail": …}` shape
 * and the security headers, like every other response, instead of Fastify's bare default.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { detailBody } from '../protocol/error-bodies.js';
import { commonSecurityHeaders } from './security-headers.js';

interface ClientError {
  code?: string;
}

function statusAndMessage(error: ClientError): [number, string] {
  if (error.code === 'HPE_HEADER_OVERFLOW') return [431, 'Request headers are too large: the limit is 16 KB'];
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return [408, 'The request took too long to arrive'];
  return [400, 'The request is not valid HTTP'];
}

/** Fastify's `clientErrorHandler`: writes one complete response and closes the connection. */
export function clientErrorHandler(error: ClientError, socket: Socket): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, message] = statusAndMessage(error);
  const body = JSON.stringify(detailBody(message));
  const headers = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
    connection: 'close',
    ...commonSecurityHeaders,
  };
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  if (socket.writable) socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head.join('')}\r\n${body}`);
  socket.destroy();
}
