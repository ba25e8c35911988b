/** The state one run of `backchat copy` shares between its steps (copy-database.ts builds it). */
import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import type { Database } from '../database-schema.js';
import type { CopyProgressListener } from './copy-progress.js';

export interface CopyRun {
  source: Kysely<Database>;
  /** One connection of the target, holding the copy's lock for the whole run. */
  target: Kysely<Database>;
  /** `SQLite file /abs/path/backchat.sqlite`: tells an unfinished copy of this source from others. */
  sourceId: string;
  /** The target for people, never with a password. */
  targetName: string;
  progress: CopyProgressListener;
  clock: Clock;
  /** Discard an unfinished copy found in the target. */
  restart: boolean;
  /** Rows per batch; undefined: about 8 MB of values. */
  batchRows: number | undefined;
  /** Tests: fail once this run has copied this many rows. */
  failAfterRows: number | undefined;
  /** Rows copied by this run so far. */
  copiedNow: number;
}
