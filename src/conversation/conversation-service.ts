/**
 * The conversation service: everything the backend-api routes do with conversations, always as
 * one user (the owner id is the first argument of every method).
 */
import type { Clock } from '../clock.js';
import { epochSeconds } from '../clock.js';
import { NotFoundError } from '../domain-errors.js';
import type { Ids } from '../ids.js';
import type { ConversationRequest } from '../protocol/requests.js';
import type { WireConversation, WireConversationList } from '../protocol/wire-types.js';
import type { ServedModel } from '../providers/model-access.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type {
  ConversationRecord,
  ConversationStore,
  GenerationStore,
  MessageLink,
  MessageRecord,
  TelemetryStore,
  Transactional,
} from '../store/store.js';
import { canWriteInPages, conversationJson, readLinks } from './conversation-json.js';
import { conversationWindow, type WindowedConversation, type WindowRequest } from './conversation-window.js';
import { buildPrompt } from './prompt-builder.js';
import { TitleGenerator } from './title-generator.js';
import {
  conversationNotFound,
  draftFirstTurn,
  type RetriedTurn,
  type TurnInput,
  type TurnPlan,
  TurnPlanner,
} from './turn-planner.js';
import { askEarly, chatRequest, type EarlyReply, type TurnEvent, TurnRunner } from './turn-runner.js';
import { toWireConversation, toWireListItem } from './wire-format.js';

export interface ConversationServiceDeps {
  store: Transactional<ConversationStore & GenerationStore & TelemetryStore>;
  providers: ProviderRegistry;
  clock: Clock;
  ids: Ids;
  /** Minimum milliseconds between two checkpoints of a streaming answer (default 1000). */
  checkpointIntervalMs?: number;
  /** This server process, the owner of the answers it writes (their leases). */
  instanceId: string;
  /** How long an answer's lease lasts unrenewed, in milliseconds. */
  leaseMs: number;
}

export interface StartedTurn {
  plan: TurnPlan;
  events(signal: AbortSignal): AsyncGenerator<TurnEvent>;
  /** Removes the assistant message of a turn whose answer never reached the client. */
  discard(): Promise<void>;
}

/** What `startTurn` found to do: a new answer to run, or the earlier turn a retried request repeats. */
export type TurnStart =
  | { kind: 'new'; turn: StartedTurn }
  | { kind: 'retry'; conversationId: string; answer: MessageRecord };

export interface ConversationPatchInput {
  title?: string;
  is_visible?: boolean;
  is_archived?: boolean;
  current_node?: string;
}

/** The largest page `GET conversations` serves (docs/api.md). */
export const maxListLimit = 100;

/** Conversations with more messages than this are written a page at a time by `read`. */
const pagedFrom = 1_000;

/**
 * Messages `read` takes in its first read: most conversations are shorter and are answered from it
 * alone. A longer one is sized by its links next; read whole, it goes on from there; written in pages,
 * its first read was only these few (not a thousand whole messages read for nothing).
 */
const firstRead = 200;

/**
 * How many times a GET reads the conversation and then its messages. A write committed between the two
 * reads can leave them disagreeing: an answer discarded meanwhile (its message deleted, the current
 * node moved back to its parent) leaves a current node that no message read holds. Such a read starts
 * over; the last attempt is answered as read (no write of backchat's leaves a current node missing for
 * good, and the import refuses such a tree, so a third disagreement means writes keep racing the reads).
 */
const readAttempts = 3;

function holdsNode(nodes: readonly { id: string }[], id: string): boolean {
  return nodes.some((node) => node.id === id);
}

/**
 * Resolves once what was queued for the next tick has run. node:http hands a request its pooled
 * socket on the next tick, and SQLite's statements never leave the microtask queue: without this turn
 * the model's request was written to its socket only after the turn's rows were committed (0.75 ms
 * later in a one-token turn, docs/performance.md), not while they were written.
 */
function requestOnItsWay(): Promise<void> {
  return new Promise((resolve) => process.nextTick(resolve));
}

export class ConversationService {
  private readonly titles: TitleGenerator;

  constructor(private readonly deps: ConversationServiceDeps) {
    this.titles = new TitleGenerator(deps);
  }

  private now(): number {
    return epochSeconds(this.deps.clock.now());
  }

  /**
   * Commits the turn's rows and returns its event stream; throws domain errors before anything is sent.
   * `served` is the model the caller resolved for this user (`resolveFor`), once, for the caps and the turn.
   */
  async startTurn(
    userId: string,
    body: ConversationRequest,
    served: ServedModel,
    context: { startMs: number; requestId: string | null },
  ): Promise<TurnStart> {
    const { model, provider } = served;
    const [message] = body.messages ?? [];
    const now = this.now();
    const input: TurnInput = {
      userId,
      action: body.action,
      conversationId: body.conversation_id,
      parentMessageId: body.parent_message_id,
      message: message ? { id: message.id ?? null, parts: message.content.parts } : null,
      model,
      timezoneOffsetMin: body.timezone_offset_min ?? 0,
      suggestions: body.suggestions ?? [],
      temporary: body.history_and_training_disabled ?? false,
      conversationMode: body.conversation_mode ?? { kind: 'primary_assistant' },
      now,
      lease: { instanceId: this.deps.instanceId, expireTime: now + this.deps.leaseMs / 1000 },
    };
    // The model is asked as soon as the prompt is known, while the turn's rows are written and committed;
    // if they never are, the request is stopped. A second ask (a first turn that repeats an earlier
    // one, and whose draft was asked already) replaces the first.
    let early: EarlyReply | undefined;
    const askModel = (path: MessageRecord[]) => {
      early?.abort();
      early = askEarly(provider, chatRequest(model, buildPrompt(path, model)));
      return requestOnItsWay();
    };
    // A first turn's prompt needs nothing from the database: the model is asked before the transaction
    // begins, the lock and the retry check (docs/architecture.md, "One turn").
    const draft =
      input.action === 'next' && input.conversationId === null ? draftFirstTurn(this.deps.ids, input) : undefined;
    let plan: TurnPlan | RetriedTurn;
    try {
      if (draft) await askModel(draft.path);
      plan = await this.deps.store.transaction((tx) =>
        new TurnPlanner(tx, this.deps.ids, input, askModel, draft).plan(),
      );
    } catch (error) {
      early?.abort();
      throw error;
    }
    if ('answer' in plan) {
      // A repeated turn streams the earlier answer: the draft's reply, if one was asked, is not needed.
      early?.abort();
      return { kind: 'retry', conversationId: plan.conversation.id, answer: plan.answer };
    }
    const reply = early;
    if (!reply) throw new Error('a planned turn always asks the model before its rows are written');
    const runner = new TurnRunner(
      {
        store: this.deps.store,
        clock: this.deps.clock,
        ids: this.deps.ids,
        checkpointIntervalMs: this.deps.checkpointIntervalMs ?? 1000,
      },
      { userId, plan, reply, ...context },
    );
    const turn = { plan, events: (signal: AbortSignal) => runner.events(signal) };
    const discard = () => {
      reply.abort();
      return this.discardAnswer(userId, plan);
    };
    return { kind: 'new', turn: { ...turn, discard } };
  }

  private async discardAnswer(userId: string, plan: TurnPlan): Promise<void> {
    await this.deps.store.transaction(async (tx) => {
      await tx.deleteMessage(userId, plan.conversation.id, plan.assistant.id);
      const parentId = plan.assistant.parentId ?? plan.conversation.rootId;
      await tx.updateConversation(userId, plan.conversation.id, { currentNode: parentId });
    });
  }

  async list(
    userId: string,
    query: { offset: number; limit: number; archived: boolean },
  ): Promise<WireConversationList> {
    const limit = Math.min(query.limit, maxListLimit);
    const page = await this.deps.store.listConversations(userId, { ...query, limit });
    return {
      items: page.items.map(toWireListItem),
      total: page.total,
      limit,
      offset: query.offset,
      has_missing_conversations: false,
    };
  }

  /** A visible conversation of this user, or NotFoundError. */
  async visible(userId: string, id: string): Promise<ConversationRecord> {
    const conversation = await this.deps.store.getConversation(userId, id);
    if (!conversation?.isVisible) throw conversationNotFound();
    return conversation;
  }

  /**
   * `GET conversation/{id}`: the wire conversation, or for a long one its JSON text (UTF-8) in pieces
   * written a page of messages at a time (conversation-json.ts) — the same bytes either way.
   */
  async read(userId: string, id: string): Promise<WireConversation | AsyncGenerator<Buffer>> {
    for (let attempt = 1; ; attempt++) {
      const lastAttempt = attempt === readAttempts;
      const conversation = await this.visible(userId, id);
      // One read answers a conversation of up to `firstRead` messages: nothing more is read for it.
      const head = await this.deps.store.listMessagesAfter(userId, id, 0, firstRead + 1);
      const index =
        head.length <= firstRead
          ? undefined
          : await readLinks((afterSeq, limit) => this.deps.store.listMessageLinks(userId, id, afterSeq, limit));
      if (index && index.links.length > pagedFrom && canWriteInPages(conversation, index.links)) {
        if (!lastAttempt && !holdsNode(index.links, conversation.currentNode)) continue;
        return conversationJson(conversation, {
          index,
          page: (afterSeq, limit) => this.deps.store.listMessageTextsAfter(userId, id, afterSeq, limit),
        });
      }
      const messages = index ? await this.wholeAfter(userId, id, head, index.links) : head;
      if (!lastAttempt && !holdsNode(messages, conversation.currentNode)) continue;
      return toWireConversation(conversation, messages);
    }
  }

  /**
   * The whole conversation, `head` (its first messages, read already) and the ones after it: at most
   * as many as `links` counted, so one added since is left out whole, as if read a moment earlier.
   */
  private async wholeAfter(
    userId: string,
    id: string,
    head: MessageRecord[],
    links: readonly MessageLink[],
  ): Promise<MessageRecord[]> {
    const lastId = head.at(-1)?.id;
    const afterSeq = links.find((link) => link.id === lastId)?.seq;
    // The head's last message was removed since (a discarded answer): read it all again.
    if (afterSeq === undefined) return this.deps.store.listMessages(userId, id);
    return [...head, ...(await this.deps.store.listMessagesAfter(userId, id, afterSeq, links.length))];
  }

  /** `GET conversation/{id}?tail=N` (a backchat extension): the last N nodes of a branch and a cursor to older ones. */
  async readWindow(userId: string, id: string, request: WindowRequest): Promise<WindowedConversation> {
    const { store } = this.deps;
    const source = {
      pathWithChildIds: (leafId: string, maxMessages: number) =>
        store.pathWithChildIds(userId, id, leafId, maxMessages),
      newestLeaf: (nodeId: string) => store.newestLeafUnder(userId, id, nodeId),
      all: () => store.listMessages(userId, id),
    };
    // Only the window that ends at the current node must hold it (an anchor or a cursor names its own).
    const endsAtCurrentNode = request.anchor === undefined && request.before === undefined;
    for (let attempt = 1; ; attempt++) {
      const conversation = await this.visible(userId, id);
      const window = await conversationWindow(conversation, source, request);
      const consistent = !endsAtCurrentNode || Object.hasOwn(window.mapping ?? {}, conversation.currentNode);
      if (consistent || attempt === readAttempts) return window;
    }
  }

  async patch(userId: string, id: string, patch: ConversationPatchInput): Promise<void> {
    const conversation = await this.visible(userId, id);
    const currentNode = patch.current_node && (await this.leafUnder(userId, conversation, patch.current_node));
    await this.deps.store.updateConversation(userId, id, {
      ...(patch.title !== undefined && { title: patch.title }),
      ...(patch.is_visible !== undefined && { isVisible: patch.is_visible }),
      ...(patch.is_archived !== undefined && { isArchived: patch.is_archived }),
      ...(currentNode && { currentNode }),
      updateTime: patch.title !== undefined || currentNode ? this.now() : conversation.updateTime,
    });
  }

  /**
   * The newest leaf below `nodeId` (the node itself when it is a leaf): the node, then one walk down the
   * newest children — two index reads however long the conversation is.
   */
  private async leafUnder(userId: string, conversation: ConversationRecord, nodeId: string): Promise<string> {
    const { store } = this.deps;
    const node = await store.getMessage(userId, conversation.id, nodeId);
    const leaf = node && node.role !== 'root' && (await store.newestLeafUnder(userId, conversation.id, nodeId));
    if (!leaf) throw new NotFoundError(`Message ${nodeId} not found in this conversation`, 'message_not_found');
    return leaf;
  }

  async hideAll(userId: string): Promise<void> {
    await this.deps.store.hideAllConversations(userId, this.now());
  }

  /** The ids of the answers being written (by any process) in the user's deleted conversations. */
  liveAnswerIdsInHidden(userId: string): Promise<string[]> {
    return this.deps.store.liveAnswerIdsInHidden(userId);
  }

  async archiveAll(userId: string): Promise<void> {
    await this.deps.store.archiveAllConversations(userId);
  }

  generateTitle(
    userId: string,
    id: string,
    messageId: string | undefined,
  ): Promise<{ title: string } | { message: string }> {
    return this.visible(userId, id).then((conversation) => this.titles.generate(userId, conversation, messageId));
  }

  /** Deletes temporary conversations older than `retentionHours`; returns how many. */
  purgeTemporary(retentionHours: number): Promise<number> {
    return this.deps.store.purgeTemporaryConversations(this.now() - retentionHours * 3600);
  }
}
