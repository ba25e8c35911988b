/**
 * The sidebar's conversations: pages of 28 loaded on demand (infinite scroll), the first page
 * refreshed after each turn, and optimistic rename / archive / delete. Only loaded pages exist
 * here, so thousands of chats cost nothing until scrolled to.
 */
import type { WireConversationListItem } from '../../../src/protocol/wire-types.js';
import { conversationPageSize, listConversations, patchConversation } from '../api/backend-api.js';

export interface ConversationSummary {
  id: string;
  title: string;
  updateTime: Date;
  /** Set when the title was just generated: the sidebar types it in. */
  animateTitle: boolean;
}

export interface ConversationListView {
  items: readonly ConversationSummary[];
  loading: boolean;
  /** More pages exist on the server. */
  hasMore: boolean;
  error: string | null;
  /** True once the first page arrived. */
  loaded: boolean;
}

function toSummary(item: WireConversationListItem): ConversationSummary {
  return { id: item.id, title: item.title, updateTime: new Date(item.update_time), animateTitle: false };
}

type Listener = () => void;

export class ConversationListStore {
  private view: ConversationListView = { items: [], loading: false, hasMore: true, error: null, loaded: false };
  private nextOffset = 0;
  private readonly listeners = new Set<Listener>();
  private generation = 0;

  constructor(private readonly archived = false) {}

  readonly subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getView = (): ConversationListView => this.view;

  private set(patch: Partial<ConversationListView>): void {
    this.view = { ...this.view, ...patch };
    for (const listener of [...this.listeners]) listener();
  }

  /** Loads the next page (offsets 0, 28, 56, …) unless one is loading or none is left. */
  async loadMore(): Promise<void> {
    if (this.view.loading || !this.view.hasMore) return;
    const generation = this.generation;
    this.set({ loading: true, error: null });
    try {
      const page = await listConversations(this.nextOffset, this.archived);
      if (generation !== this.generation) return;
      const known = new Set(this.view.items.map((item) => item.id));
      const fresh = page.items.filter((item) => !known.has(item.id)).map(toSummary);
      this.nextOffset += page.items.length;
      const hasMore = page.items.length === conversationPageSize && this.nextOffset < page.total;
      this.set({ items: [...this.view.items, ...fresh], loading: false, hasMore, loaded: true });
    } catch (error) {
      if (generation !== this.generation) return;
      this.set({ loading: false, error: error instanceof Error ? error.message : String(error), loaded: true });
    }
  }

  /** Re-reads the first page (newest first) and puts it on top of what is loaded. */
  async refreshFirstPage(): Promise<void> {
    try {
      const page = await listConversations(0, this.archived);
      const fresh = page.items.map(toSummary);
      const titles = new Map(this.view.items.map((item) => [item.id, item]));
      const merged = fresh.map((item) => ({ ...item, animateTitle: titles.get(item.id)?.animateTitle ?? false }));
      const ids = new Set(merged.map((item) => item.id));
      const rest = this.view.items.filter((item) => !ids.has(item.id));
      this.nextOffset = Math.max(this.nextOffset, page.items.length);
      this.set({
        items: [...merged, ...rest],
        loaded: true,
        hasMore: this.view.loaded ? this.view.hasMore : page.items.length < page.total,
      });
    } catch {
      // The list stays as it was; the next refresh or scroll tries again.
    }
  }

  /** Forgets everything and loads the first page again. */
  async reset(): Promise<void> {
    this.generation++;
    this.nextOffset = 0;
    this.view = { items: [], loading: false, hasMore: true, error: null, loaded: false };
    this.set({});
    await this.loadMore();
  }

  setTitle(id: string, title: string, animate: boolean): void {
    const items = this.view.items.map((item) => (item.id === id ? { ...item, title, animateTitle: animate } : item));
    this.set({ items });
  }

  private remove(id: string): void {
    if (!this.view.items.some((item) => item.id === id)) return;
    this.set({ items: this.view.items.filter((item) => item.id !== id) });
    this.nextOffset = Math.max(0, this.nextOffset - 1);
  }

  /** Adds a conversation this list does not show yet (an unarchived chat) on top. */
  prepend(summary: ConversationSummary): void {
    if (this.view.items.some((item) => item.id === summary.id)) return;
    this.set({ items: [summary, ...this.view.items] });
  }

  /** Applies `change` at once; puts the list back if the server refuses `work`. */
  private async optimistic(change: () => void, work: () => Promise<void>): Promise<void> {
    const before = this.view.items;
    const offset = this.nextOffset;
    change();
    try {
      await work();
    } catch (error) {
      this.nextOffset = offset;
      this.set({ items: before });
      throw error;
    }
  }

  rename(id: string, title: string): Promise<void> {
    return this.optimistic(
      () => this.setTitle(id, title, false),
      () => patchConversation(id, { title }),
    );
  }

  /** Archives (or, in the archived list, unarchives) `id`: it leaves this list. */
  archive(id: string, archived = true): Promise<void> {
    return this.optimistic(
      () => this.remove(id),
      () => patchConversation(id, { is_archived: archived }),
    );
  }

  delete(id: string): Promise<void> {
    return this.optimistic(
      () => this.remove(id),
      () => patchConversation(id, { is_visible: false }),
    );
  }

  /** Everything was hidden or archived elsewhere (settings): empty the list. */
  clear(): void {
    this.generation++;
    this.nextOffset = 0;
    this.set({ items: [], loading: false, hasMore: false, error: null, loaded: true });
  }
}
