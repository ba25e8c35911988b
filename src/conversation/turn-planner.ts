/**
 * Plans and commits the rows of one turn (POST /backend-api/conversation) in one transaction:
 * the conversation (if new), the user message (unless variant/continue) and the assistant
 * message `in_progress`. Nothing is streamed before this commits.
 */
import { ConflictError, InvalidRequestError, NotFoundError } from '../domain-errors.js';
import type { Ids } from '../ids.js';
import type { ModelInfo } from '../providers/model-provider.js';
import type {
  ConversationRecord,
  ConversationStore,
  GenerationStore,
  MessageRecord,
  MessageRole,
  NewConversation,
} from '../store/store.js';
import { type PathSource, promptPath } from './prompt-builder.js';

export type TurnAction = 'next' | 'variant' | 'continue';

/** The normalised turn request, defaults applied (docs/api.md, "One turn"). */
export interface TurnInput {
  userId: string;
  action: TurnAction;
  conversationId: string | null;
  parentMessageId: string | null;
  /** The user message of `next`/`variant`; null for `continue`. */
  message: { id: string | null; parts: string[] } | null;
  model: ModelInfo;
  timezoneOffsetMin: number;
  suggestions: string[];
  temporary: boolean;
  conversationMode: Record<string, unknown>;
  /** Float epoch seconds. */
  now: number;
  /** The answer's lease: the process that writes it and until when (renewed while it runs). */
  lease: { instanceId: string; expireTime: number };
}

export interface TurnPlan {
  conversation: ConversationRecord;
  model: ModelInfo;
  isNewConversation: boolean;
  /** The in-progress assistant message that will receive the reply. */
  assistant: MessageRecord;
}

/**
 * A `next` that repeats one already received (same user message id under the same parent): a client
 * retrying after a dropped connection. `answer` is that message's first answer, live or ended.
 */
export interface RetriedTurn {
  conversation: ConversationRecord;
  answer: MessageRecord;
}

export const conversationNotFound = (): NotFoundError =>
  new NotFoundError('Conversation not found', 'conversation_not_found');

function messageNotFound(id: string): NotFoundError {
  return new NotFoundError(`Message ${id} not found in this conversation`, 'message_not_found');
}

function newMessage(
  conversationId: string,
  fields: Partial<MessageRecord> & { id: string; parentId: string | null; role: MessageRole },
): MessageRecord {
  return {
    conversationId,
    authorName: null,
    contentType: 'text',
    parts: [''],
    status: 'finished_successfully',
    endTurn: null,
    weight: 1,
    metadata: {},
    recipient: 'all',
    modelSlug: null,
    createTime: null,
    updateTime: null,
    ...fields,
  };
}

/**
 * A first turn's new conversation, made from the request alone: its row, and its root, system message
 * and user message — the whole history of its prompt, known before anything is read, so the model can
 * be asked before the turn's transaction begins (`ConversationService.startTurn`).
 */
export interface FirstTurnDraft {
  conversation: NewConversation;
  /** Root, system message, the request's user message. */
  path: [MessageRecord, MessageRecord, MessageRecord];
}

/** The draft of a first turn (`action` `next` without a `conversation_id`). */
export function draftFirstTurn(ids: Ids, input: TurnInput): FirstTurnDraft {
  const { userId, now } = input;
  const id = ids.uuid();
  const rootId = input.parentMessageId ?? ids.uuid();
  const systemId = ids.uuid();
  const conversation: NewConversation = {
    id,
    ownerId: userId,
    title: null,
    createTime: now,
    rootId,
    currentNode: systemId,
    isTemporary: input.temporary,
    defaultModel: input.model.slug,
    timezoneOffsetMin: input.timezoneOffsetMin,
    conversationMode: input.conversationMode,
    suggestions: input.suggestions,
  };
  const root = newMessage(id, { id: rootId, parentId: null, role: 'root', parts: [] });
  const system = newMessage(id, {
    id: systemId,
    parentId: rootId,
    role: 'system',
    endTurn: true,
    weight: 0,
    metadata: { is_visually_hidden_from_conversation: true },
  });
  // The system message takes the root's place as the user message's parent (`userMessageParent`).
  return { conversation, path: [root, system, userMessage(id, input, system.id, input.message?.id ?? ids.uuid())] };
}

/** The request's user message of `next`, under `parentId`. */
function userMessage(conversationId: string, input: TurnInput, parentId: string, id: string): MessageRecord {
  return newMessage(conversationId, {
    id,
    parentId,
    role: 'user',
    parts: input.message?.parts ?? [''],
    createTime: input.now,
    metadata: { timestamp_: 'absolute', message_type: null },
  });
}

export class TurnPlanner {
  /**
   * Messages planned but not yet written, written with the answer in one statement: a new
   * conversation's root and system message, the user message of `next`.
   */
  private readonly unsaved: MessageRecord[] = [];
  /**
   * The path from the root to the new user message's parent (`next`): read, or the root and system
   * message of a conversation this plan creates.
   */
  private parentPath: MessageRecord[] | undefined;
  /** The root's first child (its system message), once looked up; null when there is none. */
  private systemRecord: MessageRecord | null | undefined;
  /** The conversation this plan creates, written when the answer starts. */
  private createdConversation: NewConversation | undefined;

  constructor(
    private readonly tx: ConversationStore & GenerationStore,
    private readonly ids: Ids,
    private readonly input: TurnInput,
    /**
     * Called with the prompt's history (root side first) once it is known and before the turn's rows are
     * written, so the model can be asked while they are (the caller undoes that if they never commit);
     * the rows are written once what it returns has settled.
     */
    private readonly beforeWrite: (path: MessageRecord[]) => void | Promise<void>,
    /**
     * A first turn's draft whose prompt the model was asked already: written as it is, unless the turn
     * turns out to repeat an earlier one (then the caller's reply to it is replaced or stopped).
     */
    private readonly asked?: FirstTurnDraft,
  ) {}

  /** The turn's rows, committed by the caller's transaction; or the earlier turn this one repeats. */
  async plan(): Promise<TurnPlan | RetriedTurn> {
    const { action, message, userId, conversationId, parentMessageId } = this.input;
    if (action === 'next' && message?.id) {
      // The same request sent twice at once (a client retrying while the first is in flight).
      await this.tx.lockTurn(`${userId}\n${conversationId ?? parentMessageId}\n${message.id}`);
    }
    const { conversation, isNew, stored, user } = await this.conversation();
    const retried = isNew ? undefined : await this.retriedUserMessage(conversation, stored);
    if (retried) {
      const answer = await this.firstAnswer(conversation, retried);
      if (answer) return { conversation, answer };
    }
    const parent = retried ?? user ?? (await this.assistantParent(conversation));
    const assistant = newMessage(conversation.id, {
      id: this.ids.uuid(),
      parentId: parent.id,
      role: 'assistant',
      status: 'in_progress',
      modelSlug: this.input.model.slug,
      createTime: this.input.now,
      metadata: { message_type: this.input.action, model_slug: this.input.model.slug, parent_id: parent.id },
    });
    // For `next`, the history is the user message's parent's path (read already) and the user message.
    const path = this.parentPath ? [...this.parentPath, parent] : await this.promptPath(conversation, parent.id);
    if (!(isNew && this.asked)) await this.beforeWrite(path);
    // A new conversation (its row, root and system message), the new user message (for `next`), the
    // answer under it, its lease and the current node: one statement on PostgreSQL.
    const started = await this.tx.startAnswer(this.input.userId, {
      conversation: this.createdConversation,
      messages: [...this.unsaved.splice(0), assistant],
      lease: {
        conversationId: conversation.id,
        messageId: assistant.id,
        ownerId: this.input.userId,
        instanceId: this.input.lease.instanceId,
        startTime: this.input.now,
        leaseExpireTime: this.input.lease.expireTime,
      },
      currentNode: assistant.id,
      updateTime: this.input.now,
    });
    if (!started) throw conversationNotFound();
    const planned = { ...conversation, currentNode: assistant.id };
    return { conversation: planned, model: this.input.model, isNewConversation: isNew, assistant };
  }

  /**
   * The turn's conversation; `stored` is the request's user message when looking for it found it, `user`
   * the new user message of a conversation this turn creates.
   */
  private async conversation(): Promise<{
    conversation: ConversationRecord;
    isNew: boolean;
    stored?: MessageRecord;
    user?: MessageRecord;
  }> {
    const { conversationId, action, userId, parentMessageId, message } = this.input;
    if (conversationId === null) {
      if (action !== 'next') throw new InvalidRequestError(`conversation_id: required for action "${action}"`);
      // A first turn sent again (same root and message ids) is the conversation it already made.
      const earlier =
        parentMessageId && message?.id
          ? await this.tx.findConversationIdByRoot(userId, parentMessageId, message.id)
          : undefined;
      const conversation = earlier === undefined ? undefined : await this.tx.getConversation(userId, earlier);
      const stored =
        conversation?.isVisible && message?.id
          ? await this.tx.getMessage(userId, conversation.id, message.id)
          : undefined;
      if (conversation && stored && this.sameText(stored)) return { conversation, isNew: false, stored };
      return { ...this.createConversation(), isNew: true };
    }
    return { conversation: await this.visibleConversation(conversationId), isNew: false };
  }

  private async visibleConversation(id: string): Promise<ConversationRecord> {
    const conversation = await this.tx.getConversation(this.input.userId, id);
    if (!conversation?.isVisible) throw conversationNotFound();
    return conversation;
  }

  /**
   * For `next`: the user message this request repeats, if the same id already exists under the same
   * parent with the same text (a retry). The same id otherwise is a conflict: the client reused an id.
   */
  private async retriedUserMessage(
    conversation: ConversationRecord,
    stored: MessageRecord | undefined,
  ): Promise<MessageRecord | undefined> {
    const { action, message, userId, parentMessageId } = this.input;
    if (action !== 'next' || !message?.id) return undefined;
    const existing = stored ?? (await this.tx.getMessage(userId, conversation.id, message.id));
    if (!existing) return undefined;
    const sameParent =
      parentMessageId === null ||
      existing.parentId === parentMessageId ||
      (parentMessageId === conversation.rootId && existing.parentId === (await this.systemNode(conversation)));
    if (!sameParent || !this.sameText(existing)) {
      throw new ConflictError(`Message ${message.id} already exists in this conversation; send a new message id`);
    }
    return existing;
  }

  /** Whether `stored` is the request's user message: a user message with the same text. */
  private sameText(stored: MessageRecord): boolean {
    const { message } = this.input;
    return stored.role === 'user' && JSON.stringify(stored.parts) === JSON.stringify(message?.parts);
  }

  /** The first assistant answer under `user` (the one the original request produced), if any. */
  private async firstAnswer(conversation: ConversationRecord, user: MessageRecord): Promise<MessageRecord | undefined> {
    const { userId } = this.input;
    for (const id of await this.tx.listChildIds(userId, conversation.id, user.id)) {
      const child = await this.tx.getMessage(userId, conversation.id, id);
      if (child?.role === 'assistant') return child;
    }
    return undefined;
  }

  /** The new conversation (the asked draft, else a new one) and its user message, written with the answer. */
  private createConversation(): { conversation: ConversationRecord; user: MessageRecord } {
    const draft = this.asked ?? draftFirstTurn(this.ids, this.input);
    const [root, system, user] = draft.path;
    // Written with its messages and the answer's lease (plan()): one statement on PostgreSQL.
    this.createdConversation = draft.conversation;
    this.unsaved.push(root, system, user);
    this.parentPath = [root, system];
    const { now } = this.input;
    return { conversation: { ...draft.conversation, updateTime: now, isArchived: false, isVisible: true }, user };
  }

  /** The message the new assistant message hangs under; for `next`, the new user message (not yet saved). */
  private async assistantParent(conversation: ConversationRecord): Promise<MessageRecord> {
    switch (this.input.action) {
      case 'next':
        return this.insertUserMessage(conversation);
      case 'variant':
        return this.existing(conversation, this.input.message?.id ?? null, 'user', 'variant');
      case 'continue':
        return this.existing(
          conversation,
          this.input.parentMessageId ?? conversation.currentNode,
          'assistant',
          'continue',
        );
    }
  }

  private async existing(
    conversation: ConversationRecord,
    id: string | null,
    role: MessageRole,
    action: TurnAction,
  ): Promise<MessageRecord> {
    if (id === null) throw new InvalidRequestError(`messages.0.id: required for action "${action}"`);
    const message = await this.tx.getMessage(this.input.userId, conversation.id, id);
    if (!message) throw messageNotFound(id);
    if (message.role !== role) {
      throw new InvalidRequestError(
        `Message ${id} is a ${message.role} message; action "${action}" needs a ${role} message`,
      );
    }
    return message;
  }

  private async insertUserMessage(conversation: ConversationRecord): Promise<MessageRecord> {
    const { message } = this.input;
    const parent = await this.userMessageParent(conversation);
    const user = userMessage(conversation.id, this.input, parent.id, message?.id ?? this.ids.uuid());
    // Written together with the answer under it (plan()).
    this.unsaved.push(user);
    return user;
  }

  /** The client's parent, else the current node; the root's place is taken by its system node. */
  private async userMessageParent(conversation: ConversationRecord): Promise<MessageRecord> {
    const { parentMessageId } = this.input;
    const chosen =
      parentMessageId === conversation.rootId
        ? await this.systemNode(conversation)
        : (parentMessageId ?? conversation.currentNode);
    // The path down to the parent both proves it exists and is the prompt's history (one read, not two).
    const path = await this.promptPath(conversation, chosen);
    const parent = path.at(-1);
    if (parent?.id !== chosen) throw messageNotFound(chosen);
    this.parentPath = path;
    return parent;
  }

  /** As much of the path down to `leafId` as a prompt for the turn's model can use (prompt-builder.ts). */
  private async promptPath(conversation: ConversationRecord, leafId: string): Promise<MessageRecord[]> {
    const { userId, model } = this.input;
    const source: PathSource = {
      path: (leaf, maxMessages) => this.tx.pathToMessage(userId, conversation.id, leaf, maxMessages),
      systemMessage: () => this.systemMessage(conversation),
    };
    return promptPath(source, leafId, model, conversation.id);
  }

  /** The root's first child, node and row in one read, looked up once per plan. */
  private async systemMessage(conversation: ConversationRecord): Promise<MessageRecord | undefined> {
    if (this.systemRecord === undefined) {
      this.systemRecord = (await this.tx.firstChild(this.input.userId, conversation.id, conversation.rootId)) ?? null;
    }
    return this.systemRecord ?? undefined;
  }

  /** Where the root's place is taken: its system node, or the root itself when it has none. */
  private async systemNode(conversation: ConversationRecord): Promise<string> {
    return (await this.systemMessage(conversation))?.id ?? conversation.rootId;
  }
}
