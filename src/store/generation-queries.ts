/** Answer leases (`generations`) and the recovery of answers whose writer is gone. */
import { readJson, writeJson } from './column-codecs.js';
import { firstCompiled, insertRows, runCompiled } from './compiled-statements.js';
import type { Executor } from './executor.js';
import type { GenerationLease, InstanceRecord } from './generation-store.js';

/** Merged into the metadata of every answer marked interrupted by recovery. */
export const interruptedMetadata = { finish_details: { type: 'interrupted' }, is_complete: false } as const;

export async function insertGenerationLease(db: Executor, lease: GenerationLease): Promise<void> {
  await insertRows(db, 'generations', [
    {
      conversation_id: lease.conversationId,
      message_id: lease.messageId,
      owner_id: lease.ownerId,
      instance_id: lease.instanceId,
      start_time: lease.startTime,
      lease_expire_time: lease.leaseExpireTime,
    },
  ]);
}

export async function renewGenerationLeases(db: Executor, instanceId: string, leaseExpireTime: number) {
  const result = await db
    .updateTable('generations')
    .set({ lease_expire_time: leaseExpireTime })
    .where('instance_id', '=', instanceId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function deleteGenerationLease(db: Executor, conversationId: string, messageId: string) {
  await runCompiled(
    db,
    'delete generation lease',
    (slot) =>
      db
        .deleteFrom('generations')
        .where('conversation_id', '=', slot('conversationId'))
        .where('message_id', '=', slot('messageId')),
    { conversationId, messageId },
  );
}

/**
 * Marks `in_progress` answers whose lease expired before `now` (or that have none) interrupted. Each
 * update re-checks that no live lease appeared meanwhile; update_time never goes below create_time.
 * Call it inside a transaction.
 */
export async function interruptExpiredAnswers(db: Executor, now: number): Promise<number> {
  const rows = await db
    .selectFrom('messages as m')
    .leftJoin('generations as g', (join) =>
      join.onRef('g.conversation_id', '=', 'm.conversation_id').onRef('g.message_id', '=', 'm.id'),
    )
    .select(['m.seq', 'm.conversation_id', 'm.id', 'm.metadata', 'm.create_time'])
    .where('m.status', '=', 'in_progress')
    .where((eb) => eb.or([eb('g.lease_expire_time', 'is', null), eb('g.lease_expire_time', '<', now)]))
    .execute();
  let marked = 0;
  for (const row of rows) {
    const metadata = { ...readJson<Record<string, unknown>>(row.metadata), ...interruptedMetadata };
    const liveLease = db
      .selectFrom('generations as live')
      .select('live.message_id')
      .where('live.conversation_id', '=', row.conversation_id)
      .where('live.message_id', '=', row.id)
      .where('live.lease_expire_time', '>=', now);
    const result = await db
      .updateTable('messages')
      .set({
        status: 'finished_partial_completion',
        metadata: writeJson(metadata),
        update_time: Math.max(now, row.create_time ?? now),
      })
      .where('seq', '=', row.seq)
      .where('status', '=', 'in_progress')
      .where((eb) => eb.not(eb.exists(liveLease)))
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) continue;
    marked += 1;
    await deleteGenerationLease(db, row.conversation_id, row.id);
  }
  return marked;
}

/** The newest conversation of the owner with this root that holds `messageId` (an index range, migration 011). */
export function conversationByRootQuery(db: Executor, ownerId: string, rootId: string, messageId: string) {
  return db
    .selectFrom('conversations as c')
    .innerJoin('messages as m', 'm.conversation_id', 'c.id')
    .select('c.id')
    .where('c.owner_id', '=', ownerId)
    .where('c.root_id', '=', rootId)
    .where('m.id', '=', messageId)
    .orderBy('c.create_time', 'desc');
}

export async function findConversationIdByRoot(
  db: Executor,
  ownerId: string,
  rootId: string,
  messageId: string,
): Promise<string | undefined> {
  const row = await firstCompiled(
    db,
    'conversation by root',
    (slot) => conversationByRootQuery(db, slot('ownerId'), slot('rootId'), slot('messageId')),
    { ownerId, rootId, messageId },
  );
  return row?.id;
}

export async function liveAnswerIdsInHidden(db: Executor, ownerId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('generations as g')
    .innerJoin('conversations as c', 'c.id', 'g.conversation_id')
    .select('g.message_id')
    .where('g.owner_id', '=', ownerId)
    .where('c.owner_id', '=', ownerId)
    .where('c.is_visible', '=', false)
    .execute();
  return rows.map((row) => row.message_id);
}

/** Inserts or refreshes a server process's row (its heartbeat). */
export async function recordInstance(db: Executor, instance: InstanceRecord): Promise<void> {
  await db
    .insertInto('instances')
    .values({
      instance_id: instance.instanceId,
      label: instance.label,
      shared_state: instance.sharedState,
      start_time: instance.startTime,
      heartbeat_time: instance.heartbeatTime,
    })
    .onConflict((conflict) =>
      conflict.column('instance_id').doUpdateSet({ label: instance.label, heartbeat_time: instance.heartbeatTime }),
    )
    .execute();
}

/** Other processes whose heartbeat is newer than `since`, oldest first. */
export async function otherLiveInstances(db: Executor, instanceId: string, since: number): Promise<InstanceRecord[]> {
  const rows = await db
    .selectFrom('instances')
    .selectAll()
    .where('instance_id', '!=', instanceId)
    .where('heartbeat_time', '>', since)
    .orderBy('start_time')
    .execute();
  return rows.map((row) => ({
    instanceId: row.instance_id,
    label: row.label,
    sharedState: row.shared_state === 'redis' ? 'redis' : 'none',
    startTime: row.start_time,
    heartbeatTime: row.heartbeat_time,
  }));
}

/** Removes the process's row (it is shutting down) and rows silent since before `staleBefore`. */
export async function removeInstance(db: Executor, instanceId: string, staleBefore: number): Promise<void> {
  await db
    .deleteFrom('instances')
    .where((eb) => eb.or([eb('instance_id', '=', instanceId), eb('heartbeat_time', '<', staleBefore)]))
    .execute();
}
