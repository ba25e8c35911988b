/** The starter-prompt library (docs/api.md): a random sample of the prompts stored in the database. */
import type { Ids } from '../ids.js';
import type { WirePromptItem } from '../protocol/wire-types.js';
import type { PromptStore } from '../store/store.js';

export interface PromptPage {
  items: WirePromptItem[];
  total: number;
  limit: number;
  offset: number;
}

export class PromptLibrary {
  constructor(private readonly deps: { store: PromptStore; ids: Ids }) {}

  /** `limit` distinct prompts chosen at random; `offset` is echoed (the real service samples too). */
  async sample(limit: number, offset: number): Promise<PromptPage> {
    const prompts = await this.deps.store.listPrompts();
    const count = Math.min(limit, prompts.length);
    for (let index = 0; index < count; index++) {
      const pick = index + this.deps.ids.int(prompts.length - index);
      const chosen = prompts[pick];
      const current = prompts[index];
      if (chosen && current) [prompts[index], prompts[pick]] = [chosen, current];
    }
    const items = prompts.slice(0, count).map(({ id, title, description, prompt, category }) => ({
      id,
      title,
      description,
      prompt,
      category,
    }));
    return { items, total: items.length, limit, offset };
  }
}
