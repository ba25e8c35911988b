/** Queries on `conversations`. Every read and write is filtered by `owner_id`. */
import { booleanColumn, jsonColumn, nullableJsonColumn, readCount } from './column-codecs.js';
import { firstCompiled, insertRows, updateColumns } from './compiled-statements.js';
import type { ConversationsTable } from './database-schema.js';
import type { Executor } from './executor.js';
import { rowMapper } from './row-mapper.js';
import type { ConversationListQuery, ConversationPatch, ConversationRecord, NewConversation } from './store.js';

/** Conversation rows ↔ records (also used by history-queries.ts). */
export const conversationRows = rowMapper<ConversationsTable, ConversationRecord>({
  isArchived: booleanColumn,
  isVisible: booleanColumn,
  isTemporary: booleanColumn,
  conversationMode: jsonColumn,
  suggestions: jsonColumn,
  extras: nullableJsonColumn,
});

/** Inserts a conversation (visible, unarchived, update_time = create_time unless given). */
export async function createConversation(
  db: Executor,
  conversation: NewConversation,
  updateTime = conversation.createTime,
): Promise<ConversationRecord> {
  const record = newConversationRecord(conversation, updateTime);
  await insertRows(db, 'conversations', [conversationRows.toRow(record)]);
  return conversationRows.roundTrip(record);
}

/** A new conversation as stored: visible, unarchived. */
export function newConversationRecord(conversation: NewConversation, updateTime: number): ConversationRecord {
  return { ...conversation, updateTime, isArchived: false, isVisible: true };
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
  return row && conversationRows.fromRow(row);
}

/** True when the owner has a conversation `id` (whatever its visibility). */
export async function conversationExists(db: Executor, ownerId: string, id: string): Promise<boolean> {
  const row = await firstCompiled(
    db,
    'conversation exists',
    (slot) => ownedConversations(db, slot('ownerId')).select('id').where('id', '=', slot('id')),
    { ownerId, id },
  );
  return row !== undefined;
}

function listed(db: Executor, ownerId: string, archived: boolean) {
  return ownedConversations(db, ownerId)
    .where('is_visible', '=', true)
    .where('is_temporary', '=', false)
    .where('is_archived', '=', archived);
}

/**
 * How many conversations the list shows the owner (archived ones or the others): one row of
 * `conversation_counts`, which triggers keep equal to the count of `listed` (migration 009).
 */
async function listedCount(db: Executor, ownerId: string, archived: boolean): Promise<number> {
  const row = await db
    .selectFrom('conversation_counts')
    .select('listed')
    .where('owner_id', '=', ownerId)
    .where('is_archived', '=', archived)
    .executeTakeFirst();
  return readCount(row?.listed);
}

/**
 * The SELECT of one page of the owner's `total` listed conversations, newest update_time first, ties
 * by id. A page nearer the end than the start is read from the end (the reverse order, skipping the
 * rows after it) so the last page costs what the first does — an OFFSET walks past every row it
 * skips; its rows come back in reverse (`reversed`). Undefined when the page is past the end.
 */
export function listPageQuery(db: Executor, ownerId: string, query: ConversationListQuery, total: number) {
  if (query.offset >= total) return undefined;
  const rows = listed(db, ownerId, query.archived).selectAll();
  const end = Math.min(query.offset + query.limit, total);
  if (total - end >= query.offset) {
    const select = rows.orderBy('update_time', 'desc').orderBy('id').limit(query.limit).offset(query.offset);
    return { select, reversed: false };
  }
  const select = rows
    .orderBy('update_time', 'asc')
    .orderBy('id', 'desc')
    .limit(end - query.offset)
    .offset(total - end);
  return { select, reversed: true };
}

/**
 * One page of the sidebar: newest update_time first (ties by id), with the exact total. The total
 * and the page are two reads, as they always were: a conversation written in between can shift the
 * page by one, like any offset paging under writes.
 */
export async function listConversations(
  db: Executor,
  ownerId: string,
  query: ConversationListQuery,
): Promise<{ items: ConversationRecord[]; total: number }> {
  const total = await listedCount(db, ownerId, query.archived);
  const page = listPageQuery(db, ownerId, query, total);
  const rows = page ? await page.select.execute() : [];
  if (page?.reversed) rows.reverse();
  return { items: rows.map(conversationRows.fromRow), total };
}

export async function updateConversation(
  db: Executor,
  ownerId: string,
  id: string,
  patch: ConversationPatch,
): Promise<boolean> {
  const values = conversationRows.toColumns(patch);
  if (Object.keys(values).length === 0) return conversationExists(db, ownerId, id);
  return (await updateColumns(db, 'conversations', values, { owner_id: ownerId, id })) > 0n;
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
