/**
 * Thread stores by conversation id. A conversation that is still streaming keeps its store while
 * the user looks elsewhere, so coming back shows the answer live instead of a stale copy.
 *
 * A conversation opens with a window: the last `windowSize` messages of its current branch (docs/api.md,
 * "Windowed conversation"), so a 10,000-message one opens as fast as a short one. Older messages come a
 * window at a time as the thread scrolls up (`loadOlder`), a sibling's branch when it is shown
 * (`loadBranch`), and the whole tree only for what genuinely needs it (`loadWhole`). Once someone
 * scrolls up past the first window, the window above the one that came is fetched at once and held
 * (not shown) until the top comes near: reading up through a long conversation then waits for the
 * rows to be drawn, not for the server as well.
 */
import type { WireConversation, WireWindowedConversation } from '../../../src/protocol/wire-types.js';
import { ApiError, describeError } from '../api/api-error.js';
import { conversationRatings, getConversation, getConversationWindow } from '../api/backend-api.js';
import { ThreadStore } from './thread-store.js';

const keptIdle = 8;

/** The next-older window, asked for before it is needed. */
interface Prefetched {
  /** The cursor it was asked for: used only while the store still needs that one. */
  cursor: string;
  /** The store's node count when it was asked for: a node added since (an edit, a turn) may change it. */
  nodeCount: number;
  window: Promise<WireWindowedConversation>;
}

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

  /**
   * Loads the window above the current branch's loaded part (once at a time per store); resolves when
   * it is merged. Without a cursor for it (a branch reached in an unusual way) the whole tree is loaded.
   */
  loadOlder(store: ThreadStore): Promise<void> {
    const { conversationId, olderAbove } = store.getView();
    if (!conversationId || olderAbove === null) return Promise.resolve();
    return this.once(store, async () => {
      const cursor = store.cursorAbove();
      if (cursor === undefined) {
        store.merge(await getConversation(conversationId));
        return;
      }
      store.merge(await this.olderWindow(store, conversationId, cursor));
      this.prefetchOlder(store, conversationId);
    });
  }

  private readonly prefetched = new WeakMap<ThreadStore, Prefetched>();

  /** The window above `cursor`: the one fetched ahead if it still fits the store, else a new request. */
  private olderWindow(store: ThreadStore, conversationId: string, cursor: string): Promise<WireWindowedConversation> {
    const ahead = this.prefetched.get(store);
    this.prefetched.delete(store);
    if (ahead && ahead.cursor === cursor && ahead.nodeCount === store.nodeCount()) {
      // A prefetch that failed is asked for again, as if it had never been made.
      return ahead.window.catch(() => getConversationWindow(conversationId, { before: cursor }));
    }
    return getConversationWindow(conversationId, { before: cursor });
  }

  /** Starts fetching the window above what is now loaded, if there is one. */
  private prefetchOlder(store: ThreadStore, conversationId: string): void {
    const cursor = store.cursorAbove();
    if (cursor === undefined) return;
    const window = getConversationWindow(conversationId, { before: cursor });
    // Nobody waits on it yet: a failure is handled when it is used (olderWindow).
    window.catch(() => undefined);
    this.prefetched.set(store, { cursor, nodeCount: store.nodeCount(), window });
  }

  /** Loads the branch through `anchor` (to its newest leaf) and shows it; resolves with that leaf. */
  async loadBranch(store: ThreadStore, anchor: string): Promise<string | null> {
    const { conversationId } = store.getView();
    if (!conversationId) return null;
    const window = await getConversationWindow(conversationId, { anchor });
    const leaf = window.window.last_node;
    store.merge(window, leaf ?? undefined);
    return leaf;
  }

  /** Loads every node of the conversation into `store` (kept nodes stay as they are). */
  async loadWhole(store: ThreadStore): Promise<void> {
    const { conversationId } = store.getView();
    if (conversationId) store.merge(await getConversation(conversationId));
  }

  private readonly inFlight = new WeakMap<ThreadStore, Promise<void>>();

  private once(store: ThreadStore, work: () => Promise<void>): Promise<void> {
    const running = this.inFlight.get(store);
    if (running !== undefined) return running;
    const done = work().finally(() => this.inFlight.delete(store));
    this.inFlight.set(store, done);
    return done;
  }

  private async load(store: ThreadStore, conversationId: string): Promise<void> {
    let conversation: WireConversation;
    try {
      conversation = await getConversationWindow(conversationId);
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
