/**
 * The share part of the Store seam: share links, each a frozen snapshot of one branch of a
 * conversation (docs/decisions/2026-12-02-share-links.md). Every write and the owner's reads take the
 * owner's user id; the one read without it (`getPublicShare`) returns only what anyone may see.
 */
import type { MessageRecord } from './conversation-store.js';

export interface ShareRecord {
  /** The share id, also the `conversation_id` of the public read. */
  id: string;
  ownerId: string;
  conversationId: string;
  /** The title as shared (or as patched since). */
  title: string;
  /** The shared node: the snapshot's last message. */
  currentNode: string;
  /** The conversation's model slug when shared; null when unknown. */
  model: string | null;
  isPublic: boolean;
  isVisible: boolean;
  /** When false, the owner's display name is shown with the share. */
  isAnonymous: boolean;
  highlightedMessageId: string | null;
  /** The branch root → `currentNode` as it was when shared, root first. */
  snapshot: MessageRecord[];
  /** Float epoch seconds. */
  createTime: number;
  updateTime: number;
}

/** The fields a share's owner may change, and what sharing again refreshes. */
export type SharePatch = Partial<
  Pick<
    ShareRecord,
    | 'title'
    | 'currentNode'
    | 'model'
    | 'isPublic'
    | 'isVisible'
    | 'isAnonymous'
    | 'highlightedMessageId'
    | 'snapshot'
    | 'updateTime'
  >
>;

export interface ShareListQuery {
  offset: number;
  limit: number;
}

export interface ShareStore {
  /** Inserts a share; a second share of the same conversation throws `DuplicateKeyError`. */
  createShare(share: ShareRecord): Promise<void>;
  /** The owner's share, whatever its visibility; undefined for a share of another owner. */
  getShare(ownerId: string, id: string): Promise<ShareRecord | undefined>;
  /** The owner's share of `conversationId`, if any. */
  getShareOfConversation(ownerId: string, conversationId: string): Promise<ShareRecord | undefined>;
  /**
   * A share anyone may read: public, visible, of a conversation its owner has not deleted, and of an
   * account not disabled. Undefined otherwise.
   */
  getPublicShare(id: string): Promise<ShareRecord | undefined>;
  /** The owner's shares of conversations not deleted, newest first; `total` counts all of them. */
  listShares(ownerId: string, query: ShareListQuery): Promise<{ items: ShareRecord[]; total: number }>;
  /** False (nothing written) when the owner has no such share. */
  updateShare(ownerId: string, id: string, patch: SharePatch): Promise<boolean>;
  /** False when the owner has no such share. */
  deleteShare(ownerId: string, id: string): Promise<boolean>;
}
