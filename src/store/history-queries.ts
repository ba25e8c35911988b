/** Queries of imported history (migration 008) and of the export's walk over an owner's conversations. */
import { conversationRows } from './conversation-queries.js';
import type { Executor } from './executor.js';
import type { ExportCursor, ImportedConversation } from './history-store.js';
import { messageRows } from './message-queries.js';
import type { ConversationRecord } from './store.js';

/**
 * Rows per INSERT: 17 bound values a row stays under SQLite's 32,766 and PostgreSQL's 65,535
 * parameters, with room to spare.
 */
const messagesPerStatement = 500;
/** Conversations per INSERT (15 values a row). */
const conversationsPerStatement = 500;

/** Rows of a list query: a few hundred values at most per statement. */
const idsPerQuery = 500;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

export async function findImportedConversations(
  db: Executor,
  ownerId: string,
  sourceIds: readonly string[],
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const ids of chunks([...new Set(sourceIds)], idsPerQuery)) {
    const own = await db
      .selectFrom('conversations')
      .select('id')
      .where('owner_id', '=', ownerId)
      .where('id', 'in', ids)
      .execute();
    for (const row of own) found.set(row.id, row.id);
    const imported = await db
      .selectFrom('imported_conversations')
      .select(['source_id', 'conversation_id'])
      .where('owner_id', '=', ownerId)
      .where('source_id', 'in', ids)
      .execute();
    for (const row of imported) found.set(row.source_id, row.conversation_id);
  }
  return found;
}

export async function takenConversationIds(db: Executor, ids: readonly string[]): Promise<Set<string>> {
  const taken = new Set<string>();
  for (const chunk of chunks([...new Set(ids)], idsPerQuery)) {
    const rows = await db.selectFrom('conversations').select('id').where('id', 'in', chunk).execute();
    for (const row of rows) taken.add(row.id);
  }
  return taken;
}

export async function insertImportedConversations(db: Executor, items: readonly ImportedConversation[]): Promise<void> {
  if (items.length === 0) return;
  for (const chunk of chunks(items, conversationsPerStatement)) {
    await db
      .insertInto('conversations')
      .values(chunk.map((item) => conversationRows.toRow(item.conversation)))
      .execute();
  }
  const rows = items.flatMap((item) =>
    item.messages.map((message) => ({ ...messageRows.toRow(message), owner_id: item.conversation.ownerId })),
  );
  for (const chunk of chunks(rows, messagesPerStatement)) await db.insertInto('messages').values(chunk).execute();
  for (const chunk of chunks(items, conversationsPerStatement)) {
    await db
      .insertInto('imported_conversations')
      .values(
        chunk.map((item) => ({
          owner_id: item.conversation.ownerId,
          source_id: item.sourceId,
          conversation_id: item.conversation.id,
        })),
      )
      .execute();
  }
}

export async function listExportableConversations(
  db: Executor,
  ownerId: string,
  after: ExportCursor | undefined,
  limit: number,
): Promise<ConversationRecord[]> {
  let query = db
    .selectFrom('conversations')
    .selectAll()
    .where('owner_id', '=', ownerId)
    .where('is_visible', '=', true)
    .where('is_temporary', '=', false);
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb('create_time', '>', after.createTime),
        eb.and([eb('create_time', '=', after.createTime), eb('id', '>', after.id)]),
      ]),
    );
  }
  const rows = await query.orderBy('create_time').orderBy('id').limit(limit).execute();
  return rows.map(conversationRows.fromRow);
}
