/**
 * Wraps a Kysely dialect so that every driver error passes through the store dialect once:
 * connection failures become `DatabaseConnectionError`, constraint violations `DuplicateKeyError`…
 * This is the single place errors are translated; query code never catches driver errors.
 */
import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult, TransactionSettings } from 'kysely';
import type { StoreDialect } from './dialects/store-dialect.js';

class TranslatingConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    private readonly dialect: StoreDialect,
  ) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return await this.inner.executeQuery<R>(compiledQuery);
    } catch (error) {
      throw this.dialect.translateError(error);
    }
  }

  streamQuery<R>(compiledQuery: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(compiledQuery, chunkSize);
  }
}

function unwrap(connection: DatabaseConnection): DatabaseConnection {
  return connection instanceof TranslatingConnection ? connection.inner : connection;
}

class TranslatingDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly dialect: StoreDialect,
  ) {}

  async init(): Promise<void> {
    try {
      await this.inner.init();
    } catch (error) {
      throw this.dialect.explainConnectError(error);
    }
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    try {
      return new TranslatingConnection(await this.inner.acquireConnection(), this.dialect);
    } catch (error) {
      throw this.dialect.explainConnectError(error);
    }
  }

  // BEGIN, COMMIT and ROLLBACK are statements too: a connection lost under one of them is a
  // DatabaseConnectionError like any other (a failed ROLLBACK replaces the error that caused it).
  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.translated(() => this.inner.beginTransaction(unwrap(connection), settings));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.translated(() => this.inner.commitTransaction(unwrap(connection)));
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.translated(() => this.inner.rollbackTransaction(unwrap(connection)));
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(unwrap(connection));
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }

  private async translated(statement: () => Promise<void>): Promise<void> {
    try {
      await statement();
    } catch (error) {
      throw this.dialect.translateError(error);
    }
  }
}

/** `storeDialect`'s Kysely dialect with error translation around its driver (savepoints are not used). */
export function translatingDialect(storeDialect: StoreDialect): Dialect {
  const inner = storeDialect.createKyselyDialect();
  return {
    createDriver: () => new TranslatingDriver(inner.createDriver(), storeDialect),
    createQueryCompiler: () => inner.createQueryCompiler(),
    createAdapter: () => inner.createAdapter(),
    createIntrospector: (db) => inner.createIntrospector(db),
  };
}
