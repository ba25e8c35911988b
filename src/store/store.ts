/**
 * The Store seam: every persistent fact of backchat goes through it. It is split by aggregate into
 * parts, each declared with its records in its own file; a service depends on the parts it uses
 * (`store: AccountStore`, `Transactional<ConversationStore & TelemetryStore>`), and `Store` is all of
 * them plus transactions and `close`. There is one implementation (kysely-store.ts).
 *
 * Contract (checked by the contract suites under test/store/, one per part, on SQLite and PostgreSQL):
 * - Every conversation/message query takes the owner's user id. A row of another owner is
 *   indistinguishable from a missing row: lookups return `undefined`, updates return `false`.
 * - Times are float epoch seconds (`number`), never Date objects.
 * - JSON columns (parts, metadata, properties…) are parsed/serialised here, never by callers.
 * - Messages keep insertion order (`listMessages` returns them in the order they were inserted),
 *   which is the order of the wire `mapping`.
 * - Errors (src/store/store-errors.ts): a unique violation throws `DuplicateKeyError` (e.g. a taken
 *   email: `table === 'users'`, `columns` includes `'email'`); a missing referenced row (e.g. a
 *   message whose parent does not exist) throws `MissingReferenceError`; text containing U+0000 or an
 *   unpaired surrogate in a plain text column throws `UnsupportedTextError` (JSON columns accept both).
 */

import type { AccountStore } from './account-store.js';
import type { ConversationStore } from './conversation-store.js';
import type { FeedbackStore } from './feedback-store.js';
import type { GenerationStore } from './generation-store.js';
import type { HistoryStore } from './history-store.js';
import type { PromptStore } from './prompt-store.js';
import type { SearchStore } from './search-store.js';
import type { SettingsStore } from './settings-store.js';
import type { ShareStore } from './share-store.js';
import type { TelemetryStore } from './telemetry-store.js';

export type * from './account-store.js';
export type * from './conversation-store.js';
export type * from './feedback-store.js';
export type { AnswerStart, GenerationLease, GenerationStore, InstanceRecord } from './generation-store.js';
export type * from './history-store.js';
export type * from './prompt-store.js';
export type * from './search-store.js';
export type * from './settings-store.js';
export type * from './share-store.js';
export type * from './telemetry-store.js';

/**
 * Part(s) `P` of the store plus `transaction`, for a service that groups its writes: `work` gets the
 * same part(s), bound to the transaction (see `Store.transaction`).
 */
export type Transactional<P> = P & {
  transaction<T>(work: (tx: P) => Promise<T>): Promise<T>;
};

export interface Store
  extends SettingsStore,
    AccountStore,
    ConversationStore,
    GenerationStore,
    FeedbackStore,
    HistoryStore,
    PromptStore,
    SearchStore,
    ShareStore,
    TelemetryStore {
  /**
   * Runs `work` in one transaction; `tx.transaction` inside it reuses the outer transaction. Only calls
   * through `tx` are in the transaction: the store itself stays the database, which on SQLite waits for
   * the transaction to end — so `work` must never call the store it was started on (it would wait for
   * itself). Other callers wait (SQLite) or run beside it (PostgreSQL). A throw rolls everything back.
   * (No ambient context: an AsyncLocalStorage would put promise hooks on every promise of the process.)
   */
  transaction<T>(work: (tx: Store) => Promise<T>): Promise<T>;
  /** One round trip to the database; throws `DatabaseConnectionError` when it does not answer. */
  ping(): Promise<void>;
  /** Releases connections. */
  close(): Promise<void>;
}
