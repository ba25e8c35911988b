/**
 * The one implementation of `Store`, on Kysely, for SQLite and PostgreSQL alike. Each method
 * delegates to the query module of its table; this class only picks the executor (the database, or
 * the transaction the caller is inside) and owns transactions. Methods are grouped by store part.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
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

/** The transaction an async call chain is inside, per database. */
interface TransactionScope {
  database: Kysely<Database>;
  transaction: Executor;
  /** False once committed or rolled back: late async work must not use it. */
  open: boolean;
}

const currentTransaction = new AsyncLocalStorage<TransactionScope>();

/** `Store` on a Kysely database; see kysely-store.ts's header. */
export class KyselyStore implements Store {
  #closing: Promise<void> | undefined;

  constructor(
    private readonly database: Kysely<Database>,
    private readonly dialect: Pick<StoreDialect, 'kind' | 'lockForKey'>,
  ) {}

  /** The transaction this call is inside (for this database), else the database. */
  private get db(): Executor {
    const scope = currentTransaction.getStore();
    return scope?.open && scope.database === this.database ? scope.transaction : this.database;
  }

  async transaction<T>(work: (tx: Store) => Promise<T>): Promise<T> {
    const scope = currentTransaction.getStore();
    if (scope?.open && scope.database === this.database) return work(this);
    return this.database.transaction().execute(async (transaction) => {
      const inner: TransactionScope = { database: this.database, transaction, open: true };
      try {
        return await currentTransaction.run(inner, () => work(this));
      } finally {
        inner.open = false;
      }
    });
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

  getPersonalAccessTokenByHash(tokenHash: string): Promise<PersonalAccessTokenRecord | undefined> {
    return credentials.getPersonalAccessTokenByHash(this.db, tokenHash);
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

  pathToMessage(
    ownerId: string,
    conversationId: string,
    leafId: string,
    maxMessages?: number,
  ): Promise<MessageRecord[]> {
    return messages.pathToMessage(this.db, ownerId, conversationId, leafId, maxMessages);
  }

  listChildIdsOf(
    ownerId: string,
    conversationId: string,
    parentIds: readonly string[],
  ): Promise<Map<string, string[]>> {
    if (this.dialect.kind === 'postgres') {
      return messages.listChildIdsOfEach(this.db, ownerId, conversationId, parentIds);
    }
    return messages.listChildIdsOf(this.db, ownerId, conversationId, parentIds);
  }

  newestLeafUnder(ownerId: string, conversationId: string, nodeId: string): Promise<string | undefined> {
    return messages.newestLeafUnder(this.db, ownerId, conversationId, nodeId);
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
    return this.transaction(async () => {
      if (!(await messages.insertMessages(this.db, ownerId, start.messages))) return false;
      await generations.insertGenerationLease(this.db, start.lease);
      await conversations.updateConversation(this.db, ownerId, start.lease.conversationId, {
        currentNode: start.currentNode,
        updateTime: start.updateTime,
      });
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
  ): Promise<void> {
    if (this.dialect.kind === 'postgres') {
      return messages.finishAnswerInOneStatement(this.db, ownerId, conversationId, messageId, patch, updateTime);
    }
    return this.transaction(async () => {
      if (!(await messages.updateMessage(this.db, ownerId, conversationId, messageId, patch))) return;
      await conversations.updateConversation(this.db, ownerId, conversationId, { updateTime });
      await generations.deleteGenerationLease(this.db, conversationId, messageId);
    });
  }

  lockTurn(key: string): Promise<void> {
    return this.dialect.lockForKey(this.db, `turn:${key}`);
  }

  findConversationIdByRoot(ownerId: string, rootId: string, messageId: string): Promise<string | undefined> {
    return generations.findConversationIdByRoot(this.db, ownerId, rootId, messageId);
  }

  interruptExpiredAnswers(now: number): Promise<number> {
    return this.transaction(() => generations.interruptExpiredAnswers(this.db, now));
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
    return this.transaction(() => analytics.insertAnalyticsEvents(this.db, events));
  }

  listAnalyticsEvents(userId: string): Promise<AnalyticsEvent[]> {
    return analytics.listAnalyticsEvents(this.db, userId);
  }
}
