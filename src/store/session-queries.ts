/** Queries on `sessions` (cookie sessions, keyed by the SHA-256 of their secret, named by a public id). */
import type { Selectable } from 'kysely';
import type { SessionsTable } from './database-schema.js';
import type { Executor } from './executor.js';
import type { SessionRecord } from './store.js';

function toSession(row: Selectable<SessionsTable>): SessionRecord {
  return {
    tokenHash: row.token_hash,
    id: row.id,
    userId: row.user_id,
    createTime: row.create_time,
    expireTime: row.expire_time,
    lastUsedTime: row.last_used_time,
    userAgent: row.user_agent,
  };
}

export async function createSession(db: Executor, session: SessionRecord): Promise<void> {
  await db
    .insertInto('sessions')
    .values({
      token_hash: session.tokenHash,
      id: session.id,
      user_id: session.userId,
      create_time: session.createTime,
      expire_time: session.expireTime,
      last_used_time: session.lastUsedTime,
      user_agent: session.userAgent,
    })
    .execute();
}

export async function getSession(db: Executor, tokenHash: string): Promise<SessionRecord | undefined> {
  const row = await db.selectFrom('sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  return row && toSession(row);
}

export async function getSessionById(db: Executor, id: string): Promise<SessionRecord | undefined> {
  const row = await db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toSession(row);
}

export async function listSessions(db: Executor, userId: string): Promise<SessionRecord[]> {
  const rows = await db
    .selectFrom('sessions')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('create_time', 'desc')
    .orderBy('id')
    .execute();
  return rows.map(toSession);
}

export async function touchSession(db: Executor, id: string, lastUsedTime: number): Promise<void> {
  await db.updateTable('sessions').set({ last_used_time: lastUsedTime }).where('id', '=', id).execute();
}

export async function deleteSession(db: Executor, tokenHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
}

export async function deleteSessionById(db: Executor, userId: string, id: string): Promise<boolean> {
  const result = await db.deleteFrom('sessions').where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function deleteUserSessions(db: Executor, userId: string, keepId?: string): Promise<number> {
  let query = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (keepId !== undefined) query = query.where('id', '<>', keepId);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Deletes sessions whose expire_time is at or before `now`; returns how many. */
export async function deleteExpiredSessions(db: Executor, now: number): Promise<number> {
  const result = await db.deleteFrom('sessions').where('expire_time', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
