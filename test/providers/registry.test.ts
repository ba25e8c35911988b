/** The provider registry: default choice (configured → Ollama → demo), slugs, aliases, failures. */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ProviderConfig } from '../../src/config.js';
import { createProviderRegistry } from '../../src/providers/registry.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';

type RegistryConfig = Parameters<typeof createProviderRegistry>[0];

function config(overrides: Partial<RegistryConfig> = {}): RegistryConfig {
  return { providers: [], modelAliases: {}, defaultModel: undefined, detectOllama: false, ...overrides };
}

function openai(id: string, baseUrl: string, models?: string[]): ProviderConfig {
  return {
    type: 'openai-compatible',
    id,
    baseUrl,
    apiKey: 'sk-test-key-0123456789',
    models: models?.map((m) => ({ id: m })),
  };
}

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/v1`;
}

const chatGptSlugs = [
  'text-davinci-002-render-sha',
  'text-davinci-002-render-sha-mobile',
  'text-davinci-002-render',
  'gpt-4',
  'gpt-4-plugins',
  'gpt-4-browsing',
  'gpt-3.5-turbo',
  'no-such-model',
  '',
];

describe('registry with nothing configured', () => {
  it('falls back to the demo model, labelled as such', async () => {
    const registry = await createProviderRegistry(config(), { ollamaUrl: await closedPortUrl() });
    assert.equal(registry.usingDemo, true);
    assert.deepEqual(
      registry.models().map((model) => model.slug),
      ['demo'],
    );
    assert.deepEqual(registry.describe(), ['demo: Demo (no model configured)']);
  });

  it('maps ChatGPT slugs, unknown, empty and missing slugs to the default', async () => {
    const registry = await createProviderRegistry(config());
    for (const slug of [...chatGptSlugs, null, undefined]) {
      assert.equal(registry.resolve(slug).model.slug, 'demo', String(slug));
    }
    assert.equal(registry.resolve('demo').provider.id, 'demo');
  });
});

describe('registry with configured providers', () => {
  let upstream: FakeUpstream;
  let other: FakeUpstream;
  before(async () => {
    upstream = await startFakeUpstream({ models: ['llama3.1:8b', 'nomic-embed-text', 'qwen2.5:7b'] });
    other = await startFakeUpstream({ models: ['llama3.1:8b', 'mistral'] });
  });
  after(async () => {
    await upstream.close();
    await other.close();
  });

  it('uses configured models without asking the upstream', async () => {
    const before = upstream.requests.length;
    const registry = await createProviderRegistry(config({ providers: [openai('main', upstream.url, ['a', 'b'])] }));
    assert.equal(upstream.requests.length, before);
    assert.deepEqual(
      registry.models().map((model) => model.slug),
      ['a', 'b'],
    );
    assert.equal(registry.defaultModel().slug, 'a');
    assert.equal(registry.usingDemo, false);
  });

  it("lists the upstream's chat models when none are configured", async () => {
    const registry = await createProviderRegistry(config({ providers: [openai('main', upstream.url)] }));
    assert.deepEqual(
      registry.models().map((model) => [model.slug, model.title]),
      [
        ['llama3.1:8b', 'Llama 3.1 8B'],
        ['qwen2.5:7b', 'Qwen 2.5 7B'],
      ],
    );
    assert.match(
      registry.describe()[0] ?? '',
      /^main: http:\/\/127\.0\.0\.1:\d+\/v1 — llama3\.1:8b \(default\), qwen2\.5:7b$/,
    );
  });

  it('resolves own slugs first, then aliases, then everything else to the default', async () => {
    const registry = await createProviderRegistry(
      config({
        providers: [openai('main', upstream.url, ['a', 'b', 'gpt-4'])],
        modelAliases: { 'text-davinci-002-render-sha': 'b', a: 'b', 'gpt-4-mobile': 'missing' },
      }),
    );
    assert.equal(registry.resolve('text-davinci-002-render-sha').model.slug, 'b');
    assert.equal(registry.resolve('a').model.slug, 'a', 'own slug wins over an alias');
    assert.equal(registry.resolve('gpt-4').model.slug, 'gpt-4', 'a real model named like a ChatGPT slug is itself');
    assert.equal(registry.resolve('gpt-4-mobile').model.slug, 'a', 'alias to a missing model is ignored');
    assert.equal(registry.resolve('gpt-4-plugins').model.slug, 'a');
  });

  it('honours defaultModel (a slug or an alias) and lists it first', async () => {
    const providers = [openai('main', upstream.url, ['a', 'b', 'c'])];
    const bySlug = await createProviderRegistry(config({ providers, defaultModel: 'c' }));
    assert.equal(bySlug.defaultModel().slug, 'c');
    assert.deepEqual(
      bySlug.models().map((model) => model.slug),
      ['c', 'a', 'b'],
    );
    assert.equal(bySlug.resolve('text-davinci-002-render-sha').model.slug, 'c');
    const byAlias = await createProviderRegistry(
      config({ providers, modelAliases: { fast: 'b' }, defaultModel: 'fast' }),
    );
    assert.equal(byAlias.defaultModel().slug, 'b');
  });

  it('rejects an unknown defaultModel, naming the available slugs', async () => {
    const providers = [openai('main', upstream.url, ['a', 'b'])];
    await assert.rejects(
      createProviderRegistry(config({ providers, defaultModel: 'gpt-5' })),
      /defaultModel "gpt-5" is not an available model; available models: a, b/,
    );
  });

  it('prefixes a later duplicate slug with its provider id', async () => {
    const lines: string[] = [];
    const registry = await createProviderRegistry(
      config({ providers: [openai('first', upstream.url), openai('second', other.url)] }),
      { log: (line) => lines.push(line) },
    );
    assert.deepEqual(
      registry.models().map((model) => model.slug),
      ['llama3.1:8b', 'qwen2.5:7b', 'second/llama3.1:8b', 'mistral'],
    );
    const second = registry.resolve('second/llama3.1:8b');
    assert.equal(second.provider.id, 'second');
    assert.equal(second.model.upstreamModel, 'llama3.1:8b');
    assert.equal(registry.resolve('llama3.1:8b').provider.id, 'first');
    assert.ok(lines.some((line) => line.includes('available as "second/llama3.1:8b"')));
  });

  it('skips a provider whose models cannot be listed, and says so', async () => {
    const lines: string[] = [];
    const dead = await closedPortUrl();
    const registry = await createProviderRegistry(
      config({ providers: [openai('dead', dead), openai('main', upstream.url, ['a'])] }),
      { log: (line) => lines.push(line) },
    );
    assert.deepEqual(
      registry.models().map((model) => model.slug),
      ['a'],
    );
    assert.ok(
      lines.some((line) => /^provider dead skipped: cannot connect to upstream .*ECONNREFUSED/.test(line)),
      lines.join('\n'),
    );
    assert.ok(registry.describe().some((line) => line.startsWith('dead: skipped — cannot connect')));
    assert.ok(lines.every((line) => !line.includes('sk-test-key')));
  });

  it('falls back to the demo when every configured provider fails', async () => {
    const lines: string[] = [];
    const registry = await createProviderRegistry(config({ providers: [openai('dead', await closedPortUrl())] }), {
      log: (line) => lines.push(line),
    });
    assert.equal(registry.usingDemo, true);
    assert.equal(registry.defaultModel().slug, 'demo');
    assert.ok(lines.some((line) => line.includes('using the built-in demo model')));
  });

  it('builds a configured demo provider', async () => {
    const registry = await createProviderRegistry(
      config({ providers: [openai('main', upstream.url, ['a']), { type: 'demo', id: 'demo', tokenDelayMs: 0 }] }),
    );
    assert.deepEqual(
      registry.models().map((model) => model.slug),
      ['a', 'demo'],
    );
    assert.equal(registry.usingDemo, false);
    assert.equal(registry.resolve('demo').model.isDemo, true);
  });
});

describe('Ollama detection', () => {
  it('uses Ollama when it answers, with its models', async () => {
    const ollama = await startFakeUpstream({ models: ['llama3.2:latest', 'nomic-embed-text:latest'] });
    try {
      const registry = await createProviderRegistry(config({ detectOllama: true }), { ollamaUrl: ollama.url });
      assert.equal(registry.usingDemo, false);
      assert.deepEqual(
        registry.models().map((model) => [model.slug, model.title]),
        [['llama3.2:latest', 'Llama 3.2']],
      );
      assert.equal(registry.resolve('text-davinci-002-render-sha').provider.id, 'ollama');
      assert.match(
        registry.describe()[0] ?? '',
        /^ollama: http:\/\/127\.0\.0\.1:\d+\/v1 \(detected\) — llama3\.2:latest/,
      );
    } finally {
      await ollama.close();
    }
  });

  it('does not probe when detectOllama is off or providers are configured', async () => {
    const ollama = await startFakeUpstream({ models: ['llama3.2'] });
    try {
      const off = await createProviderRegistry(config({ detectOllama: false }), { ollamaUrl: ollama.url });
      assert.equal(off.usingDemo, true);
      const configured = await createProviderRegistry(
        config({ detectOllama: true, providers: [openai('main', ollama.url, ['a'])] }),
        { ollamaUrl: ollama.url },
      );
      assert.equal(configured.defaultModel().slug, 'a');
      assert.equal(ollama.requests.length, 0);
    } finally {
      await ollama.close();
    }
  });

  it('gives up on a slow Ollama after about 500 ms and uses the demo', async () => {
    const ollama = await startFakeUpstream({ models: ['llama3.2'], modelsDelayMs: 3000 });
    try {
      const started = performance.now();
      const registry = await createProviderRegistry(config({ detectOllama: true }), { ollamaUrl: ollama.url });
      assert.ok(performance.now() - started < 2000);
      assert.equal(registry.usingDemo, true);
    } finally {
      await ollama.close();
    }
  });

  it('uses the demo, and says why, when Ollama has no chat models', async () => {
    const ollama = await startFakeUpstream({ models: ['nomic-embed-text'] });
    const lines: string[] = [];
    try {
      const registry = await createProviderRegistry(config({ detectOllama: true }), {
        ollamaUrl: ollama.url,
        log: (line) => lines.push(line),
      });
      assert.equal(registry.usingDemo, true);
      assert.ok(lines.some((line) => line.includes('ollama pull')));
    } finally {
      await ollama.close();
    }
  });

  it('uses the demo when nothing answers at the Ollama URL', async () => {
    const registry = await createProviderRegistry(config({ detectOllama: true }), { ollamaUrl: await closedPortUrl() });
    assert.equal(registry.usingDemo, true);
  });
});
