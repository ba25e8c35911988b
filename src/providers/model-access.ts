/**
 * Per-user model access: an administrator can limit a user to some model slugs (null = every model).
 * A slug the user names explicitly must be allowed; ChatGPT's legacy and unknown slugs (which map to
 * the default model) fall back to the first model the user may use, so third-party clients keep working.
 */
import { ForbiddenError } from '../domain-errors.js';
import type { ModelInfo, ModelProvider } from './model-provider.js';
import type { ProviderRegistry } from './registry.js';

/** The models offered to a user, in display order. */
export function modelsFor(registry: ProviderRegistry, allowed: readonly string[] | null): ModelInfo[] {
  const models = registry.models();
  return allowed === null ? models : models.filter((model) => allowed.includes(model.slug));
}

/** A model and the provider that serves it. */
export interface ServedModel {
  model: ModelInfo;
  provider: ModelProvider;
}

/**
 * `registry.resolve(slug)` within the user's model access; ForbiddenError when nothing fits. The one
 * place a request's model slug becomes a model (turns, their caps, `conversation_limit?model=`).
 */
export function resolveFor(
  registry: ProviderRegistry,
  slug: string | null | undefined,
  allowed: readonly string[] | null,
): ServedModel {
  const served = registry.resolve(slug);
  if (allowed === null || allowed.includes(served.model.slug)) return served;
  const usable = modelsFor(registry, allowed);
  const named = registry.models().some((model) => model.slug === slug);
  if (named || usable.length === 0) {
    const choices = usable.map((model) => model.slug).join(', ');
    throw new ForbiddenError(
      usable.length === 0
        ? 'Your account has no model it may use; ask an administrator for access'
        : `Your account cannot use the model "${slug}"; models you can use: ${choices}`,
    );
  }
  return registry.resolve(usable[0]?.slug);
}
