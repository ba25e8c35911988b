/** The store's named errors: what a caller may catch and map to the wire (server/errors.ts). */

/** Base class of every error the store throws on purpose; `code` is stable, `message` is for people. */
export class StoreError extends Error {
  /** Stable machine-readable code, e.g. `duplicate_key`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * A unique constraint was violated (same on SQLite and PostgreSQL).
 * `table` and `columns` name the constraint, e.g. `users` / `['email']` for a taken email.
 */
export class DuplicateKeyError extends StoreError {
  readonly table: string | undefined;
  readonly columns: string[];

  constructor(table: string | undefined, columns: string[], options?: { cause?: unknown }) {
    const target = table ? `${table}(${columns.join(', ')})` : 'a unique key';
    super('duplicate_key', `duplicate key: ${target} already exists`, options);
    this.table = table;
    this.columns = columns;
  }
}

/** A row refers to a row that does not exist (a foreign key, e.g. a message whose parent is missing). */
export class MissingReferenceError extends StoreError {
  constructor(options?: { cause?: unknown }) {
    super('missing_reference', 'a referenced row does not exist (foreign key violation)', options);
  }
}

/**
 * A text value contains U+0000 or an unpaired surrogate. PostgreSQL cannot store either in a text
 * column, so both dialects refuse them the same way. (JSON columns are unaffected: they are escaped.)
 */
export class UnsupportedTextError extends StoreError {
  constructor() {
    super('unsupported_text', 'text contains a NUL character or an unpaired surrogate, which cannot be stored');
  }
}

/** The database could not be opened or reached; the message says what to check. */
export class DatabaseConnectionError extends StoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('database_unavailable', message, options);
  }
}

/** A migration failed; the message names it. The schema is left as it was before the run. */
export class MigrationError extends StoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('migration_failed', message, options);
  }
}
