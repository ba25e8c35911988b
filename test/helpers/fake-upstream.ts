/**
 * Fake OpenAI-compatible upstream: a local HTTP server (node:http on 127.0.0.1, port 0) speaking
 * `POST /v1/chat/completions` (streaming and not) and `GET /v1/models`, scriptable per test.
 *
 * ```ts
 * const upstream = await startFakeUpstream({ models: ['gpt-4o-mini'] });
 * upstream.url;                                        // http://127.0.0.1:PORT/v1 (give it as the base URL)
 * upstream.script({ kind: 'reply', text: 'Hi there', tokenDelayMs: 5 });
 * // ... the code under test calls the upstream ...
 * upstream.requests[0]?.body;                          // the parsed JSON body (also method, path, headers)
 * await upstream.requests[0]?.closed;                  // the response is over (finished, dropped or abandoned)
 * upstream.requests[0]?.clientAborted;                 // true if the client closed the socket before the end
 * await upstream.close();
 * ```
 *
 * Scenarios (`script` sets the one used by every following chat request; the default is a short reply):
 * - `reply`: chunks generated from `text` in OpenAI's exact format, 1–4 characters each, `tokenDelayMs`
 *   apart. Honours the request's `max_tokens`/`max_completion_tokens` (counting one chunk as a token):
 *   a longer text is cut there with `finish_reason: "length"`. A usage chunk follows when the request
 *   asked for `stream_options.include_usage`; then `data: [DONE]`.
 * - `transcript`: replays `test/fixtures/openai/<name>.sse` byte for byte, event by event.
 * - `status`: answers `status` before any byte of the stream, with OpenAI's JSON error body
 *   `{"error":{"message","type","param","code"}}` (or `body` verbatim, e.g. an HTML error page).
 * - `drop-after`: sends `chunks` events, then destroys the connection (a crash mid-reply).
 * - `stall`: sends the headers and `afterChunks` events (default 0), then nothing until the client
 *   leaves; `beforeHeaders: true` stalls before even the headers.
 * - `no-done`: the stream ends cleanly but early: no finish chunk, no usage, no `[DONE]`
 *   (`keepFinish: true` keeps the finish and usage chunks and drops only `[DONE]`).
 * - `garbage`: after `afterChunks` events (default 1) sends a `data:` line that is not JSON (`line`,
 *   default an HTML fragment), then the rest of the stream.
 * - `error-chunk`: after `afterChunks` events (default 1) sends `data: {"error":{…}}` and ends.
 * Fault scenarios stream `text` (or the transcript `transcript`) as their base. Counting of
 * "events" starts at the first `data:` event (OpenAI's role-only chunk counts).
 *
 * Non-streaming requests (`"stream"` absent or false) get one `chat.completion` JSON object with
 * the whole text; `status` answers the error, `drop-after` drops, `stall` stalls.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Where a scripted stream comes from: text to cut into chunks, or a recorded transcript. */
interface StreamBase {
  /** Reply text (default "Hello from the fake upstream."). */
  text?: string;
  /** Name of a transcript in test/fixtures/openai (without `.sse`); wins over `text`. */
  transcript?: string;
  /** Milliseconds before each event (default 0). */
  tokenDelayMs?: number;
}

/** What the fake upstream does with the next chat completion requests. */
export type FakeScenario =
  | ({ kind: 'reply'; text: string; finishReason?: string } & StreamBase)
  | ({ kind: 'transcript'; name: string } & StreamBase)
  | { kind: 'status'; status: number; message?: string; type?: string; code?: string | null; body?: string }
  | ({ kind: 'drop-after'; chunks: number } & StreamBase)
  | ({ kind: 'stall'; afterChunks?: number; beforeHeaders?: boolean } & StreamBase)
  | ({ kind: 'no-done'; keepFinish?: boolean } & StreamBase)
  | ({ kind: 'garbage'; afterChunks?: number; line?: string } & StreamBase)
  | ({ kind: 'error-chunk'; afterChunks?: number; message?: string } & StreamBase);

/** One request the fake upstream received. */
export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/v1/chat/completions`. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The JSON body parsed, the raw text if it was not JSON, or undefined when empty. */
  body: unknown;
  /** True once the client closed the connection before the response was complete. */
  clientAborted: boolean;
  /** Resolves when the response is over: completed, dropped by the scenario, or closed by the client. */
  closed: Promise<void>;
}

export interface FakeUpstreamOptions {
  /** Model ids listed by `GET /v1/models` (default `['gpt-4o-mini']`). */
  models?: string[];
  /** Delay before answering `GET /v1/models`, to test start-up probes' timeouts. */
  modelsDelayMs?: number;
  /** Answer `GET /v1/models` with this error status instead. */
  modelsStatus?: number;
}

export interface FakeUpstream {
  /** Base URL including `/v1`, e.g. `http://127.0.0.1:41234/v1`. */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Sets the scenario for the following chat requests (a function is asked once per request). */
  script(next: FakeScenario | ((request: RecordedRequest) => FakeScenario)): void;
  /** The most recent chat completion request. */
  lastChat(): RecordedRequest | undefined;
  /** Stops listening and destroys every open connection. */
  close(): Promise<void>;
}

interface ChatBody {
  model?: string;
  stream?: boolean;
  max_tokens?: number;
  max_completion_tokens?: number;
  stream_options?: { include_usage?: boolean };
  messages?: Array<{ role?: string; content?: string }>;
}

type FrameRole = 'content' | 'finish' | 'usage' | 'done';
interface Frame {
  role: FrameRole;
  /** The whole SSE event, `data: …\n\n`. */
  data: string;
}
interface Reply {
  frames: Frame[];
  /** All content of the reply, for non-streaming answers. */
  text: string;
  finishReason: string;
}

const defaultText = 'Hello from the fake upstream.';
const fixturesFolder = new URL('../fixtures/openai/', import.meta.url);
const created = 1732563001;

/* ------------------------------------------------------------------ replies as OpenAI chunks */

function pieces(text: string): string[] {
  return text.match(/\s*\S{1,4}|\s+/gu) ?? [];
}

function chunkJson(id: string, model: string, choices: unknown[], usage: unknown): string {
  const chunk = { id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_fake', choices, usage };
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

function choice(delta: Record<string, unknown>, finishReason: string | null): unknown[] {
  return [{ index: 0, delta, logprobs: null, finish_reason: finishReason }];
}

function usageOf(body: ChatBody, completionTokens: number): Record<string, number> {
  const promptText = (body.messages ?? []).map((message) => message.content ?? '').join(' ');
  const promptTokens = pieces(promptText).length;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}

function generatedReply(text: string, body: ChatBody, forcedFinish: string | undefined, id: string): Reply {
  const limit = body.max_completion_tokens ?? body.max_tokens ?? Number.POSITIVE_INFINITY;
  const all = pieces(text);
  const kept = all.slice(0, limit);
  const finishReason = forcedFinish ?? (kept.length < all.length ? 'length' : 'stop');
  const model = body.model ?? 'fake-model';
  const frames: Frame[] = [
    {
      role: 'content',
      data: chunkJson(id, model, choice({ role: 'assistant', content: '', refusal: null }, null), null),
    },
    ...kept.map((content): Frame => ({ role: 'content', data: chunkJson(id, model, choice({ content }, null), null) })),
    { role: 'finish', data: chunkJson(id, model, choice({}, finishReason), null) },
  ];
  if (body.stream_options?.include_usage) {
    frames.push({ role: 'usage', data: chunkJson(id, model, [], usageOf(body, kept.length)) });
  }
  frames.push({ role: 'done', data: 'data: [DONE]\n\n' });
  return { frames, text: kept.join(''), finishReason };
}

/* ------------------------------------------------------------------ recorded transcripts */

interface ParsedChunk {
  choices?: Array<{ delta?: { content?: string | null }; finish_reason?: string | null }>;
  usage?: unknown;
}

function classify(data: string): { role: FrameRole; chunk?: ParsedChunk } {
  const payload = data.replace(/^data: /, '').trim();
  if (payload === '[DONE]') return { role: 'done' };
  const chunk = JSON.parse(payload) as ParsedChunk;
  if (chunk.choices?.[0]?.finish_reason) return { role: 'finish', chunk };
  if (chunk.choices?.length === 0 && chunk.usage) return { role: 'usage', chunk };
  return { role: 'content', chunk };
}

function transcriptReply(name: string): Reply {
  const raw = readFileSync(new URL(`${name}.sse`, fixturesFolder), 'utf8');
  const events = raw.split('\n\n').filter((event) => event.trim() !== '');
  let text = '';
  let finishReason = 'stop';
  const frames = events.map((event): Frame => {
    const { role, chunk } = classify(event);
    const first = chunk?.choices?.[0];
    text += first?.delta?.content ?? '';
    if (first?.finish_reason) finishReason = first.finish_reason;
    return { role, data: `${event}\n\n` };
  });
  return { frames, text, finishReason };
}

/* ------------------------------------------------------------------ scenarios → what to send */

type Ending = 'end' | 'destroy' | 'stall';
interface Delivery {
  frames: string[];
  ending: Ending;
}

function replyFor(scenario: FakeScenario, body: ChatBody, id: string): Reply {
  if (scenario.kind === 'status') return { frames: [], text: '', finishReason: 'stop' };
  if (scenario.kind === 'transcript') return transcriptReply(scenario.name);
  if (scenario.transcript) return transcriptReply(scenario.transcript);
  const forced = scenario.kind === 'reply' ? scenario.finishReason : undefined;
  return generatedReply(scenario.text ?? defaultText, body, forced, id);
}

function errorChunk(message: string): string {
  return `data: ${JSON.stringify({ error: { message, type: 'server_error', param: null, code: null } })}\n\n`;
}

function deliveryFor(scenario: FakeScenario, reply: Reply): Delivery {
  const all = reply.frames.map((frame) => frame.data);
  switch (scenario.kind) {
    case 'drop-after':
      return { frames: all.slice(0, scenario.chunks), ending: 'destroy' };
    case 'stall':
      return { frames: all.slice(0, scenario.afterChunks ?? 0), ending: 'stall' };
    case 'no-done': {
      const dropped: FrameRole[] = scenario.keepFinish ? ['done'] : ['done', 'finish', 'usage'];
      return {
        frames: reply.frames.filter((frame) => !dropped.includes(frame.role)).map((f) => f.data),
        ending: 'end',
      };
    }
    case 'garbage': {
      const at = scenario.afterChunks ?? 1;
      const line = `data: ${scenario.line ?? '<html><body><h1>502 Bad Gateway</h1></body></html>'}\n\n`;
      return { frames: [...all.slice(0, at), line, ...all.slice(at)], ending: 'end' };
    }
    case 'error-chunk': {
      const at = scenario.afterChunks ?? 1;
      const message = scenario.message ?? 'The server had an error while processing your request.';
      return { frames: [...all.slice(0, at), errorChunk(message)], ending: 'end' };
    }
    default:
      return { frames: all, ending: 'end' };
  }
}

/* ------------------------------------------------------------------ HTTP */

interface Exchange {
  request: IncomingMessage;
  response: ServerResponse;
  record: RecordedRequest;
  /** Resolves when the response closes for any reason. */
  gone: Promise<void>;
  /** Set before the server itself destroys the connection (not a client abort). */
  serverDrop: { value: boolean };
}

function statusDefaults(status: number): { message: string; type: string; code: string | null } {
  if (status === 401) {
    return { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' };
  }
  if (status === 404)
    return { message: 'The model does not exist.', type: 'invalid_request_error', code: 'model_not_found' };
  if (status === 429) return { message: 'Rate limit reached.', type: 'requests', code: 'rate_limit_exceeded' };
  return { message: 'The server had an error while processing your request.', type: 'server_error', code: null };
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(value));
}

function sendStatus(response: ServerResponse, scenario: Extract<FakeScenario, { kind: 'status' }>): void {
  if (scenario.body !== undefined) {
    response.writeHead(scenario.status, { 'content-type': 'text/html; charset=utf-8' });
    response.end(scenario.body);
    return;
  }
  const defaults = statusDefaults(scenario.status);
  const error = {
    message: scenario.message ?? defaults.message,
    type: scenario.type ?? defaults.type,
    param: null,
    code: scenario.code === undefined ? defaults.code : scenario.code,
  };
  sendJson(response, scenario.status, { error });
}

async function finishDelivery(exchange: Exchange, then: Ending): Promise<void> {
  if (then === 'end') exchange.response.end();
  else if (then === 'destroy') {
    exchange.serverDrop.value = true;
    exchange.response.destroy();
  } else await exchange.gone;
}

async function streamReply(exchange: Exchange, delivery: Delivery, delayMs: number): Promise<void> {
  const { response } = exchange;
  response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  response.flushHeaders();
  for (const frame of delivery.frames) {
    if (delayMs > 0) await Promise.race([sleep(delayMs, undefined, { ref: false }), exchange.gone]);
    if (response.destroyed) return;
    // Wait until each event is handed to the socket, so a following drop cannot discard it.
    await new Promise<void>((resolve) => response.write(frame, () => resolve()));
  }
  await finishDelivery(exchange, delivery.ending);
}

function completionJson(reply: Reply, body: ChatBody, id: string): unknown {
  const message = { role: 'assistant', content: reply.text, refusal: null };
  const choices = [{ index: 0, message, logprobs: null, finish_reason: reply.finishReason }];
  const model = body.model ?? 'fake-model';
  const usage = usageOf(body, pieces(reply.text).length);
  return { id, object: 'chat.completion', created, model, choices, usage, system_fingerprint: 'fp_fake' };
}

async function answerNonStreaming(exchange: Exchange, scenario: FakeScenario, reply: Reply, id: string) {
  const body = asChatBody(exchange.record.body);
  if (scenario.kind === 'drop-after') await finishDelivery(exchange, 'destroy');
  else if (scenario.kind === 'stall') await finishDelivery(exchange, 'stall');
  else sendJson(exchange.response, 200, completionJson(reply, body, id));
}

async function answerChat(exchange: Exchange, scenario: FakeScenario, id: string): Promise<void> {
  if (scenario.kind === 'status') return sendStatus(exchange.response, scenario);
  if (scenario.kind === 'stall' && scenario.beforeHeaders) return finishDelivery(exchange, 'stall');
  const body = asChatBody(exchange.record.body);
  const reply = replyFor(scenario, body, id);
  if (body.stream !== true) return answerNonStreaming(exchange, scenario, reply, id);
  return streamReply(exchange, deliveryFor(scenario, reply), scenario.tokenDelayMs ?? 0);
}

async function answerModels(exchange: Exchange, options: FakeUpstreamOptions): Promise<void> {
  if (options.modelsDelayMs)
    await Promise.race([sleep(options.modelsDelayMs, undefined, { ref: false }), exchange.gone]);
  if (exchange.response.destroyed) return;
  if (options.modelsStatus) return sendStatus(exchange.response, { kind: 'status', status: options.modelsStatus });
  const data = (options.models ?? ['gpt-4o-mini']).map((id) => ({ id, object: 'model', created, owned_by: 'fake' }));
  sendJson(exchange.response, 200, { object: 'list', data });
}

function asChatBody(value: unknown): ChatBody {
  return value !== null && typeof value === 'object' ? (value as ChatBody) : {};
}

function parseBody(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function openExchange(request: IncomingMessage, response: ServerResponse, body: unknown, closing: () => boolean) {
  const serverDrop = { value: false };
  let resolveGone: () => void = () => {};
  const gone = new Promise<void>((resolve) => {
    resolveGone = resolve;
  });
  const record: RecordedRequest = {
    method: request.method ?? 'GET',
    path: request.url ?? '/',
    headers: request.headers,
    body,
    clientAborted: false,
    closed: gone,
  };
  response.on('close', () => {
    if (!response.writableFinished && !serverDrop.value && !closing()) record.clientAborted = true;
    resolveGone();
  });
  return { request, response, record, gone, serverDrop } satisfies Exchange;
}

/** Starts a fake upstream on 127.0.0.1 and an ephemeral port. */
export async function startFakeUpstream(options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  const requests: RecordedRequest[] = [];
  let scenarioFor: (request: RecordedRequest) => FakeScenario = () => ({ kind: 'reply', text: defaultText });
  let closing = false;
  let chatCount = 0;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const exchange = openExchange(request, response, parseBody(await readBody(request)), () => closing);
    requests.push(exchange.record);
    const path = exchange.record.path.split('?')[0];
    if (request.method === 'GET' && path === '/v1/models') return answerModels(exchange, options);
    if (request.method === 'POST' && path === '/v1/chat/completions') {
      chatCount++;
      return answerChat(exchange, scenarioFor(exchange.record), `chatcmpl-fake${String(chatCount).padStart(4, '0')}`);
    }
    sendStatus(response, { kind: 'status', status: 404, message: `Unknown path ${request.method} ${path}` });
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => response.destroy(error instanceof Error ? error : undefined));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    script(next) {
      scenarioFor = typeof next === 'function' ? next : () => next;
    },
    lastChat: () => requests.filter((request) => request.path.startsWith('/v1/chat/completions')).at(-1),
    async close() {
      closing = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
