/**
 * The openai-compatible provider beyond the contract: what it sends upstream, recorded transcripts
 * (OpenAI and Ollama), model listing, and its small helpers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import type { ChatRequest, ModelInfo, StreamPart } from '../../src/providers/model-provider.js';
import { completionParams } from '../../src/providers/openai-compatible/completion-params.js';
import { displayUrl } from '../../src/providers/openai-compatible/display-url.js';
import { isChatModelId, modelFromConfig } from '../../src/providers/openai-compatible/model-catalog.js';
import { humanizeModelId } from '../../src/providers/openai-compatible/model-title.js';
import { OpenAICompatibleProvider } from '../../src/providers/openai-compatible/openai-compatible-provider.js';
import { redactSecrets } from '../../src/providers/openai-compatible/redact.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';

const apiKey = 'sk-test-SECRETKEY0123456789';

const model: ModelInfo = modelFromConfig({ id: 'gpt-4o-mini' }, 'http://test/v1');

function chat(content: string, maxOutputTokens = 256): ChatRequest {
  return {
    model,
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content },
    ],
    maxOutputTokens,
    purpose: 'chat',
  };
}

async function run(provider: OpenAICompatibleProvider, request: ChatRequest) {
  const parts: StreamPart[] = [];
  for await (const part of provider.streamChat(request, new AbortController().signal)) parts.push(part);
  const text = parts.map((part) => (part.type === 'text-delta' ? part.text : '')).join('');
  return { parts, text, terminal: parts.at(-1) };
}

describe('openai-compatible provider against the fake upstream', () => {
  let upstream: FakeUpstream;
  let provider: OpenAICompatibleProvider;
  before(async () => {
    upstream = await startFakeUpstream({ models: ['gpt-4o-mini', 'text-embedding-3-small', 'whisper-1'] });
    provider = new OpenAICompatibleProvider({ id: 'fake', baseUrl: upstream.url, apiKey });
  });
  after(() => upstream.close());

  it('sends model, messages, max_tokens, stream and include_usage, with the bearer key', async () => {
    upstream.script({ kind: 'reply', text: 'ok' });
    await run(provider, chat('Hello', 77));
    const received = upstream.lastChat();
    assert.equal(received?.method, 'POST');
    assert.equal(received?.headers.authorization, `Bearer ${apiKey}`);
    assert.deepEqual(received?.body, {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello' },
      ],
      max_tokens: 77,
      stream: true,
      stream_options: { include_usage: true },
    });
    assert.equal(received?.headers['content-type'], 'application/json');
    assert.equal(received?.headers.accept, 'text/event-stream');
  });

  it('sends no Authorization header when no key is configured (Ollama, llama.cpp)', async () => {
    const keyless = new OpenAICompatibleProvider({ id: 'local', baseUrl: upstream.url });
    upstream.script({ kind: 'reply', text: 'ok' });
    const { terminal } = await run(keyless, chat('Hello'));
    assert.equal(terminal?.type, 'finish');
    assert.equal(upstream.lastChat()?.headers.authorization, undefined);
  });

  it('does not retry a failed request', async () => {
    const before = upstream.requests.length;
    upstream.script({ kind: 'status', status: 500 });
    const { terminal } = await run(provider, chat('Hello'));
    assert.equal(terminal?.type === 'error' && terminal.status, 500);
    assert.equal(upstream.requests.length, before + 1);
  });

  const transcripts: Array<[name: string, text: string, reason: string, usage: unknown]> = [
    ['openai-hello', 'Hello! How can I help you today?', 'stop', { promptTokens: 9, completionTokens: 9 }],
    [
      'openai-length',
      'The Fibonacci sequence is a series of numbers in which each number is the sum of',
      'max_tokens',
      { promptTokens: 15, completionTokens: 16 },
    ],
    [
      'openai-multibyte',
      'Bonjour ! 👋\n你好，世界！🌏\nこんにちは、世界！🎌\nFamille : 👨‍👩‍👧 — naïve café ✓',
      'stop',
      { promptTokens: 19, completionTokens: 35 },
    ],
    ['ollama-hello', 'Hello! It’s nice to meet you. Is there something I can help you with?', 'stop', undefined],
  ];
  for (const [name, text, reason, usage] of transcripts) {
    it(`replays the ${name} transcript`, async () => {
      upstream.script({ kind: 'transcript', name, tokenDelayMs: 1 });
      const result = await run(provider, chat('Hello'));
      assert.equal(result.text, text);
      assert.deepEqual(result.terminal, { type: 'finish', reason, usage });
    });
  }

  it('accepts a stream that has a finish_reason but no [DONE]', async () => {
    upstream.script({ kind: 'no-done', keepFinish: true, text: 'Complete text.' });
    const result = await run(provider, chat('Hello'));
    assert.equal(result.text, 'Complete text.');
    assert.ok(result.terminal?.type === 'finish' && result.terminal.reason === 'stop');
  });

  it('ignores well-formed chunks it does not understand (null, no choices)', async () => {
    for (const line of ['null', '{"unexpected":true}', '{"choices":null}']) {
      upstream.script({ kind: 'garbage', afterChunks: 2, line, text: 'Still fine.' });
      const result = await run(provider, chat('Hello'));
      assert.equal(result.text, 'Still fine.', line);
      assert.ok(result.terminal?.type === 'finish' && result.terminal.reason === 'stop', line);
    }
  });

  it('reports a content_filter finish as an error after the text', async () => {
    upstream.script({ kind: 'reply', text: 'Partial', finishReason: 'content_filter' });
    const result = await run(provider, chat('Hello'));
    assert.equal(result.text, 'Partial');
    assert.ok(result.terminal?.type === 'error' && /content filter/.test(result.terminal.message));
  });

  it('lists the upstream chat models, leaving out embeddings and speech', async () => {
    const models = await provider.listModels();
    assert.deepEqual(
      models.map((listed) => [listed.slug, listed.title, listed.contextWindow]),
      [['gpt-4o-mini', 'GPT-4o Mini', 128_000]],
    );
  });

  it('rejects listModels with a clear message when the upstream fails', async () => {
    const failing = await startFakeUpstream({ modelsStatus: 401 });
    try {
      const broken = new OpenAICompatibleProvider({ id: 'x', baseUrl: failing.url, apiKey });
      await assert.rejects(broken.listModels(), (error: Error) => {
        assert.match(error.message, /answered 401: .* — check OPENAI_API_KEY/);
        assert.ok(!error.message.includes(apiKey));
        return true;
      });
    } finally {
      await failing.close();
    }
  });

  it('serves non-streaming requests too (fake upstream self-check)', async () => {
    upstream.script({ kind: 'reply', text: 'Plain answer.' });
    const client = new OpenAI({ baseURL: upstream.url, apiKey, maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [] });
    assert.equal(completion.choices[0]?.message.content, 'Plain answer.');
    assert.equal(completion.choices[0]?.finish_reason, 'stop');
  });
});

describe('openai-compatible helpers', () => {
  it('uses max_completion_tokens for api.openai.com and max_tokens elsewhere', () => {
    const openai = completionParams(chat('x', 100), 'https://api.openai.com/v1');
    assert.equal(openai.max_completion_tokens, 100);
    assert.equal(openai.max_tokens, undefined);
    const local = completionParams(chat('x', 100), 'http://127.0.0.1:11434/v1');
    assert.equal(local.max_tokens, 100);
    assert.equal(local.max_completion_tokens, undefined);
  });

  it('humanizes model ids', () => {
    const cases: Array<[string, string]> = [
      ['gpt-4o-mini', 'GPT-4o Mini'],
      ['llama3.1:8b', 'Llama 3.1 8B'],
      ['llama3.2:latest', 'Llama 3.2'],
      ['qwen2.5-coder:7b-instruct', 'Qwen 2.5 Coder 7B Instruct'],
      ['meta-llama/Llama-3.1-8B-Instruct', 'Llama 3.1 8B Instruct'],
      ['mistral', 'Mistral'],
      ['deepseek-r1:14b', 'Deepseek R1 14B'],
    ];
    for (const [id, title] of cases) assert.equal(humanizeModelId(id), title, id);
  });

  it('fills model limits from config, known models, then defaults', () => {
    assert.deepEqual(
      [
        modelFromConfig({ id: 'llama3.1' }, 'u').contextWindow,
        modelFromConfig({ id: 'llama3.1' }, 'u').maxOutputTokens,
      ],
      [8192, 2048],
    );
    assert.equal(modelFromConfig({ id: 'gpt-4o-2024-08-06' }, 'u').contextWindow, 128_000);
    const custom = modelFromConfig({ id: 'x', slug: 'fast', title: 'Fast', contextWindow: 2048 }, 'u');
    assert.deepEqual(
      [custom.slug, custom.upstreamModel, custom.title, custom.maxOutputTokens],
      ['fast', 'x', 'Fast', 1024],
    );
  });

  it('recognizes non-chat model ids', () => {
    for (const id of [
      'text-embedding-3-small',
      'nomic-embed-text',
      'whisper-1',
      'tts-1',
      'dall-e-3',
      'omni-moderation-latest',
    ]) {
      assert.equal(isChatModelId(id), false, id);
    }
    for (const id of ['gpt-4o', 'llama3.1:8b', 'o3-mini']) assert.equal(isChatModelId(id), true, id);
  });

  it('redacts keys and hides URL credentials', () => {
    assert.equal(redactSecrets(`bad key ${apiKey}!`, apiKey), 'bad key [redacted]!');
    assert.equal(
      redactSecrets('Incorrect API key provided: sk-proj-abc*****wxyz.'),
      'Incorrect API key provided: [redacted].',
    );
    assert.equal(redactSecrets('header Bearer abc.def'), 'header Bearer [redacted]');
    assert.equal(displayUrl('http://user:secret@host:8000/v1/?api-key=x#frag'), 'http://host:8000/v1');
  });
});
