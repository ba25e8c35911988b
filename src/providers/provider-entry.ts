/** A provider together with the models it offers, as the registry holds it. */
import type { ModelInfo, ModelProvider } from './model-provider.js';

/** One live provider and its models (slugs already unique across providers). */
export interface ProviderEntry {
  provider: ModelProvider;
  models: ModelInfo[];
  /** Where it answers (display URL), for the start-up banner; absent for the demo. */
  where?: string;
  /** Why it is used, e.g. "detected" for Ollama found on this machine. */
  note?: string;
}

/** A configured provider left out at start-up, and why. */
export interface SkippedProvider {
  id: string;
  reason: string;
}
