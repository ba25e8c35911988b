/**
 * Storage-level checks for fault tests, over one short-lived connection (open it after a crash, close
 * it before the next one, so each restart really recovers the files):
 *
 * - `storageViolations`: SQLite `PRAGMA integrity_check` is `ok` and `PRAGMA foreign_key_check` finds
 *   nothing; PostgreSQL: every foreign key of the schema, read from the catalog, has no orphan row.
 * - `duplicateViolations`: a retried request never made a second copy — per owner, no two conversations
 *   share a root id and no user message id appears twice.
 * - `inProgressAnswers`, `storedMessage`: what an answer looks like in the database.
 *
 * ```ts
 * const health = await openHealthCheck(config);
 * try { assert.deepEqual(await health.storageViolations(), []); } finally { await health.close(); }
 * ```
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../src/store/database-schema.js';
import { type DatabaseConfig, openDatabase } from '../../src/store/open-database.js';

/** A message as stored, with its JSON columns parsed. */
export interface StoredMessage {
  conversationId: string;
  id: string;
  parentId: string | null;
  role: string;
  status: string;
  text: string;
  metadata: Record<string, unknown>;
}

export interface HealthCheck {
  storageViolations(): Promise<string[]>;
  duplicateViolations(): Promise<string[]>;
  /** Every message still `in_progress` (`conversation/id`), except answers to the message `exceptUnder`. */
  inProgressAnswers(exceptUnder?: string): Promise<string[]>;
  storedMessage(conversationId: string, id: string): Promise<StoredMessage | undefined>;
  /** Every message of `role` under `parentId` in the conversation, oldest first. */
  children(conversationId: string, parentId: string, role?: string): Promise<StoredMessage[]>;
  /** The owner's conversations whose root id is `rootId`. */
  conversationsWithRoot(ownerId: string, rootId: string): Promise<string[]>;
  close(): Promise<void>;
}

async function sqliteViolations(db: Kysely<Database>): Promise<string[]> {
  const integrity = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(db);
  const lines = integrity.rows.map((row) => row.integrity_check);
  const violations = lines.length === 1 && lines[0] === 'ok' ? [] : lines.map((line) => `integrity_check: ${line}`);
  const keys = await sql<{ table: string; rowid: number; parent: string }>`pragma foreign_key_check`.execute(db);
  for (const row of keys.rows) {
    violations.push(`foreign_key_check: ${row.table} row ${row.rowid} has no ${row.parent} row`);
  }
  return violations;
}

interface ForeignKey {
  name: string;
  child: string;
  parent: string;
  child_columns: string[];
  parent_columns: string[];
}

/** Every foreign key of the current schema, with its column lists in key order. */
async function postgresForeignKeys(db: Kysely<Database>): Promise<ForeignKey[]> {
  const { rows } = await sql<ForeignKey>`
    select c.conname as name, child.relname as child, parent.relname as parent,
      array(select a.attname::text from unnest(c.conkey) with ordinality k(num, pos)
            join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.num order by k.pos) as child_columns,
      array(select a.attname::text from unnest(c.confkey) with ordinality k(num, pos)
            join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.num order by k.pos) as parent_columns
    from pg_constraint c
    join pg_class child on child.oid = c.conrelid
    join pg_class parent on parent.oid = c.confrelid
    join pg_namespace n on n.oid = child.relnamespace
    where c.contype = 'f' and n.nspname = current_schema()
    order by c.conname`.execute(db);
  return rows;
}

async function postgresViolations(db: Kysely<Database>): Promise<string[]> {
  const keys = await postgresForeignKeys(db);
  if (keys.length === 0) return ['no foreign keys found in the schema: the orphan check checked nothing'];
  const violations: string[] = [];
  for (const key of keys) {
    const matches = key.child_columns.map(
      (column, index) => sql`p.${sql.ref(key.parent_columns[index] ?? '')} = c.${sql.ref(column)}`,
    );
    const present = key.child_columns.map((column) => sql`c.${sql.ref(column)} is not null`);
    const { rows } = await sql<{ orphans: string | number }>`
      select count(*) as orphans from ${sql.table(key.child)} c
      where ${sql.join(present, sql` and `)}
        and not exists (select 1 from ${sql.table(key.parent)} p where ${sql.join(matches, sql` and `)})`.execute(db);
    const orphans = Number(rows[0]?.orphans ?? 0);
    if (orphans > 0)
      violations.push(`foreign key ${key.name}: ${orphans} ${key.child} row(s) without a ${key.parent} row`);
  }
  return violations;
}

async function duplicates(db: Kysely<Database>): Promise<string[]> {
  const roots = await db
    .selectFrom('conversations')
    .select(['owner_id', 'root_id', (eb) => eb.fn.countAll<string | number>().as('copies')])
    .groupBy(['owner_id', 'root_id'])
    .having((eb) => eb.fn.countAll(), '>', 1)
    .execute();
  const users = await db
    .selectFrom('messages')
    .select(['owner_id', 'id', (eb) => eb.fn.countAll<string | number>().as('copies')])
    .where('role', '=', 'user')
    .groupBy(['owner_id', 'id'])
    .having((eb) => eb.fn.countAll(), '>', 1)
    .execute();
  return [
    ...roots.map((row) => `owner ${row.owner_id} has ${row.copies} conversations with root ${row.root_id}`),
    ...users.map((row) => `owner ${row.owner_id} has ${row.copies} copies of user message ${row.id}`),
  ];
}

function parseJson<T>(value: unknown, fallback: T): T {
  if (typeof value !== 'string') return (value ?? fallback) as T;
  try {
    return JSON.parse(value) as T;
  } catch {
    return fallback;
  }
}

type MessageRow = Pick<
  Database['messages'],
  'conversation_id' | 'id' | 'parent_id' | 'role' | 'status' | 'parts' | 'metadata'
>;

function toStored(row: MessageRow): StoredMessage {
  const parts = parseJson<unknown[]>(row.parts, []);
  return {
    conversationId: row.conversation_id,
    id: row.id,
    parentId: row.parent_id,
    role: row.role,
    status: row.status,
    text: parts.map((part) => (typeof part === 'string' ? part : '')).join(''),
    metadata: parseJson<Record<string, unknown>>(row.metadata, {}),
  };
}

const messageColumns = ['conversation_id', 'id', 'parent_id', 'role', 'status', 'parts', 'metadata'] as const;

/** Opens one connection to `config` for the checks; close it before the database's process is killed. */
export async function openHealthCheck(config: DatabaseConfig): Promise<HealthCheck> {
  const { db } = await openDatabase(config);
  return {
    storageViolations: () => (config.kind === 'sqlite' ? sqliteViolations(db) : postgresViolations(db)),
    duplicateViolations: () => duplicates(db),
    async inProgressAnswers(exceptUnder) {
      const rows = await db
        .selectFrom('messages')
        .select(['conversation_id', 'id', 'parent_id'])
        .where('status', '=', 'in_progress')
        .orderBy('seq')
        .execute();
      return rows
        .filter((row) => exceptUnder === undefined || row.parent_id !== exceptUnder)
        .map((row) => `${row.conversation_id}/${row.id}`);
    },
    async storedMessage(conversationId, id) {
      const row = await db
        .selectFrom('messages')
        .select(messageColumns)
        .where('conversation_id', '=', conversationId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toStored(row);
    },
    async children(conversationId, parentId, role) {
      let query = db
        .selectFrom('messages')
        .select(messageColumns)
        .where('conversation_id', '=', conversationId)
        .where('parent_id', '=', parentId);
      if (role) query = query.where('role', '=', role);
      return (await query.orderBy('seq').execute()).map(toStored);
    },
    async conversationsWithRoot(ownerId, rootId) {
      const rows = await db
        .selectFrom('conversations')
        .select('id')
        .where('owner_id', '=', ownerId)
        .where('root_id', '=', rootId)
        .orderBy('id')
        .execute();
      return rows.map((row) => row.id);
    },
    close: () => db.destroy(),
  };
}
