/** The handle query functions run on: the database itself or the transaction in progress. */
import type { Kysely } from 'kysely';
import type { Database } from './database-schema.js';

/** `Kysely<Database>` or a `Transaction<Database>` (which extends it). */
export type Executor = Kysely<Database>;
