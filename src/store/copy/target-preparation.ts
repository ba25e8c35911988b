/**
 * How a copy starts, from what the target holds: nothing (a freshly migrated database) → a fresh copy;
 * an unfinished copy of the same source → resume it; an unfinished copy and `--restart` → discard it
 * and start over; anything else → refuse, changing nothing.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../database-schema.js';
import { CopyError } from './copy-errors.js';
import { addMissingTables, readMarker, startMarker, type TableProgress } from './copy-marker.js';
import { type CopyTable, derivedPostgresTables } from './copy-plan.js';
import { formatCount } from './copy-progress.js';
import type { CopyRun } from './copy-run.js';
import { countRows, postgresTables, tablesWithData } from './target-contents.js';

export interface PreparedTarget {
  /** Each table's progress: nothing copied, or what an interrupted run left. */
  progress: TableProgress[];
  /** True when this run goes on from an interrupted copy. */
  resumed: boolean;
}

/** Decides how this run starts, readies the target for it and returns every table's progress. */
export async function prepareTarget(run: CopyRun, plan: readonly CopyTable[]): Promise<PreparedTarget> {
  const marker = await readMarker(run.target);
  if (marker === undefined) {
    await refuseUnlessEmpty(run.target, run.targetName);
    await startOver(run, plan, 'delete');
  } else if (run.restart) {
    run.progress.note(`restarting: discarding the unfinished copy of ${marker[0]?.source ?? 'an unknown source'}`);
    await startOver(run, plan, 'truncate');
  } else {
    await checkResumable(run, plan, marker);
    await addMissingTables(run.target, run.sourceId, marker, plan);
  }
  const progress = (await readMarker(run.target)) ?? [];
  const resumed = marker !== undefined && !run.restart;
  if (resumed) {
    const copied = progress.reduce((sum, entry) => sum + entry.rowsCopied, 0);
    run.progress.note(`resuming the interrupted copy: ${formatCount(copied)} rows were copied before`);
  }
  return { progress, resumed };
}

/**
 * Throws `CopyError` when the target holds rows in any table (seeded starter prompts aside) and is
 * not an unfinished copy. Runs before the target is migrated too, so a refused target is left as it was.
 */
export async function refuseUnlessEmpty(db: Kysely<Database>, targetName: string): Promise<void> {
  if ((await readMarker(db)) !== undefined) return;
  const found = await tablesWithData(db, await postgresTables(db));
  if (found.length === 0) return;
  const listed = found.map(({ table, rows }) => `${table}: ${formatCount(rows)}`).join(', ');
  throw new CopyError(
    `the target ${targetName} already holds data (rows in ${listed}) and copy never overwrites data: create an empty database (e.g. createdb backchat) and pass its URL to --to`,
  );
}

/**
 * Empties every copied table and records "nothing copied yet", in one transaction: `delete` for a
 * target holding only the seeded starter prompts, `truncate` to discard an unfinished copy quickly.
 */
async function startOver(run: CopyRun, plan: readonly CopyTable[], how: 'delete' | 'truncate'): Promise<void> {
  await run.target.transaction().execute(async (transaction) => {
    if (how === 'truncate') {
      // The derived tables go too: they reference copied rows, and truncate does not cascade by itself.
      const present = new Set(await postgresTables(transaction));
      const derived = [...derivedPostgresTables].filter((name) => present.has(name));
      const names = [...plan.map((table) => table.name), ...derived];
      await sql`truncate table ${sql.join(names.map((name) => sql.table(name)))}`.execute(transaction);
    } else {
      for (const table of [...plan].reverse()) await sql`delete from ${sql.table(table.name)}`.execute(transaction);
    }
    await startMarker(transaction, run.sourceId, plan);
  });
}

/** An unfinished copy resumes only when it is of this source and nothing else wrote to the target since. */
async function checkResumable(run: CopyRun, plan: readonly CopyTable[], marker: TableProgress[]): Promise<void> {
  const from = marker[0]?.source;
  if (from !== run.sourceId) {
    throw new CopyError(
      `the target ${run.targetName} holds an unfinished copy of ${from}, not of ${run.sourceId}: finish that one (run the copy with its --data-dir) or pass --restart to discard it and copy this one`,
    );
  }
  for (const entry of marker) {
    if (!plan.some((table) => table.name === entry.table)) continue;
    const rows = await countRows(run.target, entry.table);
    if (rows !== entry.rowsCopied) {
      throw new CopyError(
        `${entry.table} holds ${formatCount(rows)} rows in the target but the interrupted copy wrote ${formatCount(entry.rowsCopied)}: the target changed since (was backchat started on it?); pass --restart to discard it and copy again`,
      );
    }
  }
}
