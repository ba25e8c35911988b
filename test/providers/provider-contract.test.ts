/**
 * The ModelProvider contract (src/providers/model-provider.ts), run against every implementation:
 * the demo provider (no delay and a small delay) and the openai-compatible provider against the
 * fake upstream. Failure cases run for implementations that can be made to fail (a `failures` hook).
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DemoProvider } from '../../src/providers/demo/demo-provider.js';
import { composeDemoReply } from '../../src/providers/demo/demo-reply.js';
import type { ChatRequest, ModelInfo, ModelProvider, StreamPart } from '../../src/providers/model-provider.js';
import { OpenAICompatibleProvider } from '../../src/providers/openai-compatible/openai-compatible-provider.js';
import { type FakeScenario, type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';

const apiKey = 'sk-test-SECRETKEY0123456789';
const abortBoundMs = 1000;

/** A failure the harness can provoke, and what its error message must say. */
interface Failure {
  name: string;
  provider: () => ModelProvider | Promise<ModelProvider>;
  message: RegExp;
  status?: number;
  /** Text the stream must have delivered before the error. */
  textBefore?: string;
}

interface Harness {
  name: string;
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
  provider(): ModelProvider;
  /** Makes the next reply to `request` known (slow: long and paced); returns its full untruncated text. */
  arrangeReply(request: ChatRequest, options?: { slow?: boolean }): string;
  /** True once the upstream saw the last request's connection closed early (no upstream: true). */
  upstreamSawAbort(): Promise<boolean>;
  failures?: Failure[];
}

interface Collected {
  parts: StreamPart[];
  text: string;
  terminal: StreamPart | undefined;
}

async function collect(parts: AsyncIterable<StreamPart>): Promise<Collected> {
  const all: StreamPart[] = [];
  for await (const part of parts) all.push(part);
  const text = all.map((part) => (part.type === 'text-delta' ? part.text : '')).join('');
  return { parts: all, text, terminal: all.at(-1) };
}

function assertShape(collected: Collected): void {
  const body = collected.parts.slice(0, -1);
  assert.ok(
    body.every((part) => part.type === 'text-delta'),
    'only text-delta parts before the end',
  );
  assert.ok(collected.terminal && collected.terminal.type !== 'text-delta', 'ends with one finish or error part');
}

function request(model: ModelInfo, content: string, maxOutputTokens = 1024): ChatRequest {
  return {
    model,
    messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content },
    ],
    maxOutputTokens,
    purpose: 'chat',
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  return Promise.race([promise, new Promise<T>((resolve) => setTimeout(() => resolve(fallback), ms).unref())]);
}

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/v1`;
}

/* ------------------------------------------------------------------ harnesses */

function demoHarness(tokenDelayMs: number): Harness {
  const provider = new DemoProvider({ tokenDelayMs });
  return {
    name: `demo (tokenDelayMs ${tokenDelayMs})`,
    setUp: async () => {},
    tearDown: async () => {},
    provider: () => provider,
    arrangeReply: (chat) => composeDemoReply(chat.messages),
    upstreamSawAbort: async () => true,
  };
}

const longText = Array.from({ length: 120 }, (_, index) => `word${index}`).join(' ');

const upstreamUrl = 'http://127\\.0\\.0\\.1:\\d+/v1';

type LiveUpstream = () => { upstream: FakeUpstream; provider: OpenAICompatibleProvider };

function openAIFailures(live: LiveUpstream): Failure[] {
  const scripted =
    (scenario: FakeScenario, options: { idleTimeoutMs?: number; timeoutMs?: number } = {}) =>
    () => {
      const { upstream, provider } = live();
      upstream.script(scenario);
      const tuned = options.idleTimeoutMs ?? options.timeoutMs;
      return tuned ? new OpenAICompatibleProvider({ id: 'fake', baseUrl: upstream.url, apiKey, ...options }) : provider;
    };
  return [
    {
      name: '401 before the first byte (the body echoes the key)',
      provider: scripted({ kind: 'status', status: 401, message: `Incorrect API key provided: ${apiKey}.` }),
      message: new RegExp(
        `^upstream ${upstreamUrl} answered 401: Incorrect API key provided: \\[redacted\\]\\. — check OPENAI_API_KEY`,
      ),
      status: 401,
    },
    {
      name: '404 unknown model (Ollama wording)',
      provider: scripted({ kind: 'status', status: 404, message: 'model "nope" not found, try pulling it first' }),
      message: /answered 404: model "nope" not found, try pulling it first — check the model name "fake-model"/,
      status: 404,
    },
    {
      name: '502 with an HTML page',
      provider: scripted({ kind: 'status', status: 502, body: '<html><body><h1>502 Bad Gateway</h1></body></html>' }),
      message: /answered 502: 502 Bad Gateway — the model server failed; try again/,
      status: 502,
    },
    {
      name: 'connection dropped mid-stream',
      provider: scripted({ kind: 'drop-after', chunks: 3, text: 'Hello there, friend.' }),
      message: /closed the connection in the middle of the reply .* try again/,
      textBefore: 'Hello',
    },
    {
      name: 'garbage line in the stream',
      provider: scripted({ kind: 'garbage', afterChunks: 2, text: 'Hello there, friend.' }),
      message: /sent a malformed stream \(a chunk that is not JSON\)/,
      textBefore: 'Hell',
    },
    {
      name: 'stream ends without finish_reason or [DONE]',
      provider: scripted({ kind: 'no-done', text: 'Hello there, friend.' }),
      message: /ended the reply stream without a finish_reason \(after 20 characters\)/,
      textBefore: 'Hello there, friend.',
    },
    {
      name: 'error event mid-stream',
      provider: scripted({ kind: 'error-chunk', afterChunks: 2, message: 'The engine is overloaded.' }),
      message: /reported an error in the middle of the reply: The engine is overloaded\./,
      textBefore: 'Hell',
    },
    {
      name: 'stall mid-stream (idle timeout)',
      provider: scripted({ kind: 'stall', afterChunks: 2, text: 'Hello there' }, { idleTimeoutMs: 200 }),
      message: /sent nothing for 0\.2 s in the middle of the reply/,
      textBefore: 'Hell',
    },
    {
      name: 'no response headers (timeout)',
      provider: scripted({ kind: 'stall', beforeHeaders: true }, { timeoutMs: 200 }),
      message: /did not answer within 0\.2 s/,
    },
    {
      name: 'connection refused (closed port)',
      provider: async () => new OpenAICompatibleProvider({ id: 'closed', baseUrl: await closedPortUrl(), apiKey }),
      message: new RegExp(
        `^cannot connect to upstream ${upstreamUrl} \\(ECONNREFUSED\\) — is the model server running`,
      ),
    },
  ];
}

function lastUserContent(body: unknown): string {
  const messages = (body as { messages?: Array<{ content?: string }> } | undefined)?.messages ?? [];
  return messages.at(-1)?.content ?? '';
}

function openAIHarness(): Harness {
  let upstream: FakeUpstream | undefined;
  let provider: OpenAICompatibleProvider | undefined;
  const replies = new Map<string, FakeScenario>();
  const live: LiveUpstream = () => {
    assert.ok(upstream && provider, 'harness not set up');
    return { upstream, provider };
  };
  return {
    name: 'openai-compatible (fake upstream)',
    async setUp() {
      upstream = await startFakeUpstream({ models: ['fake-model'] });
      provider = new OpenAICompatibleProvider({ id: 'fake', baseUrl: upstream.url, apiKey });
    },
    tearDown: async () => upstream?.close(),
    provider: () => live().provider,
    arrangeReply(chat, options) {
      const question = chat.messages.at(-1)?.content ?? '';
      const text = options?.slow ? longText : `Echo: ${question}`;
      replies.set(question, { kind: 'reply', text, tokenDelayMs: options?.slow ? 15 : 0 });
      live().upstream.script((received) => replies.get(lastUserContent(received.body)) ?? { kind: 'reply', text: '?' });
      return text;
    },
    async upstreamSawAbort() {
      const last = live().upstream.lastChat();
      if (!last) return false;
      await withTimeout(last.closed, abortBoundMs, undefined);
      return last.clientAborted;
    },
    failures: openAIFailures(live),
  };
}

/* ------------------------------------------------------------------ the contract */

async function firstModel(provider: ModelProvider): Promise<ModelInfo> {
  const [model] = await provider.listModels();
  assert.ok(model, 'provider offers at least one model');
  return model;
}

function contract(harness: Harness): void {
  describe(`ModelProvider contract: ${harness.name}`, () => {
    before(() => harness.setUp());
    after(() => harness.tearDown());

    it('listModels offers models with unique slugs and sane limits', async () => {
      const models = await harness.provider().listModels();
      assert.ok(models.length > 0);
      assert.equal(new Set(models.map((model) => model.slug)).size, models.length);
      for (const model of models) {
        assert.ok(model.slug && model.title && model.upstreamModel);
        assert.ok(model.contextWindow > 0 && model.maxOutputTokens > 0);
        assert.ok(model.maxOutputTokens <= model.contextWindow);
      }
    });

    it('streams text-deltas, then exactly one finish (stop); the deltas add up to the reply', async () => {
      const chat = request(await firstModel(harness.provider()), 'What is the capital of France?');
      const expected = harness.arrangeReply(chat);
      const collected = await collect(harness.provider().streamChat(chat, new AbortController().signal));
      assertShape(collected);
      assert.ok(collected.parts.length > 2, 'streams in several deltas');
      assert.equal(collected.text, expected);
      assert.deepEqual(
        { ...collected.terminal, usage: undefined },
        { type: 'finish', reason: 'stop', usage: undefined },
      );
    });

    it('reports usage on finish', async () => {
      const chat = request(await firstModel(harness.provider()), 'Count my tokens');
      harness.arrangeReply(chat);
      const { terminal } = await collect(harness.provider().streamChat(chat, new AbortController().signal));
      assert.ok(terminal?.type === 'finish' && terminal.usage);
      assert.ok(terminal.usage.promptTokens > 0 && terminal.usage.completionTokens > 0);
    });

    it('keeps multibyte text (emoji, CJK, ZWJ sequences) intact across deltas', async () => {
      const chat = request(await firstModel(harness.provider()), '你好，世界！ Grüße 👋 👨‍👩‍👧 こんにちは');
      const expected = harness.arrangeReply(chat);
      const collected = await collect(harness.provider().streamChat(chat, new AbortController().signal));
      assert.equal(collected.text, expected);
      assert.ok(collected.text.includes('👨‍👩‍👧'));
      assert.ok(!collected.text.includes('\uFFFD'));
    });

    it('stops at maxOutputTokens with finish reason max_tokens (a prefix of the full reply)', async () => {
      const chat = request(await firstModel(harness.provider()), 'Tell me a long story about a lighthouse.', 5);
      const full = harness.arrangeReply(chat);
      const collected = await collect(harness.provider().streamChat(chat, new AbortController().signal));
      assertShape(collected);
      assert.equal(collected.terminal?.type === 'finish' && collected.terminal.reason, 'max_tokens');
      assert.ok(collected.text.length > 0 && collected.text.length < full.length);
      assert.ok(full.startsWith(collected.text));
    });

    it('abort mid-stream ends promptly with finish aborted and stops the upstream', async () => {
      const chat = request(await firstModel(harness.provider()), 'Write a very long essay.');
      harness.arrangeReply(chat, { slow: true });
      const controller = new AbortController();
      const parts: StreamPart[] = [];
      let abortedAt = 0;
      for await (const part of harness.provider().streamChat(chat, controller.signal)) {
        parts.push(part);
        if (parts.length === 3) {
          abortedAt = performance.now();
          controller.abort();
        }
      }
      assert.ok(performance.now() - abortedAt < abortBoundMs, 'ended within a second of the abort');
      assertShape({ parts, text: '', terminal: parts.at(-1) });
      const terminal = parts.at(-1);
      assert.ok(terminal?.type === 'finish' && terminal.reason === 'aborted', 'ends with finish aborted');
      assert.ok(await harness.upstreamSawAbort(), 'the upstream saw the connection close');
    });

    it('an already-aborted signal yields only finish aborted', async () => {
      const chat = request(await firstModel(harness.provider()), 'Hello?');
      harness.arrangeReply(chat);
      const controller = new AbortController();
      controller.abort();
      const collected = await collect(harness.provider().streamChat(chat, controller.signal));
      assert.equal(collected.parts.length, 1);
      assert.ok(collected.terminal?.type === 'finish' && collected.terminal.reason === 'aborted');
    });

    it('a consumer that stops reading early releases the upstream', async () => {
      const chat = request(await firstModel(harness.provider()), 'Write a very long essay.');
      harness.arrangeReply(chat, { slow: true });
      let deltas = 0;
      for await (const part of harness.provider().streamChat(chat, new AbortController().signal)) {
        if (part.type === 'text-delta' && ++deltas === 2) break;
      }
      assert.ok(await harness.upstreamSawAbort(), 'the upstream saw the connection close');
    });

    it('serves concurrent streams independently', async () => {
      const model = await firstModel(harness.provider());
      const chats = [request(model, 'first question'), request(model, 'second question')];
      const expected = chats.map((chat) => harness.arrangeReply(chat));
      const signal = new AbortController().signal;
      const results = await Promise.all(chats.map((chat) => collect(harness.provider().streamChat(chat, signal))));
      for (const result of results) assertShape(result);
      assert.deepEqual(
        results.map((result) => result.text),
        expected,
      );
    });

    for (const failure of harness.failures ?? []) {
      it(`failure → one error part with a clear message and no key: ${failure.name}`, async () => {
        const provider = await failure.provider();
        const chat = request({ ...(await firstModel(harness.provider())), upstreamModel: 'fake-model' }, 'Hi');
        const collected = await collect(provider.streamChat(chat, new AbortController().signal));
        assertShape(collected);
        const { terminal } = collected;
        assert.ok(terminal?.type === 'error', 'ends with an error part');
        assert.match(terminal.message, failure.message);
        assert.ok(!terminal.message.includes('SECRETKEY'), 'no key in the message');
        assert.equal(terminal.status, failure.status);
        if (failure.textBefore !== undefined) assert.equal(collected.text, failure.textBefore);
      });
    }
  });
}

for (const harness of [demoHarness(0), demoHarness(2), openAIHarness()]) contract(harness);
