/**
 * Raw HTTP/1.1 over a `node:net` socket, for requests `fetch` will not send: methods it forbids
 * (`TRACE`), paths it would normalise (`/../`), no `Content-Type`, or a `Content-Length` that lies.
 * The socket is closed as soon as one whole response has arrived, or after `timeoutMs` (then it rejects).
 */
import net from 'node:net';

export interface RawRequest {
  method: string;
  /** Sent exactly as given (no normalisation, no encoding). */
  path: string;
  /** Header lines; `Host` and `Connection: close` are added, and `Content-Length` unless given. */
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Nothing of the response is read until this settles: a reader that stops reading for a while. */
  readAfter?: Promise<unknown>;
}

export interface RawResponse {
  status: number;
  /** Header names in lower case. */
  headers: Map<string, string>;
  body: string;
  /** From writing the request to having the whole response. */
  elapsedMs: number;
}

const headerEnd = Buffer.from('\r\n\r\n');

function requestBytes(host: string, request: RawRequest): Buffer {
  const body = Buffer.from(request.body ?? '');
  const headers = new Map<string, string>([
    ['host', host],
    ['connection', 'close'],
  ]);
  for (const [name, value] of Object.entries(request.headers ?? {})) headers.set(name.toLowerCase(), value);
  if (!headers.has('content-length') && !headers.has('transfer-encoding') && body.length > 0) {
    headers.set('content-length', String(body.length));
  }
  const lines = [
    `${request.method} ${request.path} HTTP/1.1`,
    ...[...headers].map(([name, value]) => `${name}: ${value}`),
  ];
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
}

function parseHead(head: string): { status: number; headers: Map<string, string> } {
  const [statusLine = '', ...lines] = head.split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? Number.NaN);
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { status, headers };
}

/** The decoded body of a chunked message, or undefined while it is incomplete. */
function dechunk(data: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', offset);
    if (lineEnd < 0) return undefined;
    const size = Number.parseInt(data.subarray(offset, lineEnd).toString('latin1'), 16);
    if (Number.isNaN(size)) return undefined;
    if (size === 0) return Buffer.concat(parts);
    const start = lineEnd + 2;
    if (data.length < start + size + 2) return undefined;
    parts.push(data.subarray(start, start + size));
    offset = start + size + 2;
  }
}

/** The whole response in `data`, or undefined while more bytes are needed (`ended`: the peer closed). */
function completeResponse(data: Buffer, ended: boolean): Omit<RawResponse, 'elapsedMs'> | undefined {
  const end = data.indexOf(headerEnd);
  if (end < 0) return undefined;
  const { status, headers } = parseHead(data.subarray(0, end).toString('latin1'));
  const rest = data.subarray(end + headerEnd.length);
  const length = headers.get('content-length');
  let body: Buffer | undefined;
  if (length !== undefined) body = rest.length >= Number(length) ? rest.subarray(0, Number(length)) : undefined;
  else if (headers.get('transfer-encoding')?.toLowerCase() === 'chunked') body = dechunk(rest);
  else body = ended ? rest : undefined;
  return body && { status, headers, body: body.toString('utf8') };
}

/** Sends `request` to `baseUrl` (http://host:port) over a fresh socket and reads one response. */
export function rawHttp(baseUrl: string, request: RawRequest, timeoutMs = 5000): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname);
    const startMs = performance.now();
    let data = Buffer.alloc(0);
    const finish = (ended: boolean) => {
      const response = completeResponse(data, ended);
      if (!response && !ended) return;
      clearTimeout(timer);
      socket.destroy();
      if (response) resolve({ ...response, elapsedMs: performance.now() - startMs });
      else
        reject(
          new Error(
            `the connection closed before a whole response arrived: ${JSON.stringify(data.toString('latin1').slice(0, 200))}`,
          ),
        );
    };
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no whole response within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      finish(false);
    });
    socket.on('end', () => finish(true));
    socket.on('error', (error) => {
      clearTimeout(timer);
      if (completeResponse(data, true)) finish(true);
      else reject(error);
    });
    const { readAfter } = request;
    if (readAfter !== undefined) {
      socket.pause();
      void readAfter.finally(() => socket.resume());
    }
    socket.write(requestBytes(`${url.hostname}:${url.port}`, request));
  });
}
