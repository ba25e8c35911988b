/** Queries on `sessions` (cookie sessions, keyed by the SHA-256 of their secret, named by a public id). */
import { firstCompiled } from './compiled-statements.js';
import type { SessionsTable } from './database-schema.js';
import type { Executor } from './executor.js';
import { rowMapper } from './row-mapper.js';
import type { SessionRecord, UserRecord } from './store.js';
import { userRows } from './user-queries.js';

const sessionRows = rowMapper<SessionsTable, SessionRecord>({});

export async function createSession(db: Executor, session: SessionRecord): Promise<void> {
  await db.insertInto('sessions').values(sessionRows.toRow(session)).execute();
}

/**
 * A session and its user in one round trip (every authenticated request asks this), found by the
 * cookie secret's hash or by the public id an access token carries.
 */
export async function getSessionWithUser(
  db: Executor,
  key: { tokenHash: string } | { id: string },
): Promise<{ session: SessionRecord; user: UserRecord } | undefined> {
  const [column, value] = 'id' in key ? (['id', key.id] as const) : (['token_hash', key.tokenHash] as const);
  const row = await firstCompiled(
    db,
    `session with user by ${column}`,
    (slot) =>
      db
        .selectFrom('sessions')
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .selectAll('users')
        .select([
          'sessions.token_hash',
          'sessions.id as session_id',
          'sessions.create_time as session_create_time',
          'sessions.expire_time',
          'sessions.last_used_time',
          'sessions.user_agent',
        ])
        .where(`sessions.${column}`, '=', slot('value')),
    { value },
  );
  if (!row) return undefined;
  // The session's columns that share a name with the user's come back renamed.
  const { token_hash, session_id, session_create_time, expire_time, last_used_time, user_agent, ...user } = row;
  const session = sessionRows.fromRow({
    token_hash,
    id: session_id,
    user_id: user.id,
    create_time: session_create_time,
    expire_time,
    last_used_time,
    user_agent,
  });
  return { session, user: userRows.fromRow(user) };
}

export async function listSessions(db: Executor, userId: string): Promise<SessionRecord[]> {
  const rows = await db
    .selectFrom('sessions')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('create_time', 'desc')
    .orderBy('id')
    .execute();
  return rows.map(sessionRows.fromRow);
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
