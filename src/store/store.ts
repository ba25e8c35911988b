/**
 * The Store seam: every persistent fact of backchat goes through this interface.
 *
 * Contract (checked by test/store/store-contract.test.ts on SQLite and PostgreSQL):
 * - Every conversation/message query takes the owner's user id. A row of another owner is
 *   indistinguishable from a missing row: lookups return `undefined`, updates return `false`.
 * - Times are float epoch seconds (`number`), never Date objects.
 * - JSON columns (parts, metadata, properties…) are parsed/serialised here, never by callers.
 * - Messages keep insertion order (`listMessages` returns them in the order they were inserted),
 *   which is the order of the wire `mapping`.
 * - Errors (src/store/store-errors.ts): a unique violation throws `DuplicateKeyError` (e.g. a taken
 *   email: `table === 'users'`, `columns` includes `'email'`); a missing referenced row (e.g. a
 *   message whose parent does not exist) throws `MissingReferenceError`; text containing U+0000 or an
 *   unpaired surrogate in a plain text column throws `UnsupportedTextError` (JSON columns accept both).
 */

export type Role = 'admin' | 'user';

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  passwordHash: string;
  role: Role;
  disabled: boolean;
  createTime: number;
  /** Model slugs this user may use; null = every model. */
  modelAccess: string[] | null;
}

export interface NewUser {
  id: string;
  email: string;
  name: string;
  passwordHash: string;
  role: Role;
  createTime: number;
}

/** Fields of a user that can change; absent fields are left as they are. */
export interface UserPatch {
  name?: string;
  passwordHash?: string;
  role?: Role;
  disabled?: boolean;
  /** null = every model. */
  modelAccess?: string[] | null;
}

export interface SessionRecord {
  /** SHA-256 hex of the cookie's secret; the secret itself is never stored. */
  tokenHash: string;
  /** Public id: listing, ending one session, the `sid` claim of access tokens minted from it. */
  id: string;
  userId: string;
  createTime: number;
  expireTime: number;
  lastUsedTime: number | null;
  userAgent: string | null;
}

/** A personal access token for API clients; only the SHA-256 of the secret is stored. */
export interface PersonalAccessTokenRecord {
  id: string;
  userId: string;
  name: string;
  tokenHash: string;
  /** The first characters of the token, shown in lists so people can tell tokens apart. */
  prefix: string;
  createTime: number;
  /** null = never expires. */
  expireTime: number | null;
  lastUsedTime: number | null;
}

/** A one-time sign-up invite; only the SHA-256 of its secret is stored. */
export interface InviteRecord {
  id: string;
  tokenHash: string;
  /** When set, only this address can use the invite. */
  email: string | null;
  role: Role;
  createdBy: string | null;
  createTime: number;
  expireTime: number;
  usedTime: number | null;
  usedBy: string | null;
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
}

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

export interface FeedbackRecord {
  id: string;
  userId: string;
  conversationId: string;
  messageId: string;
  rating: 'thumbsUp' | 'thumbsDown';
  text: string | null;
  tags: string[];
  createTime: number;
}

export interface PromptRecord {
  /** 8 lowercase hex characters. */
  id: string;
  title: string;
  description: string;
  prompt: string;
  category: string;
}

/** The latency fields of the seed's `lat/r` body; all milliseconds except count_tokens. */
export interface LatencyMetrics {
  countTokens: number | null;
  preflightTimeMs: number | null;
  firstTokenMs: number | null;
  maxTokenTimeMs: number | null;
  meanTokenWithoutFirstMs: number | null;
  medianTokenWithoutFirstMs: number | null;
  minTokenTimeMs: number | null;
  p95TokenWithoutFirstMs: number | null;
  p99TokenWithoutFirstMs: number | null;
  stdDevTokenMs: number | null;
  totalRequestMs: number | null;
}

export interface LatencyReport extends LatencyMetrics {
  id: string;
  userId: string;
  /** `client` = posted to lat/r by a client; `server` = measured by backchat while streaming. */
  source: 'client' | 'server';
  model: string;
  serverRequestId: string | null;
  conversationId: string | null;
  messageId: string | null;
  createTime: number;
}

export interface AnalyticsEvent {
  id: string;
  /** The authenticated user: the only identity we trust. */
  userId: string;
  /** `userId` as claimed by the client, kept as data only. */
  claimedUserId: string | null;
  anonymousId: string | null;
  type: string;
  event: string | null;
  messageId: string | null;
  /** The client's timestamp string, as sent. */
  timestamp: string | null;
  properties: Record<string, unknown>;
  context: Record<string, unknown>;
  receiveTime: number;
}

export interface Store {
  /**
   * Runs `work` in one transaction; nested calls reuse the outer transaction. While `work` runs,
   * calls on this store from inside it (through `tx` or the store itself) join the transaction;
   * other callers wait (SQLite) or run beside it (PostgreSQL). A throw rolls everything back.
   */
  transaction<T>(work: (tx: Store) => Promise<T>): Promise<T>;
  /** Releases connections. */
  close(): Promise<void>;

  // settings of the installation (signing secret…)
  getSetting(key: string): Promise<string | undefined>;
  /** Inserts or replaces the value. */
  putSetting(key: string, value: string): Promise<void>;
  /** Inserts the value unless the key exists; returns the value that is stored afterwards. */
  putSettingIfAbsent(key: string, value: string): Promise<string>;

  // users
  createUser(user: NewUser): Promise<UserRecord>;
  getUserById(id: string): Promise<UserRecord | undefined>;
  /** Email comparison is case-insensitive. */
  getUserByEmail(email: string): Promise<UserRecord | undefined>;
  countUsers(): Promise<number>;
  /** Every user, oldest first (CLI `backchat user list`). */
  listUsers(): Promise<UserRecord[]>;
  /** Changes name/password/role/disabled; false if there is no such user. */
  updateUser(id: string, patch: UserPatch): Promise<boolean>;

  // sessions
  createSession(session: SessionRecord): Promise<void>;
  /** The session (by the cookie secret's hash or by its public id) and its user, in one query. */
  getSessionWithUser(
    key: { tokenHash: string } | { id: string },
  ): Promise<{ session: SessionRecord; user: UserRecord } | undefined>;
  /** The user's sessions, newest first. */
  listSessions(userId: string): Promise<SessionRecord[]>;
  touchSession(id: string, lastUsedTime: number): Promise<void>;
  deleteSession(tokenHash: string): Promise<void>;
  /** Ends one of the user's sessions by public id; false when the user has no such session. */
  deleteSessionById(userId: string, id: string): Promise<boolean>;
  /** Ends every session of the user except `keepId` (if given); returns how many. */
  deleteUserSessions(userId: string, keepId?: string): Promise<number>;
  /** Deletes sessions with `expireTime <= now`; returns how many. */
  deleteExpiredSessions(now: number): Promise<number>;

  // personal access tokens
  createPersonalAccessToken(token: PersonalAccessTokenRecord): Promise<void>;
  getPersonalAccessTokenByHash(tokenHash: string): Promise<PersonalAccessTokenRecord | undefined>;
  /** The user's tokens, newest first. */
  listPersonalAccessTokens(userId: string): Promise<PersonalAccessTokenRecord[]>;
  touchPersonalAccessToken(id: string, lastUsedTime: number): Promise<void>;
  /** False when the user has no such token. */
  deletePersonalAccessToken(userId: string, id: string): Promise<boolean>;
  /** Revokes every token of the user; returns how many. */
  deleteUserPersonalAccessTokens(userId: string): Promise<number>;

  // invites
  createInvite(invite: InviteRecord): Promise<void>;
  getInviteByHash(tokenHash: string): Promise<InviteRecord | undefined>;
  /** Every invite, newest first. */
  listInvites(): Promise<InviteRecord[]>;
  /** Marks the invite used by `userId` unless it is already used; false when it was. */
  markInviteUsed(id: string, userId: string, usedTime: number): Promise<boolean>;
  /** Deletes an unused invite; false when there is none. */
  deleteUnusedInvite(id: string): Promise<boolean>;

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
  getMessage(ownerId: string, conversationId: string, id: string): Promise<MessageRecord | undefined>;
  /** All messages of a conversation in insertion order. */
  listMessages(ownerId: string, conversationId: string): Promise<MessageRecord[]>;
  /** The path from the root down to `leafId` inclusive (one recursive query), root first. */
  pathToMessage(ownerId: string, conversationId: string, leafId: string): Promise<MessageRecord[]>;
  /** Child message ids of `parentId`, in insertion order. */
  listChildIds(ownerId: string, conversationId: string, parentId: string): Promise<string[]>;
  updateMessage(ownerId: string, conversationId: string, id: string, patch: MessagePatch): Promise<boolean>;
  /** Deletes the message and its whole subtree (descendants). */
  deleteMessage(ownerId: string, conversationId: string, id: string): Promise<boolean>;
  /** Marks every `in_progress` message as interrupted (start-up recovery); returns how many. */
  interruptInProgressMessages(updateTime: number): Promise<number>;

  // feedback
  /** One rating per (user, conversation, message): a second call replaces the first. */
  upsertFeedback(feedback: FeedbackRecord): Promise<FeedbackRecord>;
  /** The user's ratings, oldest first; only those of `conversationId` when given. */
  listFeedback(userId: string, conversationId?: string): Promise<FeedbackRecord[]>;

  // prompt library
  /** Enabled prompts, ordered by id. */
  listPrompts(): Promise<PromptRecord[]>;
  /** Inserts or replaces (and re-enables) the prompt with this id. */
  upsertPrompt(prompt: PromptRecord): Promise<void>;
  /** Disables the prompt (a tombstone, so re-seeding never brings it back); false if absent. */
  deletePrompt(id: string): Promise<boolean>;

  // telemetry
  insertLatencyReport(report: LatencyReport): Promise<void>;
  listLatencyReports(userId: string): Promise<LatencyReport[]>;
  insertAnalyticsEvents(events: AnalyticsEvent[]): Promise<void>;
  listAnalyticsEvents(userId: string): Promise<AnalyticsEvent[]>;
}
