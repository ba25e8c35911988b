/** ModelInfo for an OpenAI-compatible upstream's models: from configuration or from `GET /v1/models`. */
import type { ModelConfig } from '../../config.js';
import type { ModelInfo } from '../model-provider.js';
import { humanizeModelId } from './model-title.js';

/** Used when neither the configuration nor the known-model table says otherwise. */
export const defaultContextWindow = 8192;
export const defaultMaxOutputTokens = 2048;

interface KnownLimits {
  contextWindow: number;
  maxOutputTokens?: number;
}

/** Context windows of well-known hosted models, by id prefix (first match wins). */
const knownModels: ReadonlyArray<[prefix: string, limits: KnownLimits]> = [
  ['gpt-4.1', { contextWindow: 1_047_576 }],
  ['gpt-4o', { contextWindow: 128_000 }],
  ['gpt-4-turbo', { contextWindow: 128_000 }],
  ['gpt-4', { contextWindow: 8192 }],
  ['gpt-3.5-turbo', { contextWindow: 16_385 }],
  // Reasoning models spend completion tokens on hidden reasoning: leave room for the visible answer.
  ['gpt-5', { contextWindow: 400_000, maxOutputTokens: 16_384 }],
  ['o1', { contextWindow: 200_000, maxOutputTokens: 16_384 }],
  ['o3', { contextWindow: 200_000, maxOutputTokens: 16_384 }],
  ['o4-mini', { contextWindow: 200_000, maxOutputTokens: 16_384 }],
];

/** Ids of models that cannot chat (embeddings, speech, images, moderation, legacy completions). */
const nonChatPattern = /embed|whisper|tts|dall-e|moderation|davinci|babbage|transcribe|realtime|audio|image|sora/i;

/** Whether a model listed by `/v1/models` can serve chat completions, judged by its id. */
export function isChatModelId(id: string): boolean {
  return !nonChatPattern.test(id);
}

function knownLimits(id: string): KnownLimits | undefined {
  return knownModels.find(([prefix]) => id === prefix || id.startsWith(`${prefix}-`))?.[1];
}

/** ModelInfo for a configured model; unset fields come from the known-model table, then the defaults. */
export function modelFromConfig(model: ModelConfig, upstreamUrl: string): ModelInfo {
  const known = knownLimits(model.id);
  const contextWindow = model.contextWindow ?? known?.contextWindow ?? defaultContextWindow;
  const fallbackOutput = Math.min(known?.maxOutputTokens ?? defaultMaxOutputTokens, Math.floor(contextWindow / 2));
  const title = model.title ?? humanizeModelId(model.id);
  return {
    slug: model.slug ?? model.id,
    upstreamModel: model.id,
    title,
    description: model.description ?? `${title} (${model.id}), served by ${upstreamUrl}.`,
    contextWindow,
    maxOutputTokens: model.maxOutputTokens ?? fallbackOutput,
    isDemo: false,
  };
}
