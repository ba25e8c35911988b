/** Queries on `users`. Emails are stored lowercased and compared lowercased. */
import { booleanColumn, readCount, readJson, textUnionColumn, writeJson } from './column-codecs.js';
import type { UsersTable } from './database-schema.js';
import type { Executor } from './executor.js';
import { type ColumnCodec, rowMapper } from './row-mapper.js';
import type { NewUser, UserPatch, UserRecord } from './store.js';

/** A JSON array of model slugs, or null for every model; anything but a string is dropped on reading. */
const modelAccessColumn: ColumnCodec<string[] | null, string | null> = {
  read: (stored) => {
    if (stored === null) return null;
    const parsed: unknown = readJson(stored);
    return Array.isArray(parsed) ? parsed.filter((slug): slug is string => typeof slug === 'string') : null;
  },
  write: (slugs) => slugs && writeJson(slugs),
};

export const userRows = rowMapper<UsersTable, UserRecord>({
  role: textUnionColumn(),
  disabled: booleanColumn,
  modelAccess: modelAccessColumn,
});

/** Inserts a user (email lowercased); a taken email or id throws `DuplicateKeyError`. */
export async function createUser(db: Executor, user: NewUser): Promise<UserRecord> {
  const record: UserRecord = { ...user, email: user.email.toLowerCase(), disabled: false, modelAccess: null };
  await db.insertInto('users').values(userRows.toRow(record)).execute();
  return userRows.roundTrip(record);
}

export async function getUserById(db: Executor, id: string): Promise<UserRecord | undefined> {
  const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  return row && userRows.fromRow(row);
}

export async function getUserByEmail(db: Executor, email: string): Promise<UserRecord | undefined> {
  const row = await db.selectFrom('users').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst();
  return row && userRows.fromRow(row);
}

export async function countUsers(db: Executor): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll().as('count'))
    .executeTakeFirst();
  return readCount(row?.count);
}

/** Every user, oldest first. */
export async function listUsers(db: Executor): Promise<UserRecord[]> {
  const rows = await db.selectFrom('users').selectAll().orderBy('create_time').orderBy('id').execute();
  return rows.map(userRows.fromRow);
}

export async function updateUser(db: Executor, id: string, patch: UserPatch): Promise<boolean> {
  const values = userRows.toColumns(patch);
  if (Object.keys(values).length === 0) {
    return (await getUserById(db, id)) !== undefined;
  }
  const result = await db.updateTable('users').set(values).where('id', '=', id).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
