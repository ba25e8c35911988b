/**
 * What the user can do in a thread — send, stop, regenerate, edit, continue, switch branches, rate —
 * turned into turns (ChatTurn) and backend-api calls. One turn at a time per conversation. A
 * conversation opened while its answer is still being written follows that answer (`opened`).
 */
import type { WireConversation } from '../../../src/protocol/wire-types.js';
import { ApiError, describeError } from '../api/api-error.js';
import { generateTitle, patchConversation, type Rating, sendFeedback } from '../api/backend-api.js';
import { clientMessageId } from '../lib/ids.js';
import { type AttachPlan, ChatTurn, type ChatTurnHooks, type ChatTurnPlan } from './chat-turn.js';
import type { ConversationListStore } from './conversation-list-store.js';
import type { DisplayItem } from './display-items.js';
import type { ThreadRegistry } from './thread-registry.js';
import type { ThreadStore } from './thread-store.js';
import { answerBeingWritten, isFirstAnswer, isWholeTree, latestLeaf, visibleSiblings } from './thread-tree.js';

export interface SendOptions {
  model: string;
  /** The starter prompts shown on the new-chat screen (sent with the first turn only). */
  suggestions: string[];
  temporary: boolean;
}

export interface ControllerDeps {
  registry: ThreadRegistry;
  list: ConversationListStore;
  /** A new (non-temporary) conversation started in `store` exists now. */
  opened(conversationId: string, store: ThreadStore): void;
  /** The model new turns use. */
  model(): string;
  /** Settings → "Keep generating when I leave": new answers are written on the server whatever this page does. */
  keepGenerating(): boolean;
}

/** The title the server gives a conversation that has none yet. */
const untitled = 'New chat';

export class ChatController {
  private readonly running = new Map<ThreadStore, ChatTurn>();
  private readonly hooks: ChatTurnHooks;

  constructor(private readonly deps: ControllerDeps) {
    this.hooks = {
      conversationKnown: (store, id, isNew) => this.conversationKnown(store, id, isNew),
      answered: (store, id, messageId, wantsTitle) => this.answered(store, id, messageId, wantsTitle),
    };
  }

  isBusy(store: ThreadStore): boolean {
    return this.running.has(store);
  }

  /** Sends `text` as the next user message (the first one starts the conversation). */
  send(store: ThreadStore, text: string, options: SendOptions): void {
    if (this.isBusy(store)) return;
    const view = store.getView();
    const isNew = view.conversationId === null;
    if (isNew) {
      store.startTree(clientMessageId());
      store.updateMeta({ isTemporary: options.temporary });
    }
    this.nextTurn(store, text, this.dropUnanswered(store), {
      ...options,
      suggestions: isNew ? options.suggestions : [],
      temporary: isNew ? options.temporary : view.isTemporary,
    });
  }

  /** A user message left unanswered by a failed send is replaced by the next one: returns the parent to use. */
  private dropUnanswered(store: ThreadStore): string {
    const { nodes, currentNode } = store.getTree();
    const node = nodes.get(currentNode);
    if (node?.message?.role !== 'user' || node.children.length > 0 || !node.parentId) return currentNode;
    store.updateMeta({ threadError: null });
    store.removeLeaf(node.id);
    return node.parentId;
  }

  /** Sends an edited version of user message `item` as a new branch beside it. */
  edit(store: ThreadStore, item: DisplayItem, text: string): void {
    const parent = store.getTree().nodes.get(item.key)?.parentId;
    if (this.isBusy(store) || !parent) return;
    const view = store.getView();
    this.nextTurn(store, text, parent, { model: this.deps.model(), suggestions: [], temporary: view.isTemporary });
  }

  private nextTurn(store: ThreadStore, text: string, parent: string, options: SendOptions, id = clientMessageId()) {
    const view = store.getView();
    this.start({
      store,
      request: {
        action: 'next',
        message: { id, text },
        conversationId: view.conversationId,
        parentMessageId: parent,
        model: options.model,
        suggestions: options.suggestions,
        temporary: options.temporary,
      },
      userNode: {
        id,
        parentId: parent,
        children: [],
        message: {
          id,
          role: 'user',
          text,
          status: 'complete',
          finishType: null,
          modelSlug: null,
          errorText: null,
        },
      },
      answerParent: id,
      retry: () => this.retrySend(store, id, text, parent, options),
    });
  }

  /**
   * A turn that failed before any answer: send the same message again — same id, same parent (for a new
   * conversation, the same root). The server takes it as a retry of the same turn and never stores a
   * second copy: if the first attempt got as far as starting an answer, the page is attached to it.
   */
  private retrySend(store: ThreadStore, userId: string, text: string, parent: string, options: SendOptions): void {
    if (this.isBusy(store)) return;
    store.updateMeta({ threadError: null });
    if (store.getTree().nodes.get(userId)?.children.length === 0) store.removeLeaf(userId);
    this.nextTurn(store, text, parent, options, userId);
  }

  /** Asks for another answer to the user message above assistant `item` (action `variant`). */
  regenerate(store: ThreadStore, item: DisplayItem): void {
    const nodes = store.getTree().nodes;
    const userId = nodes.get(item.key)?.parentId;
    const user = userId ? nodes.get(userId) : undefined;
    if (userId && !user && store.getView().olderAbove === userId) {
      // The answer is the oldest loaded message: its question is in the window above.
      this.deps.registry.loadOlder(store).then(
        () => this.regenerate(store, item),
        () => {},
      );
      return;
    }
    const conversationId = store.getView().conversationId;
    if (this.isBusy(store) || !user?.message || !user.parentId || !conversationId) return;
    this.start({
      store,
      request: {
        action: 'variant',
        message: { id: user.id, text: user.message.text },
        conversationId,
        parentMessageId: user.parentId,
        model: this.deps.model(),
        suggestions: [],
        temporary: store.getView().isTemporary,
      },
      userNode: null,
      answerParent: user.id,
      retry: () => this.regenerate(store, item),
    });
  }

  /** "Continue generating" after an answer cut by the token limit (action `continue`). */
  continueAnswer(store: ThreadStore): void {
    const view = store.getView();
    const lastKey = view.keys.at(-1);
    const last = lastKey === undefined ? undefined : store.getItem(lastKey);
    if (this.isBusy(store) || !view.canContinue || !last || !view.conversationId) return;
    this.start({
      store,
      request: {
        action: 'continue',
        message: null,
        conversationId: view.conversationId,
        parentMessageId: last.id,
        model: this.deps.model(),
        suggestions: [],
        temporary: view.isTemporary,
      },
      userNode: null,
      answerParent: last.id,
      retry: () => this.continueAnswer(store),
    });
  }

  stop(store: ThreadStore): void {
    this.running.get(store)?.stop();
  }

  /**
   * `conversation` was just loaded into `store`. If its answer is still being written, follow it: the
   * same message streams on, with Stop working for every page that shows it. If its first answer ended
   * after the page that sent it had gone, nobody asked for a title yet: ask now.
   */
  opened(store: ThreadStore, conversation: WireConversation): void {
    const writing = answerBeingWritten(conversation);
    const answerId = writing ?? conversation.current_node;
    const wantsTitle = conversation.title === untitled && isFirstAnswer(store.getTree().nodes, answerId);
    if (writing === null) {
      const answered = store.getTree().nodes.get(answerId)?.message?.role === 'assistant';
      if (wantsTitle && answered) this.answered(store, conversation.conversation_id, answerId, true).catch(() => {});
      return;
    }
    if (this.isBusy(store)) return;
    const plan: AttachPlan = { store, conversationId: conversation.conversation_id, answerId, wantsTitle };
    store.updateMessage(answerId, { status: 'streaming', finishType: null });
    this.run(store, ChatTurn.attach(plan, this.hooks));
  }

  /**
   * Shows the previous (-1) or next (+1) sibling of `item` and tells the server (current_node). A
   * sibling whose branch is not loaded (the thread holds windows of one branch) is loaded first.
   */
  switchBranch(store: ThreadStore, item: DisplayItem, step: -1 | 1): void {
    const { nodes } = store.getTree();
    const siblings = visibleSiblings(nodes, item.key);
    const target = siblings[siblings.indexOf(item.key) + step];
    const conversationId = store.getView().conversationId;
    if (this.isBusy(store) || target === undefined || !conversationId) return;
    patchConversation(conversationId, { current_node: target }).catch(() => {});
    const leaf = nodes.has(target) ? latestLeaf(nodes, target) : null;
    if (leaf !== null && nodes.get(leaf)?.children.length === 0) {
      store.setCurrentNode(leaf);
      return;
    }
    this.deps.registry.loadBranch(store, target).catch((error: unknown) => {
      store.updateMeta({ threadError: { text: describeError(error), retry: null } });
    });
  }

  /**
   * Shows `messageId` (a search hit): when it is not on the displayed branch, the branch through it
   * — down to its newest leaf, as the server picks — is shown and saved as `current_node`. Returns
   * the `data-message-id` of the row showing it, or null when it is not a visible message.
   */
  async reveal(store: ThreadStore, messageId: string): Promise<string | null> {
    // A message off the loaded windows, or a branch not loaded down to its leaf: the whole tree is needed.
    if (store.rowIdOf(messageId) === null && !isWholeTree(store.getTree().nodes)) {
      await this.deps.registry.loadWhole(store);
    }
    return this.revealLoaded(store, messageId);
  }

  private revealLoaded(store: ThreadStore, messageId: string): string | null {
    const { nodes } = store.getTree();
    const conversationId = store.getView().conversationId;
    if (!nodes.get(messageId)?.message) return null;
    if (store.rowIdOf(messageId) === null && !this.isBusy(store) && conversationId) {
      const leaf = latestLeaf(nodes, messageId);
      store.setCurrentNode(leaf);
      patchConversation(conversationId, { current_node: leaf }).catch(() => {});
    }
    return store.rowIdOf(messageId);
  }

  async rate(store: ThreadStore, item: DisplayItem, rating: Rating): Promise<void> {
    const conversationId = store.getView().conversationId;
    if (!conversationId) return;
    store.setFeedback(item.id, rating);
    await sendFeedback(conversationId, item.id, rating);
  }

  private start(plan: Omit<ChatTurnPlan, 'background'>): void {
    this.run(plan.store, ChatTurn.send({ ...plan, background: this.deps.keepGenerating() }, this.hooks));
  }

  private run(store: ThreadStore, turn: ChatTurn): void {
    this.running.set(store, turn);
    // The thread is free again as soon as the answer ends: the follow-up requests (history, title) must
    // not swallow a click on "Continue generating" or a new message sent right away.
    void turn
      .run()
      .finally(() => this.running.delete(store))
      .then(() => turn.afterAnswer());
  }

  private conversationKnown(store: ThreadStore, conversationId: string, isNew: boolean): void {
    if (isNew) {
      store.updateMeta({ conversationId, phase: 'ready' });
      this.deps.registry.remember(conversationId, store);
      if (!store.getView().isTemporary) this.deps.opened(conversationId, store);
    }
    void this.deps.list.refreshFirstPage();
  }

  private async answered(store: ThreadStore, conversationId: string, messageId: string, wantsTitle: boolean) {
    if (!wantsTitle || store.getView().isTemporary) return;
    try {
      const title = await generateTitle(conversationId, messageId);
      if (title === null) return;
      store.updateMeta({ title });
      this.deps.list.setTitle(conversationId, title, true);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
    }
  }
}
