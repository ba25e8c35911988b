/**
 * An HTTP client for tests that cut connections: node:http over a caller-owned keep-alive Agent (destroy
 * it when the server dies, so no pooled socket of a dead process is reused), SSE parsed as it arrives,
 * every wait bounded.
 *
 * ```ts
 * const agent = new http.Agent({ keepAlive: true });
 * const target = { url: 'http://127.0.0.1:3000', token, agent };
 * const stop = new AbortController();
 * const turn = await postTurn(target, body, {
 *   background: true,                                    // sends X-Backchat-Background: 1
 *   signal: stop.signal,
 *   onPayload: (payload, index) => { if (index === 3) stop.abort(); },
 * });
 * turn.status; turn.done; turn.aborted; turn.error; turn.conversationId; turn.last?.status;
 * const { status, json } = await requestJson(target, 'GET', '/healthz');
 * ```
 */
import http from 'node:http';
import { createParser } from 'eventsource-parser';

/** Where requests go: the server's base URL, the bearer token, and the connection pool. */
export interface Target {
  url: string;
  token?: string;
  agent?: http.Agent;
}

/** The wire message of a stream event, as far as these tests read it. */
export interface StreamedMessage {
  id: string;
  author: { role: string };
  content: { parts: unknown[] };
  status: string;
  metadata: Record<string, unknown>;
}

export interface TurnOptions {
  /** Sends `X-Backchat-Background: 1`: the answer outlives this connection. */
  background?: boolean;
  /** Aborting it cuts the connection (`aborted` is then true, `error` stays unset). */
  signal?: AbortSignal;
  /** Called with each JSON payload as it arrives (index from 0), e.g. to abort at a chosen point. */
  onPayload?: (payload: Record<string, unknown>, index: number) => void;
  /** The whole exchange is cut after this long (default 30 s) and reported as an error. */
  timeoutMs?: number;
  path?: string;
}

export interface TurnOutcome {
  /** The HTTP status, undefined when no response head arrived. */
  status: number | undefined;
  headers: http.IncomingHttpHeaders;
  /** The raw body of a response that is not an event stream (an error's JSON). */
  body: string;
  /** The JSON payloads of the unnamed `data:` events, in order (not `[DONE]`). */
  payloads: Array<Record<string, unknown>>;
  /** The `id:` field of every event, in order (undefined where the event had none). */
  eventIds: Array<string | undefined>;
  /** `data: [DONE]` arrived. */
  done: boolean;
  /** The caller's signal cut the exchange. */
  aborted: boolean;
  /** A failure that was not the caller's abort: connection reset, cut-off body, timeout, a non-JSON event. */
  error: string | undefined;
  /** From the first payload that names it. */
  conversationId: string | undefined;
  /** The message of the last message event (the answer's newest state the client saw). */
  last: StreamedMessage | undefined;
  /** performance.now() when the first payload arrived (the turn was acknowledged). */
  firstPayloadAt: number | undefined;
}

interface Exchange {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
  signal?: AbortSignal;
  timeoutMs: number;
}

interface Settled {
  error: string | undefined;
  aborted: boolean;
}

/** Sends one request; `onResponse` reads the response; resolves once it settled (never rejects). */
function exchange(
  target: Target,
  spec: Exchange,
  onResponse: (response: http.IncomingMessage) => void,
): Promise<Settled> {
  const url = new URL(spec.path, target.url);
  const headers: Record<string, string> = { ...spec.headers };
  if (target.token) headers.authorization = `Bearer ${target.token}`;
  if (spec.body !== undefined) headers['content-type'] = 'application/json';
  return new Promise<Settled>((resolve) => {
    let settled = false;
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      spec.signal?.removeEventListener('abort', abort);
      const aborted = spec.signal?.aborted === true;
      resolve({ error: error && !aborted ? `${error.name}: ${error.message}` : undefined, aborted });
    };
    const request = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: spec.method,
        headers,
        agent: target.agent,
      },
      (response) => {
        onResponse(response);
        response.on('error', settle);
        response.on('close', () => settle(response.complete ? undefined : new Error('the response was cut off')));
      },
    );
    request.on('error', settle);
    const abort = () => request.destroy(new Error('aborted by the client'));
    if (spec.signal?.aborted) abort();
    spec.signal?.addEventListener('abort', abort, { once: true });
    const deadline = setTimeout(
      () => request.destroy(new Error(`no complete response within ${spec.timeoutMs} ms`)),
      spec.timeoutMs,
    );
    request.end(spec.body);
  });
}

/** POSTs a conversation turn and reads its event stream as it arrives. Never rejects. */
export async function postTurn(target: Target, body: unknown, options: TurnOptions = {}): Promise<TurnOutcome> {
  const outcome: TurnOutcome = {
    status: undefined,
    headers: {},
    body: '',
    payloads: [],
    eventIds: [],
    done: false,
    aborted: false,
    error: undefined,
    conversationId: undefined,
    last: undefined,
    firstPayloadAt: undefined,
  };
  let malformed: string | undefined;
  const parser = createParser({
    onEvent: (event) => {
      outcome.eventIds.push(event.id);
      if (event.data === '[DONE]') {
        outcome.done = true;
        return;
      }
      if (event.event !== undefined) return;
      let payload: Record<string, unknown>;
      try {
        payload = JSON.parse(event.data) as Record<string, unknown>;
      } catch {
        malformed ??= `an event that is not JSON: ${event.data.slice(0, 200)}`;
        return;
      }
      outcome.firstPayloadAt ??= performance.now();
      outcome.payloads.push(payload);
      if (typeof payload.conversation_id === 'string') outcome.conversationId ??= payload.conversation_id;
      if (payload.message) outcome.last = payload.message as StreamedMessage;
      options.onPayload?.(payload, outcome.payloads.length - 1);
    },
  });
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (options.background) headers['x-backchat-background'] = '1';
  const ended = await exchange(
    target,
    {
      method: 'POST',
      path: options.path ?? '/backend-api/conversation',
      headers,
      body: JSON.stringify(body),
      signal: options.signal,
      timeoutMs: options.timeoutMs ?? 30_000,
    },
    (response) => {
      outcome.status = response.statusCode;
      outcome.headers = response.headers;
      const isStream = String(response.headers['content-type']).startsWith('text/event-stream');
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (isStream) parser.feed(chunk);
        else outcome.body += chunk;
      });
    },
  );
  outcome.error = ended.error ?? malformed;
  outcome.aborted = ended.aborted;
  return outcome;
}

export interface JsonOutcome {
  status: number | undefined;
  headers: http.IncomingHttpHeaders;
  /** The parsed body, or the raw text when it is not JSON. */
  json: unknown;
  error: string | undefined;
}

/** One JSON request (bounded by `timeoutMs`, default 10 s). Never rejects: failures are in `error`. */
export async function requestJson(
  target: Target,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = 10_000,
): Promise<JsonOutcome> {
  let status: number | undefined;
  let headers: http.IncomingHttpHeaders = {};
  let text = '';
  const ended = await exchange(
    target,
    { method, path, headers: {}, body: body === undefined ? undefined : JSON.stringify(body), timeoutMs },
    (response) => {
      status = response.statusCode;
      headers = response.headers;
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
    },
  );
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status, headers, json, error: ended.error };
}
