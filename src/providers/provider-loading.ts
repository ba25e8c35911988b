/**
 * Start-up choice of providers (docs/decisions/2026-11-26-providers.md): the configured ones that answer, else Ollama
 * if it runs on this machine, else the built-in demo model.
 */
import type { ProviderConfig } from '../config.js';
import { demoModel } from './demo/demo-model.js';
import { DemoProvider } from './demo/demo-provider.js';
import type { ModelProvider } from './model-provider.js';
import { OpenAICompatibleProvider } from './openai-compatible/openai-compatible-provider.js';
import type { ProviderEntry, SkippedProvider } from './provider-entry.js';

/** Where Ollama's OpenAI-compatible API answers by default. */
export const defaultOllamaUrl = 'http://127.0.0.1:11434/v1';
/** Ollama must list its models within this long to be used. */
const ollamaProbeMs = 500;
/** A configured provider must list its models within this long at start-up. */
const listModelsAtStartupMs = 15_000;

export interface LoadingOptions {
  log: (message: string) => void;
  ollamaUrl: string;
  demoTokenDelayMs: number | undefined;
}

/** The providers to use and the configured ones that were left out. */
export interface LoadedProviders {
  entries: ProviderEntry[];
  skipped: SkippedProvider[];
}

function createProvider(config: ProviderConfig, options: LoadingOptions): ModelProvider {
  if (config.type === 'demo') {
    return new DemoProvider({ id: config.id, tokenDelayMs: config.tokenDelayMs ?? options.demoTokenDelayMs });
  }
  return new OpenAICompatibleProvider(config);
}

function whereOf(provider: ModelProvider): string | undefined {
  return provider instanceof OpenAICompatibleProvider ? provider.url : undefined;
}

async function loadOne(config: ProviderConfig, options: LoadingOptions): Promise<ProviderEntry | SkippedProvider> {
  const provider = createProvider(config, options);
  try {
    const models = await provider.listModels(AbortSignal.timeout(listModelsAtStartupMs));
    if (models.length > 0) return { provider, models, where: whereOf(provider) };
    return { id: config.id, reason: `${whereOf(provider) ?? 'it'} offers no chat models` };
  } catch (error) {
    return { id: config.id, reason: error instanceof Error ? error.message : String(error) };
  }
}

/** Lists every configured provider's models in parallel; a failing one is logged and skipped. */
async function loadConfigured(configs: readonly ProviderConfig[], options: LoadingOptions): Promise<LoadedProviders> {
  const results = await Promise.all(configs.map((config) => loadOne(config, options)));
  const entries: ProviderEntry[] = [];
  const skipped: SkippedProvider[] = [];
  for (const result of results) {
    if ('provider' in result) entries.push(result);
    else {
      skipped.push(result);
      options.log(`provider ${result.id} skipped: ${result.reason}`);
    }
  }
  return { entries, skipped };
}

/** The demo model's entry. */
export function demoEntry(options: Pick<LoadingOptions, 'demoTokenDelayMs'>): ProviderEntry {
  const provider = new DemoProvider({ tokenDelayMs: options.demoTokenDelayMs });
  return { provider, models: [demoModel] };
}

/** Ollama's entry if it answers at `ollamaUrl` within 500 ms with at least one chat model. */
async function detectOllama(options: LoadingOptions): Promise<ProviderEntry | undefined> {
  const provider = new OpenAICompatibleProvider({ id: 'ollama', baseUrl: options.ollamaUrl });
  try {
    const models = await provider.listModels(AbortSignal.timeout(ollamaProbeMs));
    if (models.length > 0) return { provider, models, where: provider.url, note: 'detected' };
    options.log(`Ollama answers at ${provider.url} but has no chat models; run \`ollama pull llama3.2\` to get one`);
  } catch {
    options.log(`no Ollama at ${provider.url}`);
  }
  return undefined;
}

/** Chooses the providers for `configs` (empty: detect Ollama if allowed, else the demo). */
export async function loadProviders(
  configs: readonly ProviderConfig[],
  detect: boolean,
  options: LoadingOptions,
): Promise<LoadedProviders> {
  if (configs.length > 0) {
    const loaded = await loadConfigured(configs, options);
    if (loaded.entries.length > 0) return loaded;
    options.log('no configured provider offered a model; using the built-in demo model instead');
    return { entries: [demoEntry(options)], skipped: loaded.skipped };
  }
  const ollama = detect ? await detectOllama(options) : undefined;
  return { entries: [ollama ?? demoEntry(options)], skipped: [] };
}
