/** Migration 002: seeds the shipped prompt library; never overwrites a row an operator has edited. */

import { promptLibrary } from '../prompt-library.js';
import type { Migration } from './migration.js';

/** The table as this migration knows it (later migrations may change it; this one must not). */
type PromptsAtVersion2 = {
  prompts: { id: string; title: string; description: string; prompt: string; category: string };
};

/** Migration 002. */
export const promptLibraryMigration: Migration = {
  name: '002-prompt-library',
  async up(db) {
    const rows = promptLibrary.map(({ id, title, description, prompt, category }) => ({
      id,
      title,
      description,
      prompt,
      category,
    }));
    await db
      .withTables<PromptsAtVersion2>()
      .insertInto('prompts')
      .values(rows)
      .onConflict((conflict) => conflict.column('id').doNothing())
      .execute();
  },
};
