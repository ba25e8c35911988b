/** Queries on `conversations`. Every read and write is filtered by `owner_id`. */
import type { Selectable } from 'kysely';
import { readBoolean, readCount, readJson, writeJson } from './column-codecs.js';
import type { ConversationsTable } from './database-schema.js';
import type { Executor } from './executor.js';
import type { ConversationListQuery, ConversationPatch, ConversationRecord, NewConversation } from './store.js';

function toConversation(row: Selectable<ConversationsTable>): ConversationRecord {
  return {
    id: row.id,
    ownerId: row.owner_id,
    title: row.title,
    createTime: row.create_time,
    updateTime: row.update_time,
    currentNode: row.current_node,
    rootId: row.root_id,
    isArchived: readBoolean(row.is_archived),
    isVisible: readBoolean(row.is_visible),
    isTemporary: readBoolean(row.is_temporary),
    defaultModel: row.default_model,
    timezoneOffsetMin: row.timezone_offset_min,
    conversationMode: readJson(row.conversation_mode),
    suggestions: readJson(row.suggestions),
  };
}

/** Inserts a conversation (visible, unarchived, update_time = create_time). */
export async function createConversation(db: Executor, conversation: NewConversation): Promise<ConversationRecord> {
  const row = {
    id: conversation.id,
    owner_id: conversation.ownerId,
    title: conversation.title,
    create_time: conversation.createTime,
    update_time: conversation.createTime,
    current_node: conversation.currentNode,
    root_id: conversation.rootId,
    is_archived: false,
    is_visible: true,
    is_temporary: conversation.isTemporary,
    default_model: conversation.defaultModel,
    timezone_offset_min: conversation.timezoneOffsetMin,
    conversation_mode: writeJson(conversation.conversationMode),
    suggestions: writeJson(conversation.suggestions),
  };
  await db.insertInto('conversations').values(row).execute();
  return toConversation(row);
}

function ownedConversations(db: Executor, ownerId: string) {
  return db.selectFrom('conversations').where('owner_id', '=', ownerId);
}

export async function getConversation(
  db: Executor,
  ownerId: string,
  id: string,
): Promise<ConversationRecord | undefined> {
  const row = await ownedConversations(db, ownerId).selectAll().where('id', '=', id).executeTakeFirst();
  return row && toConversation(row);
}

/** True when the owner has a conversation `id` (whatever its visibility). */
export async function conversationExists(db: Executor, ownerId: string, id: string): Promise<boolean> {
  const row = await ownedConversations(db, ownerId).select('id').where('id', '=', id).executeTakeFirst();
  return row !== undefined;
}

function listed(db: Executor, ownerId: string, archived: boolean) {
  return ownedConversations(db, ownerId)
    .where('is_visible', '=', true)
    .where('is_temporary', '=', false)
    .where('is_archived', '=', archived);
}

/** One page of the sidebar: newest update_time first (ties by id), with the exact total. */
export async function listConversations(
  db: Executor,
  ownerId: string,
  query: ConversationListQuery,
): Promise<{ items: ConversationRecord[]; total: number }> {
  const rows = await listed(db, ownerId, query.archived)
    .selectAll()
    .orderBy('update_time', 'desc')
    .orderBy('id')
    .limit(query.limit)
    .offset(query.offset)
    .execute();
  const count = await listed(db, ownerId, query.archived)
    .select((eb) => eb.fn.countAll().as('count'))
    .executeTakeFirst();
  return { items: rows.map(toConversation), total: readCount(count?.count) };
}

export async function updateConversation(
  db: Executor,
  ownerId: string,
  id: string,
  patch: ConversationPatch,
): Promise<boolean> {
  const values = {
    title: patch.title,
    is_visible: patch.isVisible,
    is_archived: patch.isArchived,
    current_node: patch.currentNode,
    update_time: patch.updateTime,
  };
  if (Object.values(values).every((value) => value === undefined)) return conversationExists(db, ownerId, id);
  const result = await db
    .updateTable('conversations')
    .set(values)
    .where('owner_id', '=', ownerId)
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function setTitleIfUntitled(db: Executor, ownerId: string, id: string, title: string): Promise<boolean> {
  const result = await db
    .updateTable('conversations')
    .set({ title })
    .where('owner_id', '=', ownerId)
    .where('id', '=', id)
    .where('title', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function hideAllConversations(db: Executor, ownerId: string, updateTime: number): Promise<number> {
  const result = await db
    .updateTable('conversations')
    .set({ is_visible: false, update_time: updateTime })
    .where('owner_id', '=', ownerId)
    .where('is_visible', '=', true)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Archives every visible, unarchived conversation of the owner (list order is kept: update_time unchanged). */
export async function archiveAllConversations(db: Executor, ownerId: string): Promise<number> {
  const result = await db
    .updateTable('conversations')
    .set({ is_archived: true })
    .where('owner_id', '=', ownerId)
    .where('is_visible', '=', true)
    .where('is_archived', '=', false)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Deletes temporary conversations (and, by cascade, their messages) last updated before `before`. */
export async function purgeTemporaryConversations(db: Executor, before: number): Promise<number> {
  const result = await db
    .deleteFrom('conversations')
    .where('is_temporary', '=', true)
    .where('update_time', '<', before)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
