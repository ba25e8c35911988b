/** Start-up recovery: messages left `in_progress` by a crash become interrupted partial completions. */
import { readJson, writeJson } from './column-codecs.js';
import type { Executor } from './executor.js';

/** Merged into the metadata of every interrupted message. */
export const interruptedMetadata = { finish_details: { type: 'interrupted' }, is_complete: false } as const;

/**
 * Marks every `in_progress` message `finished_partial_completion` with `interruptedMetadata` merged
 * in. Runs the merge in TypeScript so JSON handling stays dialect-free; call it inside a transaction.
 * update_time never goes below create_time (T7).
 */
export async function interruptInProgressMessages(db: Executor, updateTime: number): Promise<number> {
  const rows = await db
    .selectFrom('messages')
    .select(['seq', 'metadata', 'create_time'])
    .where('status', '=', 'in_progress')
    .execute();
  for (const row of rows) {
    const metadata = { ...readJson<Record<string, unknown>>(row.metadata), ...interruptedMetadata };
    await db
      .updateTable('messages')
      .set({
        status: 'finished_partial_completion',
        metadata: writeJson(metadata),
        update_time: Math.max(updateTime, row.create_time ?? updateTime),
      })
      .where('seq', '=', row.seq)
      .execute();
  }
  return rows.length;
}
