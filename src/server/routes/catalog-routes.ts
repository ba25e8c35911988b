/** Models (§11), the starter-prompt library (§13) and the message cap (§17). */
import type { PromptLibrary } from '../../conversation/prompt-library.js';
import { promptLibraryQuerySchema } from '../../protocol/requests.js';
import type { WireModel } from '../../protocol/wire-types.js';
import type { ModelInfo } from '../../providers/model-provider.js';
import type { ProviderRegistry } from '../../providers/registry.js';
import type { RouteSpec } from '../route-table.js';
import { parseQuery } from './conversation-routes.js';

export interface CatalogRouteDeps {
  providers: ProviderRegistry;
  prompts: PromptLibrary;
}

function toWireModel(model: ModelInfo): WireModel {
  return {
    slug: model.slug,
    max_tokens: model.contextWindow,
    title: model.title,
    description: model.description,
    tags: model.isDemo ? ['demo'] : [],
    capabilities: {},
    product_features: {},
  };
}

function modelsView(providers: ProviderRegistry): Record<string, unknown> {
  const models = providers.models();
  return {
    models: models.map(toWireModel),
    categories: models.map((model) => ({
      category: model.slug,
      human_category_name: model.title,
      subscription_level: 'free',
      default_model: model.slug,
    })),
  };
}

/**
 * No message cap exists until one is configured, so the cap fields are null rather than an
 * invented number (docs/decisions/2026-11-26-conversation-limit.md).
 */
const conversationLimit = {
  message_cap: null,
  message_cap_window: null,
  message_disclaimer: { textarea: '', model_switcher: '', 'model-switcher': '' },
};

export function catalogRoutes(deps: CatalogRouteDeps): RouteSpec[] {
  const limit = async () => conversationLimit;
  return [
    { method: 'GET', path: '/models', mount: 'api', auth: 'user', handler: async () => modelsView(deps.providers) },
    {
      method: 'GET',
      path: '/prompt_library/',
      mount: 'api',
      auth: 'user',
      handler: async (request) => {
        const query = parseQuery(promptLibraryQuerySchema, request.query);
        return deps.prompts.sample(query.limit, query.offset);
      },
    },
    { method: 'GET', path: '/public-api/conversation_limit', mount: 'absolute', auth: 'user', handler: limit },
    { method: 'GET', path: '/conversation_limit', mount: 'api', auth: 'user', handler: limit },
  ];
}
