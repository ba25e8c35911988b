/** Queries on `users`. Emails are stored lowercased and compared lowercased. */
import type { Selectable } from 'kysely';
import { readBoolean, readCount } from './column-codecs.js';
import type { UsersTable } from './database-schema.js';
import type { Executor } from './executor.js';
import type { NewUser, Role, UserPatch, UserRecord } from './store.js';

export function toUser(row: Selectable<UsersTable>): UserRecord {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    passwordHash: row.password_hash,
    role: row.role as Role,
    disabled: readBoolean(row.disabled),
    createTime: row.create_time,
    modelAccess: readModelAccess(row.model_access),
  };
}

function readModelAccess(value: string | null): string[] | null {
  if (value === null) return null;
  const parsed: unknown = JSON.parse(value);
  return Array.isArray(parsed) ? parsed.filter((slug): slug is string => typeof slug === 'string') : null;
}

/** Inserts a user (email lowercased); a taken email or id throws `DuplicateKeyError`. */
export async function createUser(db: Executor, user: NewUser): Promise<UserRecord> {
  const row = {
    id: user.id,
    email: user.email.toLowerCase(),
    name: user.name,
    password_hash: user.passwordHash,
    role: user.role,
    disabled: false,
    create_time: user.createTime,
    model_access: null,
  };
  await db.insertInto('users').values(row).execute();
  return toUser(row);
}

export async function getUserById(db: Executor, id: string): Promise<UserRecord | undefined> {
  const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toUser(row);
}

export async function getUserByEmail(db: Executor, email: string): Promise<UserRecord | undefined> {
  const row = await db.selectFrom('users').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst();
  return row && toUser(row);
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
  return rows.map(toUser);
}

export async function updateUser(db: Executor, id: string, patch: UserPatch): Promise<boolean> {
  const values = {
    name: patch.name,
    password_hash: patch.passwordHash,
    role: patch.role,
    disabled: patch.disabled,
    model_access: patch.modelAccess === undefined ? undefined : patch.modelAccess && JSON.stringify(patch.modelAccess),
  };
  if (Object.values(values).every((value) => value === undefined)) {
    return (await getUserById(db, id)) !== undefined;
  }
  const result = await db.updateTable('users').set(values).where('id', '=', id).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
