/** The ModelInfo of backchat's built-in demo model. */
import type { ModelInfo } from '../model-provider.js';

/** Slug of the demo model in `/backend-api/models` and in stored messages. */
export const demoModelSlug = 'demo';

/** The demo model as clients see it: clearly labelled, never passed off as an LLM. */
export const demoModel: ModelInfo = {
  slug: demoModelSlug,
  upstreamModel: demoModelSlug,
  title: 'Demo (no model configured)',
  description:
    'backchat’s built-in demo: not an LLM. It streams a fixed-form reply that restates your message, for ' +
    'trying the app. To connect a real model, set OPENAI_BASE_URL and OPENAI_API_KEY (any OpenAI-compatible ' +
    'server), or run Ollama on this machine, and restart backchat.',
  contextWindow: 8192,
  maxOutputTokens: 1024,
  isDemo: true,
};
