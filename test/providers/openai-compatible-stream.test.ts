/**
 * The openai-compatible provider's own HTTP client and stream reading, against a bare node:http
 * upstream that writes exactly the bytes a test chooses: odd chunking and CRLF, malformed JSON, a body
 * that ends with or without a finish_reason, sockets released on abort and reused when a reply is
 * complete, `GET /models` paging and error bodies.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChatRequest, StreamPart } from '../../src/providers/model-provider.js';
import { modelFromConfig } from '../../src/providers/openai-compatible/model-catalog.js';
import { OpenAICompatibleProvider } from '../../src/providers/openai-compatible/openai-compatible-provider.js';

const apiKey = 'sk-test-SECRETKEY0123456789';
const fixtures = new URL('../fixtures/openai/', import.meta.url);

type Handler = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

interface RawUpstream {
  url: string;
  /** TCP connections accepted so far. */
  connections: Socket[];
  /** Resolves when the server side of a connection closes. */
  closed(socket: Socket): Promise<void>;
  handle(next: Handler): void;
  close(): Promise<void>;
}

async function startRawUpstream(): Promise<RawUpstream> {
  let handler: Handler = (_request, response) => {
    response.end();
  };
  const connections: Socket[] = [];
  const closedSockets = new WeakMap<Socket, Promise<void>>();
  const server = createServer((request, response) => {
    request.resume();
    request.once('end', () => void handler(request, response));
  });
  server.on('connection', (socket) => {
    connections.push(socket);
    closedSockets.set(socket, new Promise((resolve) => socket.once('close', () => resolve())));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    connections,
    closed: (socket) => closedSockets.get(socket) ?? Promise.resolve(),
    handle(next) {
      handler = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function chat(): ChatRequest {
  return {
    model: modelFromConfig({ id: 'gpt-4o-mini' }, 'http://test/v1'),
    messages: [{ role: 'user', content: 'Hello' }],
    maxOutputTokens: 64,
    purpose: 'chat',
  };
}

async function run(provider: OpenAICompatibleProvider, signal = new AbortController().signal) {
  const parts: StreamPart[] = [];
  for await (const part of provider.streamChat(chat(), signal)) parts.push(part);
  const text = parts.map((part) => (part.type === 'text-delta' ? part.text : '')).join('');
  return { parts, text, terminal: parts.at(-1) };
}

function chunk(content: string | null, finishReason: string | null = null, usage: unknown = null): string {
  const choices =
    content === null && finishReason === null
      ? []
      : [{ index: 0, delta: content === null ? {} : { content }, finish_reason: finishReason }];
  return `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', choices, usage })}\n\n`;
}

const usageChunk = chunk(null, null, { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });

/** Writes `pieces` one at a time, each after the previous one reached the socket and a short pause. */
async function writeSlowly(response: ServerResponse, pieces: Array<string | Buffer>, pauseMs = 1): Promise<void> {
  response.writeHead(200, { 'content-type': 'text/event-stream' });
  response.flushHeaders();
  for (const piece of pieces) {
    if (response.destroyed) return;
    await new Promise<void>((resolve) => response.write(piece, () => resolve()));
    await sleep(pauseMs);
  }
}

describe('openai-compatible provider over its own HTTP client', () => {
  let upstream: RawUpstream;
  let provider: OpenAICompatibleProvider;
  before(async () => {
    upstream = await startRawUpstream();
    provider = new OpenAICompatibleProvider({ id: 'raw', baseUrl: upstream.url, apiKey });
  });
  after(() => upstream.close());

  it('reads a recorded transcript sent with CRLF line ends in pieces cut mid-line and mid-character', async () => {
    const raw = Buffer.from(readFileSync(new URL('openai-multibyte.sse', fixtures), 'utf8').replace(/\n/g, '\r\n'));
    const pieces: Buffer[] = [];
    for (let offset = 0; offset < raw.length; offset += 37) pieces.push(raw.subarray(offset, offset + 37));
    upstream.handle(async (_request, response) => {
      await writeSlowly(response, pieces, 0);
      response.end();
    });
    const { text, terminal } = await run(provider);
    assert.equal(text, 'Bonjour ! 👋\n你好，世界！🌏\nこんにちは、世界！🎌\nFamille : 👨‍👩‍👧 — naïve café ✓');
    assert.deepEqual(terminal, { type: 'finish', reason: 'stop', usage: { promptTokens: 19, completionTokens: 35 } });
  });

  it('turns a chunk that is not JSON into an error part after the text, without a crash', async () => {
    upstream.handle(async (_request, response) => {
      await writeSlowly(response, [
        chunk('Hel'),
        chunk('lo'),
        'data: {"choices": [\n\n',
        chunk(' there'),
        'data: [DONE]\n\n',
      ]);
      response.end();
    });
    const { text, terminal, parts } = await run(provider);
    assert.equal(text, 'Hello');
    assert.ok(terminal?.type === 'error', 'ends with an error part');
    assert.match(
      terminal.message,
      /^upstream http:\/\/127\.0\.0\.1:\d+\/v1 sent a malformed stream \(a chunk that is not JSON\)/,
    );
    assert.equal(parts.filter((part) => part.type !== 'text-delta').length, 1);
  });

  it('treats a body that ends without [DONE] after a finish_reason as complete', async () => {
    upstream.handle(async (_request, response) => {
      await writeSlowly(response, [chunk('All'), chunk(' done.'), chunk(null, 'stop'), usageChunk]);
      response.end();
    });
    const { text, terminal } = await run(provider);
    assert.equal(text, 'All done.');
    assert.deepEqual(terminal, { type: 'finish', reason: 'stop', usage: { promptTokens: 3, completionTokens: 2 } });
  });

  it('reports a body that ends before any finish_reason as cut short', async () => {
    upstream.handle(async (_request, response) => {
      await writeSlowly(response, [chunk('Half'), chunk(' a')]);
      response.end();
    });
    const { text, terminal } = await run(provider);
    assert.equal(text, 'Half a');
    assert.ok(terminal?.type === 'error');
    assert.match(terminal.message, /ended the reply stream without a finish_reason \(after 6 characters\)/);
  });

  it('discards a finish event that is not followed by its blank line (cut short, as with the SDK)', async () => {
    upstream.handle(async (_request, response) => {
      await writeSlowly(response, [chunk('Half'), chunk(null, 'stop').trimEnd()]);
      response.end();
    });
    const { terminal } = await run(provider);
    assert.ok(terminal?.type === 'error' && /without a finish_reason/.test(terminal.message));
  });

  it('reuses its keep-alive connection for the next request once a reply is complete', async () => {
    upstream.handle(async (_request, response) => {
      await writeSlowly(response, [chunk('ok'), chunk(null, 'stop'), usageChunk, 'data: [DONE]\n\n']);
      response.end();
    });
    const fresh = new OpenAICompatibleProvider({ id: 'fresh', baseUrl: upstream.url });
    const before = upstream.connections.length;
    for (let turn = 0; turn < 3; turn++) {
      const { terminal } = await run(fresh);
      assert.equal(terminal?.type, 'finish');
    }
    assert.equal(
      upstream.connections.length - before,
      1,
      `three replies on one connection (${upstream.connections.length - before})`,
    );
  });

  it('sends a request again, once, only when a pooled connection turns out closed by the server', async () => {
    const served = new WeakSet<Socket>();
    let requests = 0;
    upstream.handle(async (request, response) => {
      requests++;
      // The server drops a kept-alive connection as the next request arrives on it (an idle timeout race).
      if (served.has(request.socket)) return void request.socket.destroy();
      served.add(request.socket);
      await writeSlowly(response, [chunk('fine', 'stop'), 'data: [DONE]\n\n']);
      response.end();
    });
    const fresh = new OpenAICompatibleProvider({ id: 'stale', baseUrl: upstream.url });
    assert.equal((await run(fresh)).text, 'fine');
    const second = await run(fresh);
    assert.equal(second.text, 'fine', 'answered on a new connection');
    assert.equal(requests, 3, 'one request lost with the stale connection, then one retry');
    upstream.handle((request) => {
      requests++;
      request.socket.destroy();
    });
    const before = requests;
    const failed = await run(new OpenAICompatibleProvider({ id: 'reset', baseUrl: upstream.url }));
    assert.ok(failed.terminal?.type === 'error');
    assert.match(failed.terminal.message, /^cannot connect to upstream .* \(ECONNRESET\)/);
    assert.equal(requests - before, 1, 'a new connection that fails is not retried');
  });

  it('closes the socket when the caller aborts mid-stream, and does not reuse it', async () => {
    let serverSaw: Promise<void> = Promise.resolve();
    upstream.handle(async (request, response) => {
      serverSaw = upstream.closed(request.socket);
      const words = Array.from({ length: 200 }, (_, index) => chunk(`word${index} `));
      await writeSlowly(response, [...words, chunk(null, 'stop'), 'data: [DONE]\n\n'], 10);
      response.end();
    });
    const fresh = new OpenAICompatibleProvider({ id: 'abort', baseUrl: upstream.url });
    const before = upstream.connections.length;
    const controller = new AbortController();
    const parts: StreamPart[] = [];
    let abortedAt = 0;
    for await (const part of fresh.streamChat(chat(), controller.signal)) {
      parts.push(part);
      if (parts.length === 2) {
        abortedAt = performance.now();
        controller.abort();
      }
    }
    assert.deepEqual(parts.at(-1), { type: 'finish', reason: 'aborted', usage: undefined });
    assert.ok(parts.length <= 4, `stopped promptly (${parts.length} parts)`);
    await Promise.race([serverSaw, sleep(1000).then(() => assert.fail('the upstream did not see the socket close'))]);
    assert.ok(performance.now() - abortedAt < 1000);
    upstream.handle(async (_request, response) => {
      await writeSlowly(response, [chunk('again'), chunk(null, 'stop'), 'data: [DONE]\n\n']);
      response.end();
    });
    const { text } = await run(fresh);
    assert.equal(text, 'again');
    assert.equal(upstream.connections.length - before, 2, 'the next request needed a new connection');
  });

  it('closes the socket when the consumer stops reading early', async () => {
    let serverSaw: Promise<void> = Promise.resolve();
    upstream.handle(async (request, response) => {
      serverSaw = upstream.closed(request.socket);
      const words = Array.from({ length: 200 }, (_, index) => chunk(`word${index} `));
      await writeSlowly(response, words, 10);
      response.end();
    });
    for await (const part of provider.streamChat(chat(), new AbortController().signal)) {
      if (part.type === 'text-delta') break;
    }
    await Promise.race([serverSaw, sleep(1000).then(() => assert.fail('the upstream did not see the socket close'))]);
  });

  it('follows has_more / last_id pages of GET /models, a bounded number of times', async () => {
    const seen: string[] = [];
    upstream.handle((request, response) => {
      seen.push(request.url ?? '');
      const after = new URL(request.url ?? '/', 'http://x').searchParams.get('after');
      const page = after === null ? 0 : Number(after.replace('m', '')) + 1;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ object: 'list', data: [{ id: `m${page}` }], has_more: true, last_id: `m${page}` }));
    });
    const models = await provider.listModels();
    assert.equal(models[0]?.slug, 'm0');
    assert.equal(models.length, seen.length);
    assert.ok(seen.length > 1 && seen.length <= 50, `${seen.length} pages`);
    assert.equal(seen[1], '/v1/models?after=m0');
  });

  it('words an Ollama-style error body, and never repeats the key from a raw body', async () => {
    upstream.handle((_request, response) => {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: "model 'llama9' not found" }));
    });
    const { terminal } = await run(provider);
    assert.ok(terminal?.type === 'error' && terminal.status === 404);
    assert.match(terminal.message, /answered 404: model 'llama9' not found — check the model name "gpt-4o-mini"/);
    upstream.handle((_request, response) => {
      response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(`crashed while using ${apiKey}`);
    });
    const crashed = await run(provider);
    assert.ok(crashed.terminal?.type === 'error');
    assert.match(crashed.terminal.message, /answered 500: crashed while using \[redacted\] — the model server failed/);
    assert.ok(!crashed.terminal.message.includes('SECRETKEY'));
  });

  it('sends the key as a bearer token only, with JSON and event-stream headers', async () => {
    let headers: IncomingMessage['headers'] = {};
    upstream.handle(async (request, response) => {
      headers = request.headers;
      await writeSlowly(response, [chunk('ok', 'stop'), 'data: [DONE]\n\n']);
      response.end();
    });
    await run(provider);
    assert.equal(headers.authorization, `Bearer ${apiKey}`);
    assert.equal(headers['content-type'], 'application/json');
    assert.equal(headers.accept, 'text/event-stream');
  });
});
