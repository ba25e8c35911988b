/** The SQLite dialect (better-sqlite3): one connection, WAL, foreign keys on, booleans as 0/1. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
  type TransactionSettings,
} from 'kysely';
import { DatabaseConnectionError, DuplicateKeyError, MissingReferenceError } from '../store-errors.js';
import { defaultCheckpointerOptions, WalCheckpointer } from './sqlite-checkpointer.js';
import { errorCode, errorMessage, type StoreDialect } from './store-dialect.js';

/** Applied to the connection when it opens (the driver keeps exactly one). */
const pragmas = ['journal_mode = WAL', 'foreign_keys = ON', 'busy_timeout = 5000', 'synchronous = NORMAL'];

interface OpenedFile {
  database: BetterSqlite3.Database;
  /** Runs the WAL's checkpoints off the event loop (absent for an in-memory database). */
  checkpointer: WalCheckpointer | undefined;
}

function openDatabaseFile(file: string): OpenedFile {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const database = new BetterSqlite3(file);
  try {
    for (const pragma of pragmas) database.pragma(pragma);
    const checkpointer =
      file === ':memory:'
        ? undefined
        : new WalCheckpointer(database, file, {
            ...defaultCheckpointerOptions,
            onError: (error) => process.emitWarning(errorMessage(error), 'SqliteCheckpointWarning'),
          });
    return { database, checkpointer };
  } catch (error) {
    database.close();
    throw error;
  }
}

/** Prepared statements kept per connection, by SQL text (the store's queries are a few hundred). */
const statementCacheSize = 500;

/**
 * The connection as Kysely sees it, with its statements prepared once: preparing is a tenth of a
 * turn's CPU otherwise. A statement still being iterated (a streamed query) is never handed out
 * again; SQLite re-prepares a statement by itself after a schema change.
 */
function withStatementCache({ database, checkpointer }: OpenedFile) {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => {
      statements.clear();
      checkpointer?.close();
      database.close();
    },
    prepare: (sql: string): BetterSqlite3.Statement => {
      const cached = statements.get(sql);
      if (cached && !cached.busy) {
        // Most recently used last: the first entry is the one to drop.
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }
      const statement = database.prepare(sql);
      if (cached) return statement;
      statements.set(sql, statement);
      if (statements.size > statementCacheSize) statements.delete(statements.keys().next().value as string);
      return statement;
    },
  };
}

/**
 * Transactions begin holding the write lock (BEGIN IMMEDIATE), except those asked for `read only` (a
 * snapshot to read from, such as `backchat copy`'s source, which must not stop a running server's writes).
 * A transaction that began by reading and then writes must take the lock halfway, and SQLite does not
 * wait for it there: it answers SQLITE_BUSY at once, to rule out a deadlock between two such
 * transactions. So the moment the checkpoint worker holds the lock (sqlite-checkpointer.ts), or another
 * process writes, would fail it; one that begins with the lock waits for it instead (busy_timeout).
 * Within this process transactions run one at a time anyway (Kysely's connection lock).
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection, settings?: TransactionSettings): Promise<void> {
    const begin = settings?.accessMode === 'read only' ? 'begin' : 'begin immediate';
    await connection.executeQuery(CompiledQuery.raw(begin));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

/** better-sqlite3 binds no booleans: write them as 0/1. */
function booleanToInteger(value: unknown): unknown {
  return typeof value === 'boolean' ? Number(value) : value;
}

/** "UNIQUE constraint failed: messages.conversation_id, messages.id" → table and columns. */
function parseUniqueViolation(message: string): { table: string | undefined; columns: string[] } {
  const names = (message.split(': ')[1] ?? '').split(', ').filter(Boolean);
  const columns = names.map((name) => name.split('.')[1] ?? name);
  return { table: names[0]?.split('.')[0], columns };
}

function translateError(error: unknown, file: string): unknown {
  const code = errorCode(error);
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    const { table, columns } = parseUniqueViolation(errorMessage(error));
    return new DuplicateKeyError(table, columns, { cause: error });
  }
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return new MissingReferenceError({ cause: error });
  if (code?.startsWith('SQLITE_BUSY')) {
    return new DatabaseConnectionError(`SQLite database ${file} stayed locked by another process for 5 s: try again`, {
      cause: error,
    });
  }
  return error;
}

function explainConnectError(file: string, error: unknown): DatabaseConnectionError {
  const code = errorCode(error) ?? 'error';
  const hint =
    code === 'SQLITE_NOTADB'
      ? 'the file is not a SQLite database: move it away or point DATABASE_URL elsewhere'
      : 'check that the folder exists and is writable by this user, or set DATABASE_URL';
  return new DatabaseConnectionError(`cannot open SQLite database ${file} (${code}: ${errorMessage(error)}): ${hint}`, {
    cause: error,
  });
}

/** The SQLite dialect for `file` (its folder is created on first connect). */
export function sqliteDialect(file: string): StoreDialect {
  return {
    kind: 'sqlite',
    description: `SQLite file ${file}`,
    createKyselyDialect: () =>
      new ImmediateSqliteDialect({ database: async () => withStatementCache(openDatabaseFile(file)) }),
    mapParameter: booleanToInteger,
    autoIncrementKey: { type: 'integer', build: (column) => column.primaryKey().autoIncrement() },
    booleanType: 'integer',
    lockForMigration: async () => {},
    lockForKey: async () => {},
    translateError: (error) => translateError(error, file),
    explainConnectError: (error) => explainConnectError(file, error),
  };
}
