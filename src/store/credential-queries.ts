/** Queries on `personal_access_tokens` and `invites` (secrets stored only as SHA-256 hashes). */
import { textUnionColumn } from './column-codecs.js';
import { firstCompiled } from './compiled-statements.js';
import type { InvitesTable, PersonalAccessTokensTable } from './database-schema.js';
import type { Executor } from './executor.js';
import { rowMapper } from './row-mapper.js';
import type { InviteRecord, PersonalAccessTokenRecord, UserRecord } from './store.js';
import { userRows } from './user-queries.js';

const tokenRows = rowMapper<PersonalAccessTokensTable, PersonalAccessTokenRecord>({});

const inviteRows = rowMapper<InvitesTable, InviteRecord>({ role: textUnionColumn() });

export async function createPersonalAccessToken(db: Executor, token: PersonalAccessTokenRecord): Promise<void> {
  await db.insertInto('personal_access_tokens').values(tokenRows.toRow(token)).execute();
}

/** The token behind a hash and its user, in one read (every request made with a personal token). */
export async function getPersonalAccessTokenWithUser(
  db: Executor,
  tokenHash: string,
): Promise<{ token: PersonalAccessTokenRecord; user: UserRecord } | undefined> {
  const row = await firstCompiled(
    db,
    'personal access token with user',
    (slot) =>
      db
        .selectFrom('personal_access_tokens')
        .innerJoin('users', 'users.id', 'personal_access_tokens.user_id')
        .selectAll('users')
        .select([
          'personal_access_tokens.id as token_id',
          'personal_access_tokens.name as token_name',
          'personal_access_tokens.token_hash',
          'personal_access_tokens.prefix',
          'personal_access_tokens.create_time as token_create_time',
          'personal_access_tokens.expire_time',
          'personal_access_tokens.last_used_time',
        ])
        .where('personal_access_tokens.token_hash', '=', slot('tokenHash')),
    { tokenHash },
  );
  if (!row) return undefined;
  // The token's columns that share a name with the user's come back renamed.
  const { token_id, token_name, token_hash, prefix, token_create_time, expire_time, last_used_time, ...user } = row;
  const token = tokenRows.fromRow({
    id: token_id,
    user_id: user.id,
    name: token_name,
    token_hash,
    prefix,
    create_time: token_create_time,
    expire_time,
    last_used_time,
  });
  return { token, user: userRows.fromRow(user) };
}

export async function listPersonalAccessTokens(db: Executor, userId: string): Promise<PersonalAccessTokenRecord[]> {
  const rows = await db
    .selectFrom('personal_access_tokens')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('create_time', 'desc')
    .orderBy('id')
    .execute();
  return rows.map(tokenRows.fromRow);
}

export async function touchPersonalAccessToken(db: Executor, id: string, lastUsedTime: number): Promise<void> {
  await db.updateTable('personal_access_tokens').set({ last_used_time: lastUsedTime }).where('id', '=', id).execute();
}

export async function deletePersonalAccessToken(db: Executor, userId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('personal_access_tokens')
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function deleteUserPersonalAccessTokens(db: Executor, userId: string): Promise<number> {
  const result = await db.deleteFrom('personal_access_tokens').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function createInvite(db: Executor, invite: InviteRecord): Promise<void> {
  await db.insertInto('invites').values(inviteRows.toRow(invite)).execute();
}

export async function getInviteByHash(db: Executor, tokenHash: string): Promise<InviteRecord | undefined> {
  const row = await db.selectFrom('invites').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  return row && inviteRows.fromRow(row);
}

export async function listInvites(db: Executor): Promise<InviteRecord[]> {
  const rows = await db.selectFrom('invites').selectAll().orderBy('create_time', 'desc').orderBy('id').execute();
  return rows.map(inviteRows.fromRow);
}

/** The conditional update is the claim: of two racing sign-ups, one sees `false`. */
export async function markInviteUsed(db: Executor, id: string, userId: string, usedTime: number): Promise<boolean> {
  const result = await db
    .updateTable('invites')
    .set({ used_time: usedTime, used_by: userId })
    .where('id', '=', id)
    .where('used_time', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function deleteUnusedInvite(db: Executor, id: string): Promise<boolean> {
  const result = await db.deleteFrom('invites').where('id', '=', id).where('used_time', 'is', null).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
