/** The prompt part of the Store seam: the starter-prompt library. */

export interface PromptRecord {
  /** 8 lowercase hex characters. */
  id: string;
  title: string;
  description: string;
  prompt: string;
  category: string;
}

export interface PromptStore {
  /** Enabled prompts, ordered by id. */
  listPrompts(): Promise<PromptRecord[]>;
  /** Inserts or replaces (and re-enables) the prompt with this id. */
  upsertPrompt(prompt: PromptRecord): Promise<void>;
  /** Disables the prompt (a tombstone, so re-seeding never brings it back); false if absent. */
  deletePrompt(id: string): Promise<boolean>;
}
