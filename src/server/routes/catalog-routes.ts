/** Models, the starter-prompt library and the message cap (docs/api.md). */
import type { PromptLibrary } from '../../conversation/prompt-library.js';
import { conversationLimitBody } from '../../limits/conversation-limit-view.js';
import type { Limits } from '../../limits/limits-service.js';
import { conversationLimitQuerySchema, promptLibraryQuerySchema } from '../../protocol/requests.js';
import type { WireModel } from '../../protocol/wire-types.js';
import { modelsFor, resolveFor } from '../../providers/model-access.js';
import type { ModelInfo } from '../../providers/model-provider.js';
import type { ProviderRegistry } from '../../providers/registry.js';
import type { RouteSpec, UserRoute } from '../route-table.js';
import { parseQuery } from './request-parsing.js';

export interface CatalogRouteDeps {
  providers: ProviderRegistry;
  prompts: PromptLibrary;
  limits: Limits;
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

function modelsView(providers: ProviderRegistry, allowed: string[] | null): Record<string, unknown> {
  const models = modelsFor(providers, allowed);
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

export function catalogRoutes(deps: CatalogRouteDeps): RouteSpec[] {
  /**
   * The caller's real cap: with `?model=` (any client slug) that of the model a turn naming it would use,
   * else the one over all models.
   */
  const limit: UserRoute['handler'] = async (request, _reply, user) => {
    const query = parseQuery(conversationLimitQuerySchema, request.query);
    const model =
      query.model === undefined ? undefined : resolveFor(deps.providers, query.model, user.modelAccess).model;
    return conversationLimitBody(await deps.limits.messages.usage(user.id, model?.slug), model?.title);
  };
  return [
    {
      method: 'GET',
      path: '/models',
      mount: 'api',
      auth: 'user',
      handler: async (_q, _r, user) => modelsView(deps.providers, user.modelAccess),
    },
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
