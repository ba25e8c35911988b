/** The models of `/backend-api/models` and the one chosen for new turns (remembered in this browser). */
import type { WireModel } from '../../../src/protocol/wire-types.js';
import { listModels } from '../api/backend-api.js';
import { readStorage, writeStorage } from '../lib/local-storage.js';

export interface ModelView {
  models: readonly WireModel[];
  selected: string | null;
  loaded: boolean;
}

const selectedKey = 'backchat.model';

export function isDemoModel(model: WireModel): boolean {
  return model.tags.includes('demo');
}

type Listener = () => void;

export class ModelStore {
  private view: ModelView = { models: [], selected: readStorage(selectedKey), loaded: false };
  private readonly listeners = new Set<Listener>();

  readonly subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getView = (): ModelView => this.view;

  private set(patch: Partial<ModelView>): void {
    this.view = { ...this.view, ...patch };
    for (const listener of [...this.listeners]) listener();
  }

  async load(): Promise<void> {
    try {
      const models = await listModels();
      const known = models.some((model) => model.slug === this.view.selected);
      this.set({ models, loaded: true, selected: known ? this.view.selected : (models[0]?.slug ?? null) });
    } catch {
      this.set({ loaded: true });
    }
  }

  select(slug: string, remember = true): void {
    if (remember) writeStorage(selectedKey, slug);
    this.set({ selected: slug });
  }

  /** The slug for the next turn (the server maps unknown slugs to its default). */
  current(): string {
    return this.view.selected ?? this.view.models[0]?.slug ?? 'text-davinci-002-render-sha';
  }

  find(slug: string | null): WireModel | undefined {
    return this.view.models.find((model) => model.slug === slug);
  }
}
