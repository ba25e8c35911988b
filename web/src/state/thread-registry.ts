/**
 * Thread stores by conversation id. A conversation that is still streaming keeps its store while
 * the user looks elsewhere, so coming back shows the answer live instead of a stale copy.
 */
import type { WireConversation } from '../../../src/protocol/wire-types.js';
import { ApiError, describeError } from '../api/api-error.js';
import { conversationRatings, getConversation } from '../api/backend-api.js';
import { ThreadStore } from './thread-store.js';

const keptIdle = 8;

/** Told about every conversation loaded from the server (to follow an answer still being written). */
export type LoadedListener = (store: ThreadStore, conversation: WireConversation) => void;

export class ThreadRegistry {
  private readonly stores = new Map<string, ThreadStore>();

  constructor(private readonly loaded: LoadedListener = () => {}) {}

  /** The store of `conversationId`, loading it from the server when it is not here yet. */
  open(conversationId: string): ThreadStore {
    const existing = this.stores.get(conversationId);
    if (existing && existing.getView().phase !== 'error') {
      this.touch(conversationId, existing);
      return existing;
    }
    const store = new ThreadStore(conversationId);
    this.remember(conversationId, store);
    void this.load(store, conversationId);
    return store;
  }

  /** The store of `conversationId` if one is open or cached (never loads). */
  peek(conversationId: string): ThreadStore | undefined {
    return this.stores.get(conversationId);
  }

  /** A new conversation got its id: keep its store under that id. */
  remember(conversationId: string, store: ThreadStore): void {
    this.touch(conversationId, store);
    this.evictIdle();
  }

  forget(conversationId: string): void {
    this.stores.delete(conversationId);
  }

  clear(): void {
    this.stores.clear();
  }

  private touch(conversationId: string, store: ThreadStore): void {
    this.stores.delete(conversationId);
    this.stores.set(conversationId, store);
  }

  private evictIdle(): void {
    const idle = [...this.stores].filter(([, store]) => !store.getView().busy);
    for (const [id] of idle.slice(0, Math.max(0, idle.length - keptIdle))) this.stores.delete(id);
  }

  private async load(store: ThreadStore, conversationId: string): Promise<void> {
    let conversation: WireConversation;
    try {
      conversation = await getConversation(conversationId);
    } catch (error) {
      const notFound = error instanceof ApiError && (error.status === 404 || error.status === 400);
      store.updateMeta({ phase: notFound ? 'not-found' : 'error', loadError: describeError(error) });
      return;
    }
    store.load(conversation);
    this.loaded(store, conversation);
    // The thumbs are shown once known; a failure here only leaves them unpressed.
    try {
      for (const { messageId, rating } of await conversationRatings(conversationId))
        store.setFeedback(messageId, rating);
    } catch {
      // Ratings are a nicety: the conversation is already on screen.
    }
  }
}
