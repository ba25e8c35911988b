/** Queries on `sessions` (cookie sessions, keyed by the SHA-256 of their secret). */
import type { Selectable } from 'kysely';
import type { SessionsTable } from './database-schema.js';
import type { Executor } from './executor.js';
import type { SessionRecord } from './store.js';

function toSession(row: Selectable<SessionsTable>): SessionRecord {
  return {
    tokenHash: row.token_hash,
    userId: row.user_id,
    createTime: row.create_time,
    expireTime: row.expire_time,
    userAgent: row.user_agent,
  };
}

export async function createSession(db: Executor, session: SessionRecord): Promise<void> {
  await db
    .insertInto('sessions')
    .values({
      token_hash: session.tokenHash,
      user_id: session.userId,
      create_time: session.createTime,
      expire_time: session.expireTime,
      user_agent: session.userAgent,
    })
    .execute();
}

export async function getSession(db: Executor, tokenHash: string): Promise<SessionRecord | undefined> {
  const row = await db.selectFrom('sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  return row && toSession(row);
}

export async function deleteSession(db: Executor, tokenHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
}

/** Deletes sessions whose expire_time is at or before `now`; returns how many. */
export async function deleteExpiredSessions(db: Executor, now: number): Promise<number> {
  const result = await db.deleteFrom('sessions').where('expire_time', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
