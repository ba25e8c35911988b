/** Makes model slugs unique across providers: a later duplicate becomes `<providerId>/<slug>`. */
import type { ProviderEntry } from './provider-entry.js';

function freeSlug(slug: string, providerId: string, taken: ReadonlySet<string>): string {
  if (!taken.has(slug)) return slug;
  const prefixed = `${providerId}/${slug}`;
  let candidate = prefixed;
  for (let n = 2; taken.has(candidate); n++) candidate = `${prefixed}-${n}`;
  return candidate;
}

/**
 * Entries with every slug unique, earlier providers (and earlier models) keeping theirs.
 * `log` is told about every renamed model.
 */
export function withUniqueSlugs(entries: readonly ProviderEntry[], log: (message: string) => void): ProviderEntry[] {
  const taken = new Set<string>();
  return entries.map((entry) => {
    const models = entry.models.map((model) => {
      const slug = freeSlug(model.slug, entry.provider.id, taken);
      taken.add(slug);
      if (slug === model.slug) return model;
      log(
        `model "${model.slug}" of provider ${entry.provider.id} is offered by an earlier provider too; it is available as "${slug}"`,
      );
      return { ...model, slug };
    });
    return { ...entry, models };
  });
}
