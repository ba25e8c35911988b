/**
 * The one implementation of `Store`, on Kysely, for SQLite and PostgreSQL alike. Each method
 * delegates to the query module of its table; this class only picks the executor (the database, or
 * the transaction the caller is inside) and owns transactions. Methods are grouped by store part.
 */
import { type Kysely, sql } from 'kysely';
import * as analytics from './analytics-queries.js';
import * as conversations from './conversation-queries.js';
import * as credentials from './credential-queries.js';
import type { Database } from './database-schema.js';
import type { StoreDialect } from './dialects/store-dialect.js';
import type { Executor } from './executor.js';
import * as feedback from './feedback-queries.js';
import * as generations from './generation-queries.js';
import type { AnswerStart, GenerationLease, InstanceRecord } from './generation-store.js';
import * as history from './history-queries.js';
import type { ExportCursor, ImportedConversation } from './history-store.js';
import * as latency from './latency-queries.js';
import * as messages from './message-queries.js';
import * as prompts from './prompt-queries.js';
import * as search from './search-queries.js';
import * as sessions from './session-queries.js';
import * as settings from './setting-queries.js';
import * as shares from './share-queries.js';
import type {
  AnalyticsEvent,
  ConversationListQuery,
  ConversationPatch,
  ConversationRecord,
  FeedbackRecord,
  InviteRecord,
  LatencyReport,
  MessageLink,
  MessagePatch,
  MessageRecord,
  MessageText,
  NewConversation,
  NewUser,
  PersonalAccessTokenRecord,
  PromptRecord,
  SearchPage,
  SearchQuery,
  SessionRecord,
  ShareListQuery,
  SharePatch,
  ShareRecord,
  Store,
  UserPatch,
  UserRecord,
} from './store.js';
import * as users from './user-queries.js';

/** The transaction a store handed to `transaction`'s work runs its statements in. */
interface TransactionScope {
  transaction: Executor;
  /** False once committed or rolled back: late async work goes to the database instead. */
  open: boolean;
}

/**
 * `Store` on a Kysely database; see kysely-store.ts's header. `transaction(work)` hands `work` a store
 * bound to the transaction (the `tx` every caller uses), not an ambient context: an AsyncLocalStorage
 * would switch on promise hooks for every promise of the process (about 5 % of a turn's CPU).
 */
export class KyselyStore implements Store {
  #closing: Promise<void> | undefined;

  constructor(
    private readonly database: Kysely<Database>,
    private readonly dialect: Pick<StoreDialect, 'kind' | 'lockForKey'>,
    private readonly scope?: TransactionScope,
  ) {}

  /** The transaction this store is bound to while it is open, else the database. */
  private get db(): Executor {
    return this.scope?.open ? this.scope.transaction : this.database;
  }

  async transaction<T>(work: (tx: Store) => Promise<T>): Promise<T> {
    // Nested: the work joins the transaction it is already inside.
    if (this.scope?.open) return work(this);
    return this.database.transaction().execute(async (transaction) => {
      const scope: TransactionScope = { transaction, open: true };
      try {
        return await work(new KyselyStore(this.database, this.dialect, scope));
      } finally {
        scope.open = false;
      }
    });
  }

  /** `work` on the executor of this store's transaction: joined when open, else a new one. */
  private inTransaction<T>(work: (db: Executor) => Promise<T>): Promise<T> {
    if (this.scope?.open) return work(this.scope.transaction);
    return this.transaction((tx) => work((tx as KyselyStore).db));
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.database);
  }

  /** Idempotent: a second call waits for the first. */
  close(): Promise<void> {
    this.#closing ??= this.database.destroy();
    return this.#closing;
  }

  // HistoryStore

  findImportedConversations(ownerId: string, sourceIds: readonly string[]): Promise<Map<string, string>> {
    return history.findImportedConversations(this.db, ownerId, sourceIds);
  }

  takenConversationIds(ids: readonly string[]): Promise<Set<string>> {
    return history.takenConversationIds(this.db, ids);
  }

  insertImportedConversations(items: readonly ImportedConversation[]): Promise<void> {
    return history.insertImportedConversations(this.db, items);
  }

  listExportableConversations(
    ownerId: string,
    after: ExportCursor | undefined,
    limit: number,
  ): Promise<ConversationRecord[]> {
    return history.listExportableConversations(this.db, ownerId, after, limit);
  }

  // SettingsStore

  getSetting(key: string): Promise<string | undefined> {
    return settings.getSetting(this.db, key);
  }

  putSettingIfAbsent(key: string, value: string): Promise<string> {
    return settings.putSettingIfAbsent(this.db, key, value);
  }

  putSetting(key: string, value: string): Promise<void> {
    return settings.putSetting(this.db, key, value);
  }

  // AccountStore

  createUser(user: NewUser): Promise<UserRecord> {
    return users.createUser(this.db, user);
  }

  getUserById(id: string): Promise<UserRecord | undefined> {
    return users.getUserById(this.db, id);
  }

  getUserByEmail(email: string): Promise<UserRecord | undefined> {
    return users.getUserByEmail(this.db, email);
  }

  countUsers(): Promise<number> {
    return users.countUsers(this.db);
  }

  listUsers(): Promise<UserRecord[]> {
    return users.listUsers(this.db);
  }

  updateUser(id: string, patch: UserPatch): Promise<boolean> {
    return users.updateUser(this.db, id, patch);
  }

  createSession(session: SessionRecord): Promise<void> {
    return sessions.createSession(this.db, session);
  }

  getSessionWithUser(
    key: { tokenHash: string } | { id: string },
  ): Promise<{ session: SessionRecord; user: UserRecord } | undefined> {
    return sessions.getSessionWithUser(this.db, key);
  }

  listSessions(userId: string): Promise<SessionRecord[]> {
    return sessions.listSessions(this.db, userId);
  }

  touchSession(id: string, lastUsedTime: number): Promise<void> {
    return sessions.touchSession(this.db, id, lastUsedTime);
  }

  deleteSession(tokenHash: string): Promise<void> {
    return sessions.deleteSession(this.db, tokenHash);
  }

  deleteSessionById(userId: string, id: string): Promise<boolean> {
    return sessions.deleteSessionById(this.db, userId, id);
  }

  deleteUserSessions(userId: string, keepId?: string): Promise<number> {
    return sessions.deleteUserSessions(this.db, userId, keepId);
  }

  deleteExpiredSessions(now: number): Promise<number> {
    return sessions.deleteExpiredSessions(this.db, now);
  }

  createPersonalAccessToken(token: PersonalAccessTokenRecord): Promise<void> {
    return credentials.createPersonalAccessToken(this.db, token);
  }

  getPersonalAccessTokenWithUser(
    tokenHash: string,
  ): Promise<{ token: PersonalAccessTokenRecord; user: UserRecord } | undefined> {
    return credentials.getPersonalAccessTokenWithUser(this.db, tokenHash);
  }

  listPersonalAccessTokens(userId: string): Promise<PersonalAccessTokenRecord[]> {
    return credentials.listPersonalAccessTokens(this.db, userId);
  }

  touchPersonalAccessToken(id: string, lastUsedTime: number): Promise<void> {
    return credentials.touchPersonalAccessToken(this.db, id, lastUsedTime);
  }

  deletePersonalAccessToken(userId: string, id: string): Promise<boolean> {
    return credentials.deletePersonalAccessToken(this.db, userId, id);
  }

  deleteUserPersonalAccessTokens(userId: string): Promise<number> {
    return credentials.deleteUserPersonalAccessTokens(this.db, userId);
  }

  createInvite(invite: InviteRecord): Promise<void> {
    return credentials.createInvite(this.db, invite);
  }

  getInviteByHash(tokenHash: string): Promise<InviteRecord | undefined> {
    return credentials.getInviteByHash(this.db, tokenHash);
  }

  listInvites(): Promise<InviteRecord[]> {
    return credentials.listInvites(this.db);
  }

  markInviteUsed(id: string, userId: string, usedTime: number): Promise<boolean> {
    return credentials.markInviteUsed(this.db, id, userId, usedTime);
  }

  deleteUnusedInvite(id: string): Promise<boolean> {
    return credentials.deleteUnusedInvite(this.db, id);
  }

  // ConversationStore

  createConversation(conversation: NewConversation): Promise<ConversationRecord> {
    return conversations.createConversation(this.db, conversation);
  }

  getConversation(ownerId: string, id: string): Promise<ConversationRecord | undefined> {
    return conversations.getConversation(this.db, ownerId, id);
  }

  listConversations(
    ownerId: string,
    query: ConversationListQuery,
  ): Promise<{ items: ConversationRecord[]; total: number }> {
    return conversations.listConversations(this.db, ownerId, query);
  }

  updateConversation(ownerId: string, id: string, patch: ConversationPatch): Promise<boolean> {
    return conversations.updateConversation(this.db, ownerId, id, patch);
  }

  setTitleIfUntitled(ownerId: string, id: string, title: string): Promise<boolean> {
    return conversations.setTitleIfUntitled(this.db, ownerId, id, title);
  }

  hideAllConversations(ownerId: string, updateTime: number): Promise<number> {
    return conversations.hideAllConversations(this.db, ownerId, updateTime);
  }

  archiveAllConversations(ownerId: string): Promise<number> {
    return conversations.archiveAllConversations(this.db, ownerId);
  }

  purgeTemporaryConversations(before: number): Promise<number> {
    return conversations.purgeTemporaryConversations(this.db, before);
  }

  insertMessage(ownerId: string, message: MessageRecord): Promise<boolean> {
    return messages.insertMessages(this.db, ownerId, [message]);
  }

  insertMessages(ownerId: string, records: MessageRecord[]): Promise<boolean> {
    return messages.insertMessages(this.db, ownerId, records);
  }

  getMessage(ownerId: string, conversationId: string, id: string): Promise<MessageRecord | undefined> {
    return messages.getMessage(this.db, ownerId, conversationId, id);
  }

  listMessages(ownerId: string, conversationId: string): Promise<MessageRecord[]> {
    return messages.listMessages(this.db, ownerId, conversationId);
  }

  listMessageLinks(ownerId: string, conversationId: string, afterSeq: number, limit: number): Promise<MessageLink[]> {
    return messages.listMessageLinks(this.db, ownerId, conversationId, afterSeq, limit);
  }

  listMessagesAfter(
    ownerId: string,
    conversationId: string,
    afterSeq: number,
    limit: number,
  ): Promise<MessageRecord[]> {
    return messages.listMessagesAfter(this.db, ownerId, conversationId, afterSeq, limit);
  }

  listMessageTextsAfter(
    ownerId: string,
    conversationId: string,
    afterSeq: number,
    limit: number,
  ): Promise<MessageText[]> {
    return messages.listMessageTextsAfter(this.db, ownerId, conversationId, afterSeq, limit);
  }

  pathToMessage(
    ownerId: string,
    conversationId: string,
    leafId: string,
    maxMessages?: number,
  ): Promise<MessageRecord[]> {
    return messages.pathToMessage(this.db, ownerId, conversationId, leafId, maxMessages);
  }

  async pathWithChildIds(
    ownerId: string,
    conversationId: string,
    leafId: string,
    maxMessages?: number,
  ): Promise<{ path: MessageText[]; childIds: Map<string, string[]> }> {
    if (this.dialect.kind === 'postgres') {
      return messages.pathWithChildIdsInOneStatement(this.db, ownerId, conversationId, leafId, maxMessages);
    }
    // SQLite answers in process: two statements cost no round trip.
    const path = await messages.pathTextsToMessage(this.db, ownerId, conversationId, leafId, maxMessages);
    const ids = path.map((message) => message.id);
    return { path, childIds: await messages.listChildIdsOf(this.db, ownerId, conversationId, ids) };
  }

  newestLeafUnder(ownerId: string, conversationId: string, nodeId: string): Promise<string | undefined> {
    return messages.newestLeafUnder(this.db, ownerId, conversationId, nodeId);
  }

  firstChild(ownerId: string, conversationId: string, parentId: string): Promise<MessageRecord | undefined> {
    return messages.firstChild(this.db, ownerId, conversationId, parentId);
  }

  listChildIds(ownerId: string, conversationId: string, parentId: string): Promise<string[]> {
    return messages.listChildIds(this.db, ownerId, conversationId, parentId);
  }

  updateMessage(ownerId: string, conversationId: string, id: string, patch: MessagePatch): Promise<boolean> {
    return messages.updateMessage(this.db, ownerId, conversationId, id, patch);
  }

  deleteMessage(ownerId: string, conversationId: string, id: string): Promise<boolean> {
    return messages.deleteMessage(this.db, ownerId, conversationId, id);
  }

  // GenerationStore

  insertGenerationLease(lease: GenerationLease): Promise<void> {
    return generations.insertGenerationLease(this.db, lease);
  }

  startAnswer(ownerId: string, start: AnswerStart): Promise<boolean> {
    if (this.dialect.kind === 'postgres') return messages.startAnswerInOneStatement(this.db, ownerId, start);
    return this.inTransaction(async (db) => {
      const created = start.conversation;
      if (created) {
        // Written as it ends up: no update of the row just inserted, no check of its owner.
        const conversation = { ...created, ownerId, currentNode: start.currentNode };
        await conversations.createConversation(db, conversation, start.updateTime);
        await messages.insertOwnedMessages(db, ownerId, start.messages);
      } else if (!(await messages.insertMessages(db, ownerId, start.messages))) {
        return false;
      }
      await generations.insertGenerationLease(db, start.lease);
      if (!created) {
        await conversations.updateConversation(db, ownerId, start.lease.conversationId, {
          currentNode: start.currentNode,
          updateTime: start.updateTime,
        });
      }
      return true;
    });
  }

  renewGenerationLeases(instanceId: string, leaseExpireTime: number): Promise<number> {
    return generations.renewGenerationLeases(this.db, instanceId, leaseExpireTime);
  }

  deleteGenerationLease(conversationId: string, messageId: string): Promise<void> {
    return generations.deleteGenerationLease(this.db, conversationId, messageId);
  }

  finishAnswer(
    ownerId: string,
    conversationId: string,
    messageId: string,
    patch: MessagePatch,
    updateTime: number,
    report?: LatencyReport,
  ): Promise<void> {
    const answer = { ownerId, conversationId, messageId };
    if (this.dialect.kind === 'postgres') {
      return messages.finishAnswerInOneStatement(this.db, answer, patch, updateTime, report);
    }
    return this.inTransaction(async (db) => {
      if (report) await latency.insertLatencyReport(db, report);
      if (!(await messages.updateMessage(db, ownerId, conversationId, messageId, patch))) return;
      await conversations.updateConversation(db, ownerId, conversationId, { updateTime });
      await generations.deleteGenerationLease(db, conversationId, messageId);
    });
  }

  lockTurn(key: string): Promise<void> {
    return this.dialect.lockForKey(this.db, `turn:${key}`);
  }

  findConversationIdByRoot(ownerId: string, rootId: string, messageId: string): Promise<string | undefined> {
    return generations.findConversationIdByRoot(this.db, ownerId, rootId, messageId);
  }

  liveAnswerIdsInHidden(ownerId: string): Promise<string[]> {
    return generations.liveAnswerIdsInHidden(this.db, ownerId);
  }

  interruptExpiredAnswers(now: number): Promise<number> {
    return this.inTransaction((db) => generations.interruptExpiredAnswers(db, now));
  }

  recordInstance(instance: InstanceRecord): Promise<void> {
    return generations.recordInstance(this.db, instance);
  }

  otherLiveInstances(instanceId: string, since: number): Promise<InstanceRecord[]> {
    return generations.otherLiveInstances(this.db, instanceId, since);
  }

  removeInstance(instanceId: string, staleBefore: number): Promise<void> {
    return generations.removeInstance(this.db, instanceId, staleBefore);
  }

  // FeedbackStore

  upsertFeedback(record: FeedbackRecord): Promise<FeedbackRecord> {
    return feedback.upsertFeedback(this.db, record);
  }

  listFeedback(userId: string, conversationId?: string): Promise<FeedbackRecord[]> {
    return feedback.listFeedback(this.db, userId, conversationId);
  }

  // PromptStore

  listPrompts(): Promise<PromptRecord[]> {
    return prompts.listPrompts(this.db);
  }

  upsertPrompt(prompt: PromptRecord): Promise<void> {
    return prompts.upsertPrompt(this.db, prompt);
  }

  deletePrompt(id: string): Promise<boolean> {
    return prompts.deletePrompt(this.db, id);
  }

  // ShareStore

  createShare(share: ShareRecord): Promise<void> {
    return shares.createShare(this.db, share);
  }

  getShare(ownerId: string, id: string): Promise<ShareRecord | undefined> {
    return shares.getShare(this.db, ownerId, id);
  }

  getShareOfConversation(ownerId: string, conversationId: string): Promise<ShareRecord | undefined> {
    return shares.getShareOfConversation(this.db, ownerId, conversationId);
  }

  getPublicShare(id: string): Promise<ShareRecord | undefined> {
    return shares.getPublicShare(this.db, id);
  }

  listShares(ownerId: string, query: ShareListQuery): Promise<{ items: ShareRecord[]; total: number }> {
    return shares.listShares(this.db, ownerId, query);
  }

  updateShare(ownerId: string, id: string, patch: SharePatch): Promise<boolean> {
    return shares.updateShare(this.db, ownerId, id, patch);
  }

  deleteShare(ownerId: string, id: string): Promise<boolean> {
    return shares.deleteShare(this.db, ownerId, id);
  }

  // SearchStore

  searchConversations(ownerId: string, query: SearchQuery): Promise<SearchPage> {
    return search.searchConversations(this.db, this.dialect.kind, ownerId, query);
  }

  // TelemetryStore

  insertLatencyReport(report: LatencyReport): Promise<void> {
    return latency.insertLatencyReport(this.db, report);
  }

  listLatencyReports(userId: string): Promise<LatencyReport[]> {
    return latency.listLatencyReports(this.db, userId);
  }

  insertAnalyticsEvents(events: AnalyticsEvent[]): Promise<void> {
    return this.inTransaction((db) => analytics.insertAnalyticsEvents(db, this.dialect.kind, events));
  }

  listAnalyticsEvents(userId: string): Promise<AnalyticsEvent[]> {
    return analytics.listAnalyticsEvents(this.db, userId);
  }
}
