/** Queries on `prompts`, the starter-prompt library. Deleting disables, so a re-seed cannot resurrect it. */
import type { Executor } from './executor.js';
import type { PromptRecord } from './store.js';

/** Enabled prompts ordered by id (a stable order; the server samples or pages from it). */
export async function listPrompts(db: Executor): Promise<PromptRecord[]> {
  return db
    .selectFrom('prompts')
    .select(['id', 'title', 'description', 'prompt', 'category'])
    .where('enabled', '=', true)
    .orderBy('id')
    .execute();
}

/** Inserts or replaces the prompt with this id, and (re-)enables it. */
export async function upsertPrompt(db: Executor, prompt: PromptRecord): Promise<void> {
  const { id, title, description, category } = prompt;
  await db
    .insertInto('prompts')
    .values({ id, title, description, prompt: prompt.prompt, category, enabled: true })
    .onConflict((conflict) =>
      conflict.column('id').doUpdateSet({ title, description, prompt: prompt.prompt, category, enabled: true }),
    )
    .execute();
}

/** Disables the prompt (kept as a tombstone so seeding never brings it back); false if absent or disabled. */
export async function deletePrompt(db: Executor, id: string): Promise<boolean> {
  const result = await db
    .updateTable('prompts')
    .set({ enabled: false })
    .where('id', '=', id)
    .where('enabled', '=', true)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
