/**
 * Wraps a Kysely dialect so that every statement passes through the store dialect once on its way
 * in and every driver error once on its way out:
 * - each bound value is checked by the text guard (text-guard.ts) and mapped by the dialect (booleans
 *   as 0/1 on SQLite) — on the compiled statement's flat parameter list, which costs a fraction of a
 *   query-tree plugin that rebuilds every query's nodes;
 * - connection failures become `DatabaseConnectionError`, constraint violations `DuplicateKeyError`…
 * This is the single place errors are translated; query code never catches driver errors.
 */
import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult, TransactionSettings } from 'kysely';
import type { StoreDialect } from './dialects/store-dialect.js';
import { guardText } from './text-guard.js';

/** The statement with every parameter guarded and mapped; throws `UnsupportedTextError` before the driver. */
function boundValues(compiledQuery: CompiledQuery, mapParameter: ((value: unknown) => unknown) | undefined) {
  const { parameters } = compiledQuery;
  if (parameters.length === 0) return compiledQuery;
  const mapped = parameters.map(mapParameter ? (value) => mapParameter(guardText(value)) : guardText);
  return { ...compiledQuery, parameters: mapped };
}

class TranslatingConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    private readonly dialect: StoreDialect,
  ) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const statement = boundValues(compiledQuery, this.dialect.mapParameter);
    try {
      return await this.inner.executeQuery<R>(statement);
    } catch (error) {
      throw this.dialect.translateError(error);
    }
  }

  streamQuery<R>(compiledQuery: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(boundValues(compiledQuery, this.dialect.mapParameter), chunkSize);
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
