/**
 * The conversation part of the Store seam: conversations and their message trees. Every method takes
 * the owner's user id first; a row of another owner looks exactly like a missing row.
 */

/**
 * Wire fields of an imported message or conversation that the columns cannot hold as they were
 * (migration 008): `set` replaces or adds keys of the wire object, `absent` removes keys the export did
 * not have. Absent for everything backchat writes itself.
 */
export interface WireExtras {
  set?: Record<string, unknown>;
  absent?: string[];
}

/** Status values of a message, as on the wire. */
export type MessageStatus = 'in_progress' | 'finished_successfully' | 'finished_partial_completion';

/** `root` is the mapping's root node (wire `message: null`); the rest are wire roles. */
export type MessageRole = 'root' | 'system' | 'user' | 'assistant' | 'tool';

export interface ConversationRecord {
  id: string;
  ownerId: string;
  /** null until generated or set; shown as "New chat". */
  title: string | null;
  createTime: number;
  updateTime: number;
  /** Id of the leaf last produced or chosen. */
  currentNode: string;
  rootId: string;
  isArchived: boolean;
  /** false after `PATCH {is_visible:false}` (soft delete). */
  isVisible: boolean;
  /** history_and_training_disabled: never listed, purged after the retention time. */
  isTemporary: boolean;
  defaultModel: string | null;
  timezoneOffsetMin: number;
  conversationMode: Record<string, unknown>;
  /** The starter prompts shown when the conversation began (first turn's `suggestions`). */
  suggestions: string[];
  /** Imported wire fields kept verbatim; absent for backchat's own conversations. */
  extras?: WireExtras;
}

export interface NewConversation {
  id: string;
  ownerId: string;
  title: string | null;
  createTime: number;
  rootId: string;
  currentNode: string;
  isTemporary: boolean;
  defaultModel: string | null;
  timezoneOffsetMin: number;
  conversationMode: Record<string, unknown>;
  suggestions: string[];
}

/** A message's place in its tree, without its contents (`listMessageLinks`). */
export interface MessageLink {
  /** Its place in insertion order: a position to read on from (`listMessagesAfter`). */
  seq: number;
  id: string;
  parentId: string | null;
}

export interface MessageRecord {
  id: string;
  conversationId: string;
  /** null only for the root node. */
  parentId: string | null;
  role: MessageRole;
  authorName: string | null;
  contentType: string;
  /** Strings for `text`; kept as parsed JSON for other content types. */
  parts: unknown[];
  status: MessageStatus;
  endTurn: boolean | null;
  weight: number;
  metadata: Record<string, unknown>;
  recipient: string;
  modelSlug: string | null;
  /** null for the root and the hidden system node. */
  createTime: number | null;
  updateTime: number | null;
  /** Imported wire fields kept verbatim (e.g. a non-text content object); absent for backchat's own. */
  extras?: WireExtras;
}

/**
 * A message with its JSON columns as the text they hold — what `JSON.stringify` wrote (the store's only
 * writer of them) — for writing wire JSON without parsing and serialising them again.
 */
export type MessageText = Omit<MessageRecord, 'parts' | 'metadata' | 'extras'> & {
  /** `parts` as JSON text. */
  parts: string;
  /** `metadata` as JSON text. */
  metadata: string;
  /** `extras` as JSON text; absent for backchat's own messages. */
  extras?: string;
};

export interface ConversationListQuery {
  offset: number;
  limit: number;
  /** Archived conversations only when true; unarchived only when false. */
  archived: boolean;
}

export interface ConversationPatch {
  title?: string;
  isVisible?: boolean;
  isArchived?: boolean;
  currentNode?: string;
  updateTime?: number;
}

export interface MessagePatch {
  parts?: unknown[];
  status?: MessageStatus;
  endTurn?: boolean | null;
  metadata?: Record<string, unknown>;
  updateTime?: number | null;
  createTime?: number | null;
}

export interface ConversationStore {
  // conversations (always scoped by owner)
  createConversation(conversation: NewConversation): Promise<ConversationRecord>;
  /** Hidden and temporary conversations are returned too: the caller decides what they mean. */
  getConversation(ownerId: string, id: string): Promise<ConversationRecord | undefined>;
  /** Visible, non-temporary conversations, newest `update_time` first; `total` counts all matches. */
  listConversations(
    ownerId: string,
    query: ConversationListQuery,
  ): Promise<{ items: ConversationRecord[]; total: number }>;
  updateConversation(ownerId: string, id: string, patch: ConversationPatch): Promise<boolean>;
  /** Sets title only where it is still null; returns false if it already had one. */
  setTitleIfUntitled(ownerId: string, id: string, title: string): Promise<boolean>;
  /** Soft-deletes (is_visible=false) every conversation of the owner; returns how many. */
  hideAllConversations(ownerId: string, updateTime: number): Promise<number>;
  /** Archives every visible, unarchived conversation of the owner, keeping update_time; returns how many. */
  archiveAllConversations(ownerId: string): Promise<number>;
  /** Hard-deletes temporary conversations whose update_time is older than `before`; returns how many. */
  purgeTemporaryConversations(before: number): Promise<number>;

  // messages (always scoped by owner)
  /**
   * Inserts into the owner's conversation; returns false (nothing written) when the owner has no such
   * conversation. The parent must already exist in the same conversation (`MissingReferenceError`
   * otherwise), a conversation has one root (parentId null), and (conversationId, id) is unique
   * (`DuplicateKeyError`). Ids are stored verbatim and need only be unique within a conversation.
   */
  insertMessage(ownerId: string, message: MessageRecord): Promise<boolean>;
  /**
   * `insertMessage` for several messages of one conversation, in order (a parent may come earlier in
   * the same call), in one statement: all or none.
   */
  insertMessages(ownerId: string, messages: MessageRecord[]): Promise<boolean>;
  getMessage(ownerId: string, conversationId: string, id: string): Promise<MessageRecord | undefined>;
  /** All messages of a conversation in insertion order. */
  listMessages(ownerId: string, conversationId: string): Promise<MessageRecord[]>;
  /** Up to `limit` messages' ids, parents and places (`seq`) after `afterSeq` (0: from the first), in insertion order. */
  listMessageLinks(ownerId: string, conversationId: string, afterSeq: number, limit: number): Promise<MessageLink[]>;
  /** Up to `limit` messages after the one at `afterSeq` (0: from the first), in insertion order. */
  listMessagesAfter(ownerId: string, conversationId: string, afterSeq: number, limit: number): Promise<MessageRecord[]>;
  /** The same messages with their JSON columns as text (`MessageText`): a long conversation's pages of wire JSON. */
  listMessageTextsAfter(
    ownerId: string,
    conversationId: string,
    afterSeq: number,
    limit: number,
  ): Promise<MessageText[]>;
  /**
   * The path from the root down to `leafId` inclusive (one recursive query), root first; with
   * `maxMessages`, only its last `maxMessages` messages (the walk up stops there).
   */
  pathToMessage(
    ownerId: string,
    conversationId: string,
    leafId: string,
    maxMessages?: number,
  ): Promise<MessageRecord[]>;
  /**
   * `pathToMessage` with the JSON columns as text (`MessageText`) and the child ids of each of its
   * messages, in insertion order (messages without children are absent): what a conversation window
   * writes as wire JSON. One statement on PostgreSQL.
   */
  pathWithChildIds(
    ownerId: string,
    conversationId: string,
    leafId: string,
    maxMessages?: number,
  ): Promise<{ path: MessageText[]; childIds: Map<string, string[]> }>;
  /**
   * The leaf reached from `nodeId` by following the newest child at each step (`nodeId` itself when it
   * has none); undefined when the conversation has no such message.
   */
  newestLeafUnder(ownerId: string, conversationId: string, nodeId: string): Promise<string | undefined>;
  /** The oldest child of `parentId` (under the root: the system message), one read; undefined when none. */
  firstChild(ownerId: string, conversationId: string, parentId: string): Promise<MessageRecord | undefined>;
  /** Child message ids of `parentId`, in insertion order. */
  listChildIds(ownerId: string, conversationId: string, parentId: string): Promise<string[]>;
  updateMessage(ownerId: string, conversationId: string, id: string, patch: MessagePatch): Promise<boolean>;
  /** Deletes the message and its whole subtree (descendants). */
  deleteMessage(ownerId: string, conversationId: string, id: string): Promise<boolean>;
}
