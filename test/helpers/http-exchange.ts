/**
 * HTTP for tests that address several servers and proxies: any method, headers (cookies, Origin,
 * Last-Event-ID, a client's own X-Forwarded-For), a chosen local address (127.0.0.2… stand in for other
 * clients' networks), a new connection per request (no pooled socket of a killed process is reused), and
 * SSE read as it arrives. Every wait is bounded.
 *
 * ```ts
 * const reply = await httpRequest(url, '/api/auth/login', { method: 'POST', json: { email, password } });
 * reply.status; reply.json; reply.headers['set-cookie'];
 * const stream = await SseReader.open(url, `/backend-api/conversation/${id}/stream`, {
 *   headers: { authorization: `Bearer ${token}`, 'last-event-id': '12' },
 * });
 * await stream.until(() => stream.text().length > 0, 'some text');
 * await stream.ended; stream.done(); stream.finalMessage()?.status;
 * stream.close();                                     // the client leaves
 * ```
 */
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { withTimeout } from './bounded.js';

export interface ExchangeOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Sent as JSON (with its content type). */
  json?: unknown;
  /** Sent as is. */
  body?: string | Buffer;
  /** The client's source address, e.g. `127.0.0.2`. */
  localAddress?: string;
  /** Default 10 s for a whole reply; for a stream, until its head arrived. */
  timeoutMs?: number;
}

export interface HttpReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: unknown;
}

/** Starts a request; resolves with the response head (rejects on a connection error or timeout). */
function send(
  base: string,
  path: string,
  options: ExchangeOptions,
): Promise<{ request: http.ClientRequest; response: http.IncomingMessage }> {
  const url = new URL(path, base);
  const headers: Record<string, string> = { ...options.headers };
  let body = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] ??= 'application/json';
  }
  const request = http.request({
    host: url.hostname,
    port: url.port,
    path: url.pathname + url.search,
    method: options.method ?? 'GET',
    headers,
    localAddress: options.localAddress,
    agent: false,
  });
  const head = new Promise<{ request: http.ClientRequest; response: http.IncomingMessage }>((resolve, reject) => {
    request.once('response', (response) => resolve({ request, response }));
    request.on('error', reject);
  });
  request.end(body);
  const what = `${options.method ?? 'GET'} ${url}`;
  return withTimeout(head, options.timeoutMs ?? 10_000, what).catch((error: unknown) => {
    request.destroy();
    throw error;
  });
}

/** One request, its whole reply. Rejects on a connection error or after `timeoutMs`. */
export async function httpRequest(base: string, path: string, options: ExchangeOptions = {}): Promise<HttpReply> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const { request, response } = await send(base, path, options);
  const read = new Promise<string>((resolve, reject) => {
    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      text += chunk;
    });
    response.once('end', () => resolve(text));
    response.on('error', reject);
  });
  const text = await withTimeout(read, timeoutMs, `the body of ${options.method ?? 'GET'} ${path}`).finally(() =>
    request.destroy(),
  );
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.statusCode ?? 0, headers: response.headers, text, json };
}

/** The message of a stream event, as far as these tests read it. */
export interface StreamMessage {
  id: string;
  author: { role: string };
  content: { parts: string[] };
  status: string;
  metadata: { finish_details?: { type: string } } & Record<string, unknown>;
}

/** An SSE response read as it arrives (the body of an error reply is in `text`). */
export class SseReader {
  readonly events: EventSourceMessage[] = [];
  /** The body of a reply that is not an event stream. */
  text = '';
  /** Resolves when the response ended, was cut, or was closed by `close()`. */
  readonly ended: Promise<void>;
  /** performance.now() of the first event with a non-empty answer text. */
  firstTextAt: number | undefined;
  /** performance.now() of `[DONE]`. */
  doneAt: number | undefined;
  /** The response is over (ended, cut or closed). */
  closed = false;

  private constructor(
    readonly status: number,
    readonly headers: http.IncomingHttpHeaders,
    private readonly request: http.ClientRequest,
    response: http.IncomingMessage,
  ) {
    const isStream = String(headers['content-type']).startsWith('text/event-stream');
    const parser = createParser({ onEvent: (event) => this.received(event) });
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      if (isStream) parser.feed(chunk);
      else this.text += chunk;
    });
    this.ended = new Promise((resolve) => {
      const over = () => {
        this.closed = true;
        resolve();
      };
      response.once('close', over);
      response.on('error', over);
    });
  }

  /** Sends the request; resolves once the response head arrived. */
  static async open(base: string, path: string, options: ExchangeOptions = {}): Promise<SseReader> {
    const { request, response } = await send(base, path, {
      ...options,
      headers: { accept: 'text/event-stream', ...options.headers },
    });
    return new SseReader(response.statusCode ?? 0, response.headers, request, response);
  }

  private received(event: EventSourceMessage): void {
    this.events.push(event);
    if (event.data === '[DONE]') this.doneAt ??= performance.now();
    else if (this.firstTextAt === undefined && this.answerText().length > 0) {
      this.firstTextAt = performance.now();
    }
  }

  /** The JSON payloads of unnamed events (not pings, not `[DONE]`). */
  payloads(): Array<Record<string, unknown>> {
    return this.events
      .filter((event) => event.event === undefined && event.data !== '[DONE]')
      .map((event) => JSON.parse(event.data) as Record<string, unknown>);
  }

  /** The newest message event's message. */
  finalMessage(): StreamMessage | undefined {
    return this.payloads()
      .map((payload) => payload.message as StreamMessage | null | undefined)
      .filter((message): message is StreamMessage => Boolean(message))
      .at(-1);
  }

  /** The newest assistant text seen. */
  answerText(): string {
    const message = this.finalMessage();
    return message?.author.role === 'assistant' ? (message.content.parts[0] ?? '') : '';
  }

  conversationId(): string | undefined {
    const found = this.payloads().find((payload) => typeof payload.conversation_id === 'string');
    return found?.conversation_id as string | undefined;
  }

  /** The `id:` of the newest event that had one. */
  lastEventId(): number | undefined {
    const id = this.events.filter((event) => event.id !== undefined).at(-1)?.id;
    return id === undefined ? undefined : Number(id);
  }

  done(): boolean {
    return this.doneAt !== undefined;
  }

  /** Resolves once `condition` holds; rejects when the stream ends first or after `timeoutMs`. */
  async until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!condition()) {
      if (this.closed) throw new Error(`${what}: the stream ended first (${this.status} ${this.text.slice(0, 300)})`);
      if (performance.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
      await sleep(10);
    }
  }

  /** The client leaves: the connection is closed. */
  close(): void {
    this.request.destroy();
  }
}
