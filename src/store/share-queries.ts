/** Queries on `shares`. Every read and write is filtered by `owner_id`, except the public read. */
import { booleanColumn, jsonColumn, readCount } from './column-codecs.js';
import type { SharesTable } from './database-schema.js';
import type { Executor } from './executor.js';
import { rowMapper } from './row-mapper.js';
import type { ShareListQuery, SharePatch, ShareRecord } from './store.js';

const shareRows = rowMapper<SharesTable, ShareRecord>({
  isPublic: booleanColumn,
  isVisible: booleanColumn,
  isAnonymous: booleanColumn,
  snapshot: jsonColumn,
});

export async function createShare(db: Executor, share: ShareRecord): Promise<void> {
  await db.insertInto('shares').values(shareRows.toRow(share)).execute();
}

/** Shares whose conversation still exists and is not deleted (hidden) by its owner. */
function liveShares(db: Executor) {
  return db
    .selectFrom('shares')
    .innerJoin('conversations', 'conversations.id', 'shares.conversation_id')
    .where('conversations.is_visible', '=', true)
    .selectAll('shares');
}

export async function getShare(db: Executor, ownerId: string, id: string): Promise<ShareRecord | undefined> {
  const row = await db
    .selectFrom('shares')
    .selectAll()
    .where('owner_id', '=', ownerId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row && shareRows.fromRow(row);
}

export async function getShareOfConversation(
  db: Executor,
  ownerId: string,
  conversationId: string,
): Promise<ShareRecord | undefined> {
  const row = await db
    .selectFrom('shares')
    .selectAll()
    .where('owner_id', '=', ownerId)
    .where('conversation_id', '=', conversationId)
    .executeTakeFirst();
  return row && shareRows.fromRow(row);
}

export async function getPublicShare(db: Executor, id: string): Promise<ShareRecord | undefined> {
  // A disabled account's links stop working with it (an administrator's way to stop abuse).
  const row = await liveShares(db)
    .innerJoin('users', 'users.id', 'shares.owner_id')
    .where('users.disabled', '=', false)
    .where('shares.id', '=', id)
    .where('shares.is_public', '=', true)
    .where('shares.is_visible', '=', true)
    .executeTakeFirst();
  return row && shareRows.fromRow(row);
}

export async function listShares(
  db: Executor,
  ownerId: string,
  query: ShareListQuery,
): Promise<{ items: ShareRecord[]; total: number }> {
  const owned = () => liveShares(db).where('shares.owner_id', '=', ownerId);
  const rows = await owned()
    .orderBy('shares.create_time', 'desc')
    .orderBy('shares.id')
    .limit(query.limit)
    .offset(query.offset)
    .execute();
  const count = await db
    .selectFrom('shares')
    .innerJoin('conversations', 'conversations.id', 'shares.conversation_id')
    .where('conversations.is_visible', '=', true)
    .where('shares.owner_id', '=', ownerId)
    .select((eb) => eb.fn.countAll().as('count'))
    .executeTakeFirst();
  return { items: rows.map(shareRows.fromRow), total: readCount(count?.count) };
}

export async function updateShare(db: Executor, ownerId: string, id: string, patch: SharePatch): Promise<boolean> {
  const values = shareRows.toColumns(patch);
  if (Object.keys(values).length === 0) return (await getShare(db, ownerId, id)) !== undefined;
  const result = await db
    .updateTable('shares')
    .set(values)
    .where('owner_id', '=', ownerId)
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function deleteShare(db: Executor, ownerId: string, id: string): Promise<boolean> {
  const result = await db.deleteFrom('shares').where('owner_id', '=', ownerId).where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
