/**
 * The state of one conversation's thread, outside React: the message tree, the current branch as
 * display items, and the conversation's status. Components subscribe narrowly:
 * - the thread list subscribes to the view (branch keys, busy, errors) — it changes only when the
 *   branch's shape changes, never per streamed token;
 * - each message subscribes to its own item — a streamed token notifies only the streaming message.
 */
import type { WireConversation, WireWindowedConversation } from '../../../src/protocol/wire-types.js';
import type { Rating } from '../api/backend-api.js';
import { branchGroups, buildItem, type DisplayItem, reuseItem } from './display-items.js';
import {
  missingAbove,
  pathFromRoot,
  rootOf,
  type ThreadMessage,
  type ThreadNode,
  type ThreadTree,
  treeFromWire,
  withChild,
  withoutLeaf,
  withRenamedLeaf,
  withWireNodes,
} from './thread-tree.js';

export interface ThreadError {
  text: string;
  /** What "Retry" does, if offered. */
  retry: (() => void) | null;
}

export type ThreadPhase = 'draft' | 'loading' | 'ready' | 'not-found' | 'error';

export interface ThreadView {
  conversationId: string | null;
  title: string | null;
  isTemporary: boolean;
  phase: ThreadPhase;
  loadError: string | null;
  /** Keys of the display items along the current branch, top to bottom. */
  keys: readonly string[];
  /** A turn is running (sending or streaming). */
  busy: boolean;
  threadError: ThreadError | null;
  /** The last answer was cut by the model's token limit and can be continued. */
  canContinue: boolean;
  /** The model of the newest answer on the branch. */
  lastModelSlug: string | null;
  /**
   * The branch is loaded only from its N-th message down (a window): the id of the node above what is
   * loaded, null when the branch is loaded to its root.
   */
  olderAbove: string | null;
  /**
   * The position of `keys[0]` relative to where the branch's first loaded item was: loading older
   * messages makes it negative, so every row keeps its position (and its chunk) when rows are added above.
   */
  firstPosition: number;
}

type Listener = () => void;
type MetaPatch = Partial<Omit<ThreadView, 'keys' | 'canContinue' | 'lastModelSlug' | 'olderAbove' | 'firstPosition'>>;

let instances = 0;

export class ThreadStore {
  /** Distinguishes stores (a React key: a new conversation gets a fresh thread view). */
  readonly id = `thread-${++instances}`;
  /** The tree, in a map of the store's own: a change of shape makes a new one, a streamed token changes it. */
  private tree: ThreadTree<Map<string, ThreadNode>> = { nodes: new Map(), rootId: '', currentNode: '' };
  private view: ThreadView;
  private items = new Map<string, DisplayItem>();
  private groupOf = new Map<string, string>();
  private readonly feedback = new Map<string, Rating>();
  /** Cursors of the windows not loaded yet, by the id of the node each one ends at (`olderAbove`). */
  private readonly cursors = new Map<string, string>();
  private readonly viewListeners = new Set<Listener>();
  private readonly itemListeners = new Map<string, Set<Listener>>();

  constructor(conversationId: string | null = null) {
    this.view = {
      conversationId,
      title: null,
      isTemporary: false,
      phase: conversationId ? 'loading' : 'draft',
      loadError: null,
      keys: [],
      busy: false,
      threadError: null,
      canContinue: false,
      lastModelSlug: null,
      olderAbove: null,
      firstPosition: 0,
    };
  }

  readonly subscribe = (listener: Listener): (() => void) => {
    this.viewListeners.add(listener);
    return () => this.viewListeners.delete(listener);
  };

  readonly getView = (): ThreadView => this.view;

  subscribeItem(key: string, listener: Listener): () => void {
    let listeners = this.itemListeners.get(key);
    if (!listeners) {
      listeners = new Set();
      this.itemListeners.set(key, listeners);
    }
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) this.itemListeners.delete(key);
    };
  }

  getItem(key: string): DisplayItem | undefined {
    return this.items.get(key);
  }

  /** The tree as it is now (a streaming answer's text included: `updateMessage` changes it in place). */
  getTree(): ThreadTree {
    return this.tree;
  }

  /** The `data-message-id` of the row showing `messageId` on the current branch, if it is shown. */
  rowIdOf(messageId: string): string | null {
    const key = this.groupOf.get(messageId);
    return key === undefined ? null : (this.items.get(key)?.id ?? null);
  }

  /** Replaces everything with a conversation loaded from the server (whole, or a window of it). */
  load(conversation: WireConversation | WireWindowedConversation): void {
    this.tree = treeFromWire(conversation);
    this.cursors.clear();
    this.rememberCursor(conversation);
    this.rebuild({
      conversationId: conversation.conversation_id,
      title: conversation.title,
      phase: 'ready',
      loadError: null,
    });
  }

  /**
   * Adds the nodes of another window (older messages, or a sibling's branch) or of the whole
   * conversation; nodes already here are kept (they may be newer, e.g. a streaming answer).
   * `showLeaf`: make that node current (a sibling's branch being shown).
   */
  merge(conversation: WireConversation | WireWindowedConversation, showLeaf?: string): void {
    const nodes = withWireNodes(this.tree.nodes, conversation);
    const currentNode = showLeaf !== undefined && nodes.has(showLeaf) ? showLeaf : this.tree.currentNode;
    this.tree = { nodes, rootId: this.tree.rootId || rootOf(nodes), currentNode };
    this.rememberCursor(conversation);
    this.rebuild({});
  }

  /** How many nodes of the conversation are loaded. */
  nodeCount(): number {
    return this.tree.nodes.size;
  }

  /** The cursor of the window above the current branch's loaded part, if one is known. */
  cursorAbove(): string | undefined {
    const above = this.view.olderAbove;
    return above === null ? undefined : this.cursors.get(above);
  }

  private rememberCursor(conversation: WireConversation | WireWindowedConversation): void {
    if (!('window' in conversation) || !conversation.window.cursor) return;
    const first = conversation.window.first_node;
    const above = first === null ? null : conversation.mapping[first]?.parent;
    if (above) this.cursors.set(above, conversation.window.cursor);
  }

  /** Starts an empty tree under a new root (a new conversation's first turn). */
  startTree(rootId: string): void {
    const root: ThreadNode = { id: rootId, parentId: null, children: [], message: null };
    this.tree = { nodes: new Map([[rootId, root]]), rootId, currentNode: rootId };
    this.rebuild({});
  }

  updateMeta(patch: MetaPatch): void {
    this.setView({ ...this.view, ...patch });
  }

  /** Adds `node` under its parent and makes it the current node. */
  addNode(node: ThreadNode): void {
    this.addNodes([node]);
  }

  /**
   * Adds `added` in order, each under its parent, and makes the last one the current node: one
   * recomputation of the branch for all of them (a turn adds its question and its answer at once).
   */
  addNodes(added: readonly ThreadNode[]): void {
    const last = added.at(-1);
    if (!last) return;
    const nodes = added.reduce((tree, node) => withChild(tree, node), this.tree.nodes);
    this.tree = { ...this.tree, nodes, currentNode: last.id };
    this.rebuild({});
  }

  setCurrentNode(id: string): void {
    if (!this.tree.nodes.has(id) || id === this.tree.currentNode) return;
    this.tree = { ...this.tree, currentNode: id };
    this.rebuild({});
  }

  /** A placeholder answer gets the id the server gave it. */
  renameLeaf(from: string, to: string): void {
    const currentNode = this.tree.currentNode === from ? to : this.tree.currentNode;
    this.tree = { ...this.tree, nodes: withRenamedLeaf(this.tree.nodes, from, to), currentNode };
    this.rebuild({});
  }

  /** Removes the leaf `id`; the current node moves to its parent when it was the leaf. */
  removeLeaf(id: string): void {
    const parent = this.tree.nodes.get(id)?.parentId ?? this.tree.rootId;
    const currentNode = this.tree.currentNode === id ? parent : this.tree.currentNode;
    this.tree = { ...this.tree, nodes: withoutLeaf(this.tree.nodes, id), currentNode };
    this.rebuild({});
  }

  /**
   * Changes one message; only the item showing it is notified (the streaming fast path). The node is
   * replaced in the store's own map, not in a copy of it: every change of shape makes a new map, but a
   * streamed token copying a 2,000-entry map was ~0.13 ms and ~100 KB of garbage each
   * (docs/web-ui.md). `getTree()` therefore shows the text as it is now.
   */
  updateMessage(id: string, patch: Partial<ThreadMessage>): void {
    const node = this.tree.nodes.get(id);
    if (!node?.message) return;
    this.tree.nodes.set(id, { ...node, message: { ...node.message, ...patch } });
    const key = this.groupOf.get(id);
    if (key !== undefined) this.refreshItem(key);
  }

  setFeedback(messageId: string, rating: Rating): void {
    this.feedback.set(messageId, rating);
    const key = this.groupOf.get(messageId);
    if (key !== undefined) this.refreshItem(key);
  }

  private refreshItem(key: string): void {
    const previous = this.items.get(key);
    if (!previous) return;
    const next = buildItem(this.tree.nodes, previous.nodeIds, previous.isLast, this.feedback);
    if (!next) return;
    const item = reuseItem(previous, next);
    if (item === previous) return;
    this.items.set(key, item);
    this.notifyItem(key);
    if (item.isLast) this.setView(this.withBranchFacts(this.view, this.view.keys));
  }

  /** Recomputes the branch after a change of shape; notifies only items that changed. */
  private rebuild(meta: MetaPatch): void {
    const path = pathFromRoot(this.tree.nodes, this.tree.currentNode);
    const groups = branchGroups(this.tree.nodes, this.tree.currentNode, path);
    const items = new Map<string, DisplayItem>();
    const groupOf = new Map<string, string>();
    const changed: string[] = [];
    groups.forEach((ids, index) => {
      const next = buildItem(this.tree.nodes, ids, index === groups.length - 1, this.feedback);
      if (!next) return;
      const previous = this.items.get(next.key);
      const item = reuseItem(previous, next);
      if (item !== previous) changed.push(item.key);
      items.set(item.key, item);
      for (const id of ids) groupOf.set(id, item.key);
    });
    this.items = items;
    this.groupOf = groupOf;
    const keys = [...items.keys()];
    const sameKeys = keys.length === this.view.keys.length && keys.every((key, i) => key === this.view.keys[i]);
    const olderAbove = missingAbove(this.tree.nodes, this.tree.currentNode, path);
    const view = { ...this.view, ...meta, olderAbove, firstPosition: this.firstPosition(keys) };
    this.setView(this.withBranchFacts(view, sameKeys ? this.view.keys : keys));
    for (const key of changed) this.notifyItem(key);
  }

  /** Where `keys[0]` sits: the old first row keeps its position when rows come in above it. */
  private firstPosition(keys: readonly string[]): number {
    const oldFirst = this.view.keys[0];
    const at = oldFirst === undefined ? -1 : keys.indexOf(oldFirst);
    return at < 0 ? 0 : this.view.firstPosition - at;
  }

  private withBranchFacts(view: ThreadView, keys: readonly string[]): ThreadView {
    const lastKey = keys.at(-1);
    const last = lastKey === undefined ? undefined : this.items.get(lastKey);
    const lastAnswer = [...keys].reverse().find((key) => this.items.get(key)?.role === 'assistant');
    return {
      ...view,
      keys,
      canContinue: last?.role === 'assistant' && last.finishType === 'max_tokens' && last.status === 'complete',
      lastModelSlug: lastAnswer === undefined ? null : (this.items.get(lastAnswer)?.modelSlug ?? null),
    };
  }

  private setView(next: ThreadView): void {
    const current = this.view;
    const same = (Object.keys(next) as Array<keyof ThreadView>).every((field) => next[field] === current[field]);
    if (same) return;
    this.view = next;
    for (const listener of [...this.viewListeners]) listener();
  }

  private notifyItem(key: string): void {
    for (const listener of [...(this.itemListeners.get(key) ?? [])]) listener();
  }
}
