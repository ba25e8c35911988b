/**
 * The HTTP side of an OpenAI-compatible upstream on node:http / node:https: one keep-alive Agent per
 * provider, a POST whose streamed response is handed back once its headers are in, and a GET of JSON.
 * Failures are thrown as the small error types below, which upstream-error.ts turns into sentences.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';

/** The upstream answered with a non-2xx status; `body` is its text (shortened). */
export class UpstreamStatusError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`upstream answered ${status}`);
    this.name = 'UpstreamStatusError';
  }
}

/** No response: the connection could not be made or broke before the headers. `code` e.g. ECONNREFUSED. */
export class UpstreamConnectionError extends Error {
  constructor(
    readonly code: string | undefined,
    options: { cause: unknown },
  ) {
    super(`cannot connect${code ? ` (${code})` : ''}`, options);
    this.name = 'UpstreamConnectionError';
  }
}

/** No response headers within the provider's `timeoutMs`. */
export class UpstreamTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no response headers within ${timeoutMs} ms`);
    this.name = 'UpstreamTimeoutError';
  }
}

/** The connection broke after the headers, in the middle of the body. */
export class UpstreamCutError extends Error {
  constructor(
    readonly code: string | undefined,
    options: { cause: unknown },
  ) {
    super(`connection closed mid-body${code ? ` (${code})` : ''}`, options);
    this.name = 'UpstreamCutError';
  }
}

/** The request was given up by its caller (AbortSignal). */
export class UpstreamAbortError extends Error {
  constructor() {
    super('request aborted');
    this.name = 'AbortError';
  }
}

/** A pooled socket turned out closed before the request could be sent (retried once). */
class StaleSocket extends Error {}

/** Error bodies are read up to this many bytes (they end up shortened to a sentence anyway). */
const maxErrorBodyBytes = 64 * 1024;
/** `GET /models` bodies larger than this are refused. */
const maxJsonBodyBytes = 16 * 1024 * 1024;
/**
 * An idle pooled socket is closed after this long: under the 5 s keep-alive of Node and uvicorn (vLLM)
 * servers, so a request is not sent on a socket the server is closing at that moment.
 */
const idleSocketMs = 4_000;
/** How long the end of a body may take after its `[DONE]` before the socket is closed instead. */
const drainMs = 1_000;

export interface UpstreamHttpOptions {
  /** Base URL including `/v1`; `https:` uses TLS. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <key>` when set; keyless servers (Ollama, llama.cpp) get no header. */
  apiKey?: string;
  /** Milliseconds to wait for the response headers. */
  timeoutMs: number;
}

/** A response whose headers are in; `release` ends the exchange (see UpstreamHttp.release). */
export interface UpstreamResponse {
  message: IncomingMessage;
  /**
   * Ends the exchange: closes the socket, or with `drain` reads the rest of a finished body (up to
   * `drainMs`) so the socket is reused. Safe to call more than once.
   */
  release(drain: boolean): Promise<void>;
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A socket reused from the pool that the server had already closed: the request never reached it. */
function isStaleSocket(request: http.ClientRequest, error: unknown): boolean {
  const code = errorCode(error);
  return request.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE');
}

/** Reads a body as text, giving up (destroying it) past `limit` bytes. */
async function readText(message: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of message) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      message.destroy();
      break;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The HTTP client of one provider. */
export class UpstreamHttp {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;

  constructor(private readonly options: UpstreamHttpOptions) {
    this.base = new URL(options.baseUrl);
    const secure = this.base.protocol === 'https:';
    this.transport = secure ? https : http;
    const agentOptions = { keepAlive: true, timeout: idleSocketMs };
    this.agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  }

  /** `POST <base><path>` of `body` as JSON, expecting an event stream. Resolves once the headers are in. */
  async postStream(path: string, body: unknown, signal: AbortSignal): Promise<UpstreamResponse> {
    const payload = Buffer.from(JSON.stringify(body));
    const headers: http.OutgoingHttpHeaders = {
      'Content-Type': 'application/json',
      'Content-Length': payload.length,
      Accept: 'text/event-stream',
    };
    return this.exchange('POST', path, headers, payload, signal);
  }

  /** `GET <base><path>` (path may carry a query) parsed as JSON. */
  async getJson(path: string, signal?: AbortSignal): Promise<unknown> {
    const response = await this.exchange('GET', path, { Accept: 'application/json' }, undefined, signal);
    try {
      const text = await readText(response.message, maxJsonBodyBytes);
      if (signal?.aborted) throw new UpstreamAbortError();
      return JSON.parse(text);
    } catch (error) {
      if (error instanceof SyntaxError || error instanceof UpstreamAbortError) throw error;
      throw new UpstreamCutError(errorCode(error), { cause: error });
    } finally {
      await response.release(false);
    }
  }

  /** Closes the pooled idle sockets (the provider is no longer used). */
  close(): void {
    this.agent.destroy();
  }

  /** One request; a stale pooled socket is retried once on a new connection. */
  private async exchange(
    method: string,
    path: string,
    headers: http.OutgoingHttpHeaders,
    payload: Buffer | undefined,
    signal: AbortSignal | undefined,
  ): Promise<UpstreamResponse> {
    const allHeaders = { ...headers, 'User-Agent': 'backchat' } as http.OutgoingHttpHeaders;
    if (this.options.apiKey) allHeaders.Authorization = `Bearer ${this.options.apiKey}`;
    try {
      return await this.attempt(method, path, allHeaders, payload, signal);
    } catch (error) {
      if (!(error instanceof StaleSocket)) throw error;
      return this.attempt(method, path, allHeaders, payload, signal, false);
    }
  }

  private requestOptions(method: string, path: string, headers: http.OutgoingHttpHeaders): http.RequestOptions {
    const { base } = this;
    const auth =
      base.username || base.password
        ? `${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`
        : undefined;
    return {
      method,
      protocol: base.protocol,
      hostname: base.hostname.replace(/^\[|\]$/g, ''),
      port: base.port || undefined,
      path: `${base.pathname.replace(/\/+$/, '')}${path}`,
      headers,
      auth,
      agent: this.agent,
    };
  }

  /**
   * Sends the request; resolves with the response when its status is 2xx, else rejects with
   * UpstreamStatusError (after reading the error body, still within `timeoutMs`).
   */
  private attempt(
    method: string,
    path: string,
    headers: http.OutgoingHttpHeaders,
    payload: Buffer | undefined,
    signal: AbortSignal | undefined,
    mayRetry = true,
  ): Promise<UpstreamResponse> {
    return new Promise<UpstreamResponse>((resolve, reject) => {
      if (signal?.aborted) {
        reject(new UpstreamAbortError());
        return;
      }
      const request = this.transport.request(this.requestOptions(method, path, headers));
      let settled = false;
      const fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        cleanup();
        request.destroy();
        reject(error);
      };
      const timer = setTimeout(() => fail(new UpstreamTimeoutError(this.options.timeoutMs)), this.options.timeoutMs);
      const onAbort = () => fail(new UpstreamAbortError());
      signal?.addEventListener('abort', onAbort, { once: true });
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      request.on('error', (error) => {
        if (mayRetry && !settled && isStaleSocket(request, error)) fail(new StaleSocket());
        else fail(new UpstreamConnectionError(errorCode(error), { cause: error }));
      });
      request.on('response', (message) => {
        const status = message.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          if (settled) return void message.destroy();
          settled = true;
          cleanup();
          resolve(this.streamingResponse(request, message, signal));
          return;
        }
        readText(message, maxErrorBodyBytes).then(
          (body) => fail(new UpstreamStatusError(status, body)),
          () => fail(new UpstreamStatusError(status, '')),
        );
      });
      request.end(payload);
    });
  }

  /**
   * The response from here on: the caller's signal destroys the exchange (so the upstream stops
   * generating and the half-read socket never goes back to the pool), and `release` ends it.
   */
  private streamingResponse(
    request: http.ClientRequest,
    message: IncomingMessage,
    signal: AbortSignal | undefined,
  ): UpstreamResponse {
    const onAbort = () => request.destroy();
    signal?.addEventListener('abort', onAbort, { once: true });
    let released = false;
    return {
      message,
      async release(drain: boolean) {
        if (released) return;
        released = true;
        if (message.complete || !drain) {
          signal?.removeEventListener('abort', onAbort);
          if (!message.complete) request.destroy();
          return;
        }
        // Only the end of the body ([DONE] was seen) is still to come: read it so the socket goes back
        // to the pool before the next request, but do not wait long for a server that keeps it open.
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', onAbort);
            resolve();
          };
          const timer = setTimeout(() => {
            request.destroy();
            done();
          }, drainMs);
          message.once('end', done);
          message.once('close', done);
          message.resume();
        });
      },
    };
  }
}
