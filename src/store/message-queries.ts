/**
 * Queries on `messages`. Every query is filtered by conversation and `owner_id`; a message row's
 * owner_id always equals its conversation's (insertMessage checks it), so filtering on the message
 * row alone is enough.
 */
import { sql } from 'kysely';
import { jsonColumn, nullableBooleanColumn, nullableJsonColumn, textUnionColumn } from './column-codecs.js';
import { insertRows, updateColumns } from './compiled-statements.js';
import { conversationExists, conversationRows, newConversationRecord } from './conversation-queries.js';
import type { MessagesTable } from './database-schema.js';
import type { Executor } from './executor.js';
import { latencyReportRow } from './latency-queries.js';
import { rowMapper } from './row-mapper.js';
import type { AnswerStart, LatencyReport, MessageLink, MessagePatch, MessageRecord, MessageText } from './store.js';
import { guardText } from './text-guard.js';

/** Longest parent chain pathToMessage follows: a guard against cycles, far above any real chat. */
export const maxPathDepth = 100_000;

/** `owner_id` (always the conversation's owner) and `seq` (insertion order) stay in the database. */
export const messageRows = rowMapper<MessagesTable, MessageRecord>(
  {
    role: textUnionColumn(),
    parts: jsonColumn,
    status: textUnionColumn(),
    endTurn: nullableBooleanColumn,
    metadata: jsonColumn,
    extras: nullableJsonColumn,
  },
  { hidden: { owner_id: true, seq: true } },
);

/** The same rows with the JSON columns left as text (`MessageText`): nothing parsed. */
export const messageTextRows = rowMapper<MessagesTable, MessageText>(
  {
    role: textUnionColumn(),
    status: textUnionColumn(),
    endTurn: nullableBooleanColumn,
    extras: {
      read: (stored: string | null) => stored ?? undefined,
      write: (value: string | undefined) => value ?? null,
    },
  },
  { hidden: { owner_id: true, seq: true } },
);

function ownedMessages(db: Executor, ownerId: string, conversationId: string) {
  return db.selectFrom('messages').where('owner_id', '=', ownerId).where('conversation_id', '=', conversationId);
}

/**
 * Inserts messages of one of the owner's conversations, in order, with one check and one statement;
 * false (nothing written) if the owner has no such conversation.
 */
export async function insertMessages(db: Executor, ownerId: string, records: MessageRecord[]): Promise<boolean> {
  const [first] = records;
  if (!first) return true;
  if (records.some((record) => record.conversationId !== first.conversationId)) {
    throw new Error('insertMessages: every message must belong to the same conversation');
  }
  if (!(await conversationExists(db, ownerId, first.conversationId))) return false;
  await insertOwnedMessages(db, ownerId, records);
  return true;
}

/** Inserts messages of a conversation known to be the owner's (`insertMessages` checks it first). */
export async function insertOwnedMessages(db: Executor, ownerId: string, records: MessageRecord[]): Promise<void> {
  if (records.length === 0) return;
  await insertRows(
    db,
    'messages',
    records.map((record) => ({ ...messageRows.toRow(record), owner_id: ownerId })),
  );
}

export async function getMessage(
  db: Executor,
  ownerId: string,
  conversationId: string,
  id: string,
): Promise<MessageRecord | undefined> {
  const row = await ownedMessages(db, ownerId, conversationId).selectAll().where('id', '=', id).executeTakeFirst();
  return row && messageRows.fromRow(row);
}

export async function listMessages(db: Executor, ownerId: string, conversationId: string): Promise<MessageRecord[]> {
  const rows = await ownedMessages(db, ownerId, conversationId).selectAll().orderBy('seq').execute();
  return rows.map(messageRows.fromRow);
}

/** Up to `limit` messages' ids and parents after `afterSeq`, in insertion order: the tree's shape. */
export async function listMessageLinks(
  db: Executor,
  ownerId: string,
  conversationId: string,
  afterSeq: number,
  limit: number,
): Promise<MessageLink[]> {
  const rows = await ownedMessages(db, ownerId, conversationId)
    .select(['seq', 'id', 'parent_id'])
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((row) => ({ seq: Number(row.seq), id: row.id, parentId: row.parent_id }));
}

/** The rows of `listMessagesAfter`. */
function rowsAfter(db: Executor, ownerId: string, conversationId: string, afterSeq: number, limit: number) {
  return ownedMessages(db, ownerId, conversationId)
    .selectAll()
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
}

/** Up to `limit` messages inserted after the one at `afterSeq` (0: from the first), in insertion order. */
export async function listMessagesAfter(
  db: Executor,
  ownerId: string,
  conversationId: string,
  afterSeq: number,
  limit: number,
): Promise<MessageRecord[]> {
  return (await rowsAfter(db, ownerId, conversationId, afterSeq, limit)).map(messageRows.fromRow);
}

/** `listMessagesAfter` with the JSON columns as text (`MessageText`). */
export async function listMessageTextsAfter(
  db: Executor,
  ownerId: string,
  conversationId: string,
  afterSeq: number,
  limit: number,
): Promise<MessageText[]> {
  return (await rowsAfter(db, ownerId, conversationId, afterSeq, limit)).map(messageTextRows.fromRow);
}

/** The path's rows: one recursive query from the leaf up to the root (depth-capped), root first. */
function pathRows(db: Executor, ownerId: string, conversationId: string, leafId: string, maxMessages: number) {
  return db
    .withRecursive('path(seq, parent_id, depth)', (cte) =>
      cte
        .selectFrom('messages')
        .select(['seq', 'parent_id', sql<number>`0`.as('depth')])
        .where('owner_id', '=', ownerId)
        .where('conversation_id', '=', conversationId)
        .where('id', '=', leafId)
        .unionAll(
          cte
            .selectFrom('messages')
            .innerJoin('path', 'path.parent_id', 'messages.id')
            .select(['messages.seq', 'messages.parent_id', sql<number>`path.depth + 1`.as('depth')])
            .where('messages.owner_id', '=', ownerId)
            .where('messages.conversation_id', '=', conversationId)
            .where('path.depth', '<', Math.min(maxMessages, maxPathDepth) - 1),
        ),
    )
    .selectFrom('path')
    .innerJoin('messages', 'messages.seq', 'path.seq')
    .selectAll('messages')
    .orderBy('path.depth', 'desc');
}

/** One recursive query from the leaf up to the root (depth-capped), returned root first. */
export async function pathToMessage(
  db: Executor,
  ownerId: string,
  conversationId: string,
  leafId: string,
  maxMessages = maxPathDepth,
): Promise<MessageRecord[]> {
  const rows = await pathRows(db, ownerId, conversationId, leafId, maxMessages).execute();
  return rows.map(messageRows.fromRow);
}

/** `pathToMessage` with the JSON columns as text (`MessageText`): a window's messages, written as they are stored. */
export async function pathTextsToMessage(
  db: Executor,
  ownerId: string,
  conversationId: string,
  leafId: string,
  maxMessages = maxPathDepth,
): Promise<MessageText[]> {
  const rows = await pathRows(db, ownerId, conversationId, leafId, maxMessages).execute();
  return rows.map(messageTextRows.fromRow);
}

/**
 * `pathTextsToMessage` and the child ids of each of its messages in ONE statement (PostgreSQL: one round
 * trip instead of two for a conversation window). The children come from one correlated lookup per
 * message, which can only be answered with the (conversation_id, parent_id) index: an `in (…)` list is
 * planned from table statistics, and until a freshly filled table was analyzed PostgreSQL took the
 * whole conversation from its seq index (7 ms at 10,000 messages, against 0.6 ms).
 */
export async function pathWithChildIdsInOneStatement(
  db: Executor,
  ownerId: string,
  conversationId: string,
  leafId: string,
  maxMessages = maxPathDepth,
): Promise<{ path: MessageText[]; childIds: Map<string, string[]> }> {
  const rows = await pathRows(db, ownerId, conversationId, leafId, maxMessages)
    .select(
      sql<string[]>`array(
        select c.id from messages c
        where c.owner_id = ${ownerId} and c.conversation_id = ${conversationId} and c.parent_id = messages.id
        order by c.seq
      )`.as('child_ids'),
    )
    .execute();
  const childIds = new Map<string, string[]>();
  const path = rows.map(({ child_ids, ...row }) => {
    if (child_ids.length > 0) childIds.set(row.id, child_ids);
    return messageTextRows.fromRow(row);
  });
  return { path, childIds };
}

/**
 * The children of each of `parentIds` (one statement), in insertion order; parents without children
 * are absent. Sorted here, not by the query: an `order by seq` led SQLite to walk the (conversation_id,
 * seq) index over the whole conversation (7 ms at 10,000 messages) instead of looking each parent up.
 */
export async function listChildIdsOf(
  db: Executor,
  ownerId: string,
  conversationId: string,
  parentIds: readonly string[],
): Promise<Map<string, string[]>> {
  if (parentIds.length === 0) return new Map();
  const rows = await ownedMessages(db, ownerId, conversationId)
    .select(['seq', 'id', 'parent_id'])
    .where('parent_id', 'in', [...parentIds])
    .execute();
  rows.sort((a, b) => Number(a.seq) - Number(b.seq));
  const children = new Map<string, string[]>();
  for (const row of rows) {
    if (row.parent_id === null) continue;
    const list = children.get(row.parent_id);
    if (list) list.push(row.id);
    else children.set(row.parent_id, [row.id]);
  }
  return children;
}

/**
 * The leaf reached from `nodeId` by following the newest child at each step (one recursive query, an
 * index lookup per step, depth-capped like `pathToMessage`); undefined when there is no such message.
 */
export async function newestLeafUnder(
  db: Executor,
  ownerId: string,
  conversationId: string,
  nodeId: string,
): Promise<string | undefined> {
  const { rows } = await sql<{ id: string }>`
    with recursive down(id, depth) as (
      select id, 0 from messages where owner_id = ${ownerId} and conversation_id = ${conversationId} and id = ${nodeId}
      union all
      select (
        select child.id from messages child
        where child.owner_id = ${ownerId} and child.conversation_id = ${conversationId} and child.parent_id = down.id
        order by child.seq desc limit 1
      ), down.depth + 1
      from down where down.id is not null and down.depth < ${maxPathDepth}
    )
    select id from down where id is not null order by depth desc limit 1`.execute(db);
  return rows[0]?.id;
}

export async function listChildIds(
  db: Executor,
  ownerId: string,
  conversationId: string,
  parentId: string,
): Promise<string[]> {
  const rows = await ownedMessages(db, ownerId, conversationId)
    .select('id')
    .where('parent_id', '=', parentId)
    .orderBy('seq')
    .execute();
  return rows.map((row) => row.id);
}

/**
 * The oldest child of `parentId` — under the root, the conversation's system message — in one read: the
 * child's place is found through the (conversation_id, parent_id) index, then the row by it.
 */
export async function firstChild(
  db: Executor,
  ownerId: string,
  conversationId: string,
  parentId: string,
): Promise<MessageRecord | undefined> {
  const row = await ownedMessages(db, ownerId, conversationId)
    .selectAll()
    .where('seq', '=', (eb) =>
      eb
        .selectFrom('messages')
        .select((inner) => inner.fn.min('seq').as('seq'))
        .where('owner_id', '=', ownerId)
        .where('conversation_id', '=', conversationId)
        .where('parent_id', '=', parentId),
    )
    .executeTakeFirst();
  return row && messageRows.fromRow(row);
}

export async function updateMessage(
  db: Executor,
  ownerId: string,
  conversationId: string,
  id: string,
  patch: MessagePatch,
): Promise<boolean> {
  const values = messageRows.toColumns(patch);
  if (Object.keys(values).length === 0) {
    return (await getMessage(db, ownerId, conversationId, id)) !== undefined;
  }
  const where = { owner_id: ownerId, conversation_id: conversationId, id };
  return (await updateColumns(db, 'messages', values, where)) > 0n;
}

/**
 * An answer's final state, the conversation's update time, the end of its lease and the server's
 * latency report — in ONE statement (data-modifying common table expressions, PostgreSQL only): atomic
 * like a transaction, one round trip instead of six (begin, four statements, commit).
 */
export async function finishAnswerInOneStatement(
  db: Executor,
  answer: { ownerId: string; conversationId: string; messageId: string },
  patch: MessagePatch,
  updateTime: number,
  report: LatencyReport | undefined,
): Promise<void> {
  const { ownerId, conversationId, messageId } = answer;
  const finish = db
    .with('finished_message', (query) =>
      query
        .updateTable('messages')
        .set(messageRows.toColumns(patch))
        .where('owner_id', '=', ownerId)
        .where('conversation_id', '=', conversationId)
        .where('id', '=', messageId)
        .returning('id'),
    )
    .with('touched_conversation', (query) =>
      query
        .updateTable('conversations')
        .set({ update_time: updateTime })
        .where('owner_id', '=', ownerId)
        .where('id', '=', conversationId)
        .returning('id'),
    );
  // A data-modifying CTE runs whether or not the rest of the statement reads it.
  const withReport = report
    ? finish.with('latency_report', (query) =>
        query.insertInto('latency_reports').values(latencyReportRow(report)).returning('id'),
      )
    : finish;
  await withReport
    .deleteFrom('generations')
    .where('conversation_id', '=', conversationId)
    .where('message_id', '=', messageId)
    // Only the owner's answer ends its lease.
    .where((eb) => eb.exists(eb.selectFrom('finished_message').select('id')))
    .execute();
}

/** The columns a new message row is written with (`seq` is the database's). */
const insertedColumns = [
  'conversation_id',
  'owner_id',
  'id',
  'parent_id',
  'role',
  'author_name',
  'content_type',
  'parts',
  'status',
  'end_turn',
  'weight',
  'metadata',
  'recipient',
  'model_slug',
  'create_time',
  'update_time',
] as const;

/**
 * A turn's start in ONE statement (PostgreSQL only): the conversation's new current node (owner-scoped,
 * which is also the ownership check) or the conversation the turn creates, then the new messages and
 * the answer's lease, each written only if that update found the owner's conversation (or the insert
 * made it). The rows travel as one JSON array and take their types from the
 * `messages` row type. The text guard sees only bound values, so each value is guarded before encoding.
 * True when written.
 */
export async function startAnswerInOneStatement(db: Executor, ownerId: string, start: AnswerStart): Promise<boolean> {
  const { lease } = start;
  const rows = start.messages.map((record) => {
    const row: Record<string, unknown> = { ...messageRows.toRow(record), owner_id: ownerId };
    return Object.fromEntries(insertedColumns.map((column) => [column, guardText(row[column] ?? null)]));
  });
  const columns = sql.join(insertedColumns.map((column) => sql.ref(column)));
  // A conversation the turn creates is inserted with its current node and update time; the messages'
  // references to it are checked at the statement's end, once it exists.
  const touched = start.conversation
    ? db
        .insertInto('conversations')
        .values(
          conversationRows.toRow(
            newConversationRecord({ ...start.conversation, ownerId, currentNode: start.currentNode }, start.updateTime),
          ),
        )
        .returning('id')
    : sql`update conversations set current_node = ${start.currentNode}, update_time = ${start.updateTime}
      where owner_id = ${ownerId} and id = ${lease.conversationId}
      returning id`;
  const result = await sql<{ owned: number }>`
    with touched as (${touched}), inserted as (
      insert into messages (${columns})
      select ${columns} from json_populate_recordset(null::messages, ${JSON.stringify(rows)}::json)
      where exists (select 1 from touched)
      returning id
    ), leased as (
      insert into generations (conversation_id, message_id, owner_id, instance_id, start_time, lease_expire_time)
      select ${lease.conversationId}, ${lease.messageId}, ${lease.ownerId}, ${lease.instanceId},
        cast(${lease.startTime} as double precision), cast(${lease.leaseExpireTime} as double precision)
      where exists (select 1 from touched)
      returning message_id
    )
    select (select count(*) from touched)::int as owned, (select count(*) from inserted)::int as messages,
      (select count(*) from leased)::int as leases`.execute(db);
  return (result.rows[0]?.owned ?? 0) > 0;
}

/** Deletes the message and, by cascade, its whole subtree. */
export async function deleteMessage(
  db: Executor,
  ownerId: string,
  conversationId: string,
  id: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom('messages')
    .where('owner_id', '=', ownerId)
    .where('conversation_id', '=', conversationId)
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}
