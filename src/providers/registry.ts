/**
 * The provider registry: configuration → providers and their models, and client model slugs
 * (ours, aliases, ChatGPT's legacy slugs) → one model and the provider that serves it.
 */
import type { Config } from '../config.js';
import type { ModelInfo, ModelProvider } from './model-provider.js';
import type { ProviderEntry, SkippedProvider } from './provider-entry.js';
import { defaultOllamaUrl, loadProviders } from './provider-loading.js';
import { withUniqueSlugs } from './unique-slugs.js';

/** Every model backchat offers and how client slugs map onto them. */
export interface ProviderRegistry {
  /** Every model offered, in display order (default first). */
  models(): ModelInfo[];
  defaultModel(): ModelInfo;
  /**
   * Client slug → model. Our own slugs map to themselves; configured aliases next; then ChatGPT's
   * slugs (text-davinci-002-render-sha, gpt-4, gpt-3.5…) and any other unknown or empty slug → the
   * default model.
   */
  resolve(slug: string | null | undefined): { model: ModelInfo; provider: ModelProvider };
  /** One line per provider for the start-up banner, e.g. "demo: Demo (no model configured)". */
  describe(): string[];
  /** True when the default model is the built-in demo (so no real model is configured or found). */
  readonly usingDemo: boolean;
}

export interface ProviderRegistryOptions {
  /** Receives one line per start-up event worth telling the operator (skips, fallbacks, renames). */
  log?: (message: string) => void;
  /** Ollama's OpenAI-compatible base URL, including `/v1` (default http://127.0.0.1:11434/v1). */
  ollamaUrl?: string;
  /** Milliseconds per token for the demo model when its config does not say (default ≈ 33). */
  demoTokenDelayMs?: number;
}

type RegistryConfig = Pick<Config, 'providers' | 'modelAliases' | 'defaultModel' | 'detectOllama'>;
type Served = { model: ModelInfo; provider: ModelProvider };

function chooseDefault(bySlug: Map<string, Served>, aliases: Map<string, Served>, config: RegistryConfig): Served {
  const wanted = config.defaultModel;
  const first = bySlug.values().next().value;
  const chosen = wanted === undefined ? first : (bySlug.get(wanted) ?? aliases.get(wanted));
  if (chosen) return chosen;
  const available = [...bySlug.keys()].join(', ') || '(none)';
  throw new Error(`defaultModel "${wanted}" is not an available model; available models: ${available}`);
}

function resolveAliases(
  bySlug: Map<string, Served>,
  config: RegistryConfig,
  log: (m: string) => void,
): Map<string, Served> {
  const aliases = new Map<string, Served>();
  for (const [alias, target] of Object.entries(config.modelAliases)) {
    const served = bySlug.get(target);
    if (served) aliases.set(alias, served);
    else
      log(
        `model alias "${alias}" → "${target}" ignored: there is no model "${target}" (available: ${[...bySlug.keys()].join(', ')})`,
      );
  }
  return aliases;
}

function describeEntry(entry: ProviderEntry, defaultSlug: string): string {
  const { provider, models, where, note } = entry;
  const names = models.map((model) => (model.slug === defaultSlug ? `${model.slug} (default)` : model.slug));
  if (!where) return `${provider.id}: ${models.map((model) => model.title).join(', ')}`;
  return `${provider.id}: ${where}${note ? ` (${note})` : ''} — ${names.join(', ')}`;
}

function buildRegistry(
  entries: ProviderEntry[],
  skipped: SkippedProvider[],
  config: RegistryConfig,
  log: (m: string) => void,
): ProviderRegistry {
  const bySlug = new Map<string, Served>();
  for (const { provider, models } of entries) for (const model of models) bySlug.set(model.slug, { model, provider });
  const aliases = resolveAliases(bySlug, config, log);
  const fallback = chooseDefault(bySlug, aliases, config);
  const ordered = [
    fallback.model,
    ...[...bySlug.values()].map(({ model }) => model).filter((model) => model !== fallback.model),
  ];
  return {
    models: () => [...ordered],
    defaultModel: () => fallback.model,
    resolve: (slug) => (slug ? (bySlug.get(slug) ?? aliases.get(slug)) : undefined) ?? fallback,
    describe: () => [
      ...entries.map((entry) => describeEntry(entry, fallback.model.slug)),
      ...skipped.map(({ id, reason }) => `${id}: skipped — ${reason}`),
    ],
    usingDemo: fallback.model.isDemo,
  };
}

/**
 * Builds the registry at start-up. Configured providers are asked for their models (a failing one
 * is logged and skipped); with none configured, Ollama is probed when `detectOllama`; the demo model
 * is the last resort. Throws if `config.defaultModel` names no available model or alias.
 */
export async function createProviderRegistry(
  config: RegistryConfig,
  options: ProviderRegistryOptions = {},
): Promise<ProviderRegistry> {
  const log = options.log ?? (() => {});
  const loadingOptions = {
    log,
    ollamaUrl: options.ollamaUrl ?? defaultOllamaUrl,
    demoTokenDelayMs: options.demoTokenDelayMs,
  };
  const loaded = await loadProviders(config.providers, config.detectOllama, loadingOptions);
  return buildRegistry(withUniqueSlugs(loaded.entries, log), loaded.skipped, config, log);
}
