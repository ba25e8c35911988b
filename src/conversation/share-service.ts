/**
 * Share links (docs/decisions/2026-12-02-share-links.md): a share is a snapshot of one branch of a
 * conversation, frozen when shared, readable by anyone with the link once public, and copied into a
 * reader's own history by "continue". Every method but the public reads acts as one user.
 */
import type { Clock } from '../clock.js';
import { epochSeconds } from '../clock.js';
import { InvalidRequestError, NotFoundError } from '../domain-errors.js';
import type { Ids } from '../ids.js';
import type { ShareCreateRequest, SharePatchRequest } from '../protocol/share-requests.js';
import type { WireShare, WireSharedConversation, WireSharedConversationList } from '../protocol/share-types.js';
import { UNTITLED } from '../protocol/wire-types.js';
import type {
  AccountStore,
  ConversationRecord,
  ConversationStore,
  MessageRecord,
  SharePatch,
  ShareRecord,
  ShareStore,
  Transactional,
} from '../store/store.js';
import { DuplicateKeyError } from '../store/store-errors.js';
import { toWireShare, toWireSharedConversation, toWireSharedItem } from './share-wire.js';

export interface ShareServiceDeps {
  store: Transactional<ConversationStore & ShareStore & Pick<AccountStore, 'getUserById'>>;
  clock: Clock;
  ids: Ids;
}

const shareNotFound = () => new NotFoundError('Share not found', 'share_not_found');
const conversationNotFound = () => new NotFoundError('Conversation not found', 'conversation_not_found');

/** A frozen branch shows what was written: an answer still being written is kept as a partial one. */
function frozen(message: MessageRecord): MessageRecord {
  return message.status === 'in_progress' ? { ...message, status: 'finished_partial_completion' } : message;
}

/** A snapshot message under its new id in the copy; the ids it names (parent, metadata `parent_id`) follow. */
function copied(message: MessageRecord, conversationId: string, idOf: (id: string) => string): MessageRecord {
  const parentOfTurn = message.metadata.parent_id;
  return {
    ...message,
    id: idOf(message.id),
    conversationId,
    parentId: message.parentId === null ? null : idOf(message.parentId),
    metadata:
      typeof parentOfTurn === 'string' ? { ...message.metadata, parent_id: idOf(parentOfTurn) } : message.metadata,
  };
}

export class ShareService {
  constructor(private readonly deps: ShareServiceDeps) {}

  private now(): number {
    return epochSeconds(this.deps.clock.now());
  }

  /** The caller's visible, non-temporary conversation and its branch root → `nodeId` (404 otherwise). */
  private async branch(userId: string, conversationId: string, nodeId: string) {
    const conversation = await this.deps.store.getConversation(userId, conversationId);
    if (!conversation?.isVisible) throw conversationNotFound();
    if (conversation.isTemporary) throw new InvalidRequestError('Temporary chats cannot be shared');
    const path = await this.deps.store.pathToMessage(userId, conversationId, nodeId);
    if (path.at(-1)?.id !== nodeId || path.length < 2) {
      throw new NotFoundError(`Message ${nodeId} not found in this conversation`, 'message_not_found');
    }
    return { conversation, snapshot: path.map(frozen) };
  }

  /**
   * Shares the branch ending at `current_node_id`. A conversation has one share: sharing it again
   * refreshes that share's snapshot (and title, model, anonymity) and answers `already_exists: true`.
   */
  async create(userId: string, body: ShareCreateRequest, baseUrl: string): Promise<WireShare> {
    const { conversation, snapshot } = await this.branch(userId, body.conversation_id, body.current_node_id);
    try {
      return await this.createOrRefresh(userId, conversation, snapshot, body.is_anonymous, baseUrl);
    } catch (error) {
      // Two shares of one conversation at once: the loser refreshes the winner's.
      if (!(error instanceof DuplicateKeyError && error.table === 'shares')) throw error;
      return this.createOrRefresh(userId, conversation, snapshot, body.is_anonymous, baseUrl);
    }
  }

  private createOrRefresh(
    userId: string,
    conversation: ConversationRecord,
    snapshot: MessageRecord[],
    isAnonymous: boolean,
    baseUrl: string,
  ): Promise<WireShare> {
    const now = this.now();
    const leaf = snapshot.at(-1)?.id ?? conversation.rootId;
    const frozenFields = { title: conversation.title ?? UNTITLED, currentNode: leaf, model: conversation.defaultModel };
    return this.deps.store.transaction(async (tx) => {
      const existing = await tx.getShareOfConversation(userId, conversation.id);
      if (existing) {
        const highlighted = snapshot.some((message) => message.id === existing.highlightedMessageId)
          ? existing.highlightedMessageId
          : null;
        const patch = { ...frozenFields, snapshot, isAnonymous, highlightedMessageId: highlighted, updateTime: now };
        await tx.updateShare(userId, existing.id, patch);
        return toWireShare({ ...existing, ...patch }, baseUrl, true);
      }
      const share: ShareRecord = {
        id: this.deps.ids.uuid(),
        ownerId: userId,
        conversationId: conversation.id,
        ...frozenFields,
        isPublic: false,
        isVisible: true,
        isAnonymous,
        highlightedMessageId: null,
        snapshot,
        createTime: now,
        updateTime: now,
      };
      await tx.createShare(share);
      return toWireShare(share, baseUrl, false);
    });
  }

  async update(userId: string, shareId: string, body: SharePatchRequest, baseUrl: string): Promise<WireShare> {
    if (body.share_id !== undefined && body.share_id !== shareId) {
      throw new InvalidRequestError('share_id: must be the share id of the URL');
    }
    const share = await this.deps.store.getShare(userId, shareId);
    if (!share) throw shareNotFound();
    const highlighted = body.highlighted_message_id;
    if (highlighted && !share.snapshot.some((message) => message.id === highlighted && message.role !== 'root')) {
      throw new InvalidRequestError('highlighted_message_id: must be a message of the shared branch');
    }
    const patch: SharePatch = {
      ...(body.title !== undefined && { title: body.title }),
      ...(body.is_public !== undefined && { isPublic: body.is_public }),
      ...(body.is_visible !== undefined && { isVisible: body.is_visible }),
      ...(body.is_anonymous !== undefined && { isAnonymous: body.is_anonymous }),
      ...(highlighted !== undefined && { highlightedMessageId: highlighted }),
      updateTime: this.now(),
    };
    if (!(await this.deps.store.updateShare(userId, shareId, patch))) throw shareNotFound();
    return toWireShare({ ...share, ...patch }, baseUrl, false);
  }

  async list(userId: string, query: { offset: number; limit: number }): Promise<WireSharedConversationList> {
    const page = await this.deps.store.listShares(userId, query);
    return {
      items: page.items.map(toWireSharedItem),
      total: page.total,
      limit: query.limit,
      offset: query.offset,
      has_missing_conversations: false,
    };
  }

  /** A share `viewerId` may read: any public one, or their own. */
  private async readable(shareId: string, viewerId: string | undefined): Promise<ShareRecord> {
    const share =
      (await this.deps.store.getPublicShare(shareId)) ??
      (viewerId === undefined ? undefined : await this.ownLive(viewerId, shareId));
    if (!share) throw shareNotFound();
    return share;
  }

  /** The viewer's own share, unless its conversation was deleted. */
  private async ownLive(userId: string, shareId: string): Promise<ShareRecord | undefined> {
    const share = await this.deps.store.getShare(userId, shareId);
    const conversation = share && (await this.deps.store.getConversation(userId, share.conversationId));
    return conversation?.isVisible ? share : undefined;
  }

  /** True when the share page should open for this viewer (else it answers 404). */
  async canRead(shareId: string, viewerId: string | undefined): Promise<boolean> {
    return this.readable(shareId, viewerId).then(
      () => true,
      (error: unknown) => {
        if (error instanceof NotFoundError) return false;
        throw error;
      },
    );
  }

  async read(shareId: string, viewerId: string | undefined, baseUrl: string): Promise<WireSharedConversation> {
    const share = await this.readable(shareId, viewerId);
    const owner = share.isAnonymous ? undefined : await this.deps.store.getUserById(share.ownerId);
    return toWireSharedConversation(share, baseUrl, owner?.name ?? null);
  }

  async delete(userId: string, shareId: string): Promise<void> {
    if (!(await this.deps.store.deleteShare(userId, shareId))) throw shareNotFound();
  }

  /** Copies the snapshot into a new conversation of `userId`, with new ids; returns its id. */
  async continueShare(userId: string, shareId: string): Promise<{ conversation_id: string }> {
    const share = await this.readable(shareId, userId);
    const { ids } = this.deps;
    const newIds = new Map(share.snapshot.map((message) => [message.id, ids.uuid()]));
    const idOf = (id: string) => newIds.get(id) ?? id;
    const conversationId = ids.uuid();
    const messages = share.snapshot.map((message) => copied(message, conversationId, idOf));
    const root = messages[0];
    const leaf = messages.at(-1);
    if (!root || !leaf) throw shareNotFound();
    await this.deps.store.transaction(async (tx) => {
      await tx.createConversation({
        id: conversationId,
        ownerId: userId,
        title: share.title,
        createTime: this.now(),
        rootId: root.id,
        currentNode: leaf.id,
        isTemporary: false,
        defaultModel: share.model,
        timezoneOffsetMin: 0,
        conversationMode: { kind: 'primary_assistant' },
        suggestions: [],
      });
      await tx.insertMessages(userId, messages);
    });
    return { conversation_id: conversationId };
  }
}
