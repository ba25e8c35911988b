/** The PostgreSQL dialect (pg.Pool): real booleans, identity keys, an advisory lock for migrations. */
import { createRequire } from 'node:module';
import { PostgresDialect, type PostgresPool, type PostgresPoolClient, type PostgresQueryResult, sql } from 'kysely';
import type pg from 'pg';
import { DatabaseConnectionError, DuplicateKeyError, MissingReferenceError } from '../store-errors.js';
import { errorCode, errorMessage, type StoreDialect } from './store-dialect.js';

/** Arbitrary constant key of the advisory lock that serialises migration runs of all instances. */
const migrationLockKey = 727_361_042;

interface PostgresTarget {
  /** `host:port`, for messages. */
  address: string;
  database: string;
  user: string;
}

/** Reads host, port, database and user from a postgres:// URL; the password is never kept. */
export function describePostgresUrl(url: string): PostgresTarget {
  try {
    const parsed = new URL(url);
    const host = parsed.hostname || 'localhost';
    return {
      address: `${host}:${parsed.port || '5432'}`,
      database: decodeURIComponent(parsed.pathname.slice(1)),
      user: decodeURIComponent(parsed.username),
    };
  } catch {
    return { address: 'an unparsable DATABASE_URL', database: '', user: '' };
  }
}

/**
 * A statement that gets no answer for this long fails (its connection is then discarded): a stalled
 * network path to the database becomes a clean 503, not a request that hangs.
 */
const queryTimeoutMs = 15_000;

/** `pg` loads when a pool is first made: a server on SQLite never loads it. */
const requireModule = createRequire(import.meta.url);

function createPool(url: string, size: number): pg.Pool {
  const { Pool } = requireModule('pg') as typeof pg;
  const pool = new Pool({
    connectionString: url,
    max: size,
    connectionTimeoutMillis: 5_000,
    query_timeout: queryTimeoutMs,
  });
  // A connection that dies (server restart, killed backend) emits 'error' on its client — on the pool
  // while idle, on the client itself while checked out. Unheard, either event crashes the process.
  // The query in flight already fails with its own error; the pool then discards the dead client.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/**
 * Kysely releases clients without saying a query failed, so a client whose server just hung up
 * could go back to the pool and fail the next query too. This client releases itself as broken
 * (pg-pool then destroys it) once one of its queries lost the connection.
 */
function discardingClient(client: pg.PoolClient): PostgresPoolClient {
  let lost = false;
  const query = async <R>(text: string, parameters: readonly unknown[]): Promise<PostgresQueryResult<R>> => {
    try {
      return (await client.query(text, [...parameters])) as unknown as PostgresQueryResult<R>;
    } catch (error) {
      lost ||= isLostConnection(error);
      throw error;
    }
  };
  // Only the (sql, parameters) form is used: streaming (cursors) is not configured.
  return {
    query: query as unknown as PostgresPoolClient['query'],
    release: (destroy) => client.release(destroy || lost),
  };
}

function discardingPool(url: string, size: number): PostgresPool {
  const pool = createPool(url, size);
  return { connect: async () => discardingClient(await pool.connect()), end: () => pool.end() };
}

/** "Key (conversation_id, id)=(…) already exists." → ['conversation_id', 'id'] (the values are dropped). */
function parseKeyColumns(detail: unknown): string[] {
  const match = typeof detail === 'string' ? /^Key \((.*?)\)=/.exec(detail) : null;
  return match?.[1] ? match[1].split(', ') : [];
}

/** Connection exceptions (08…), server shutdown (57P0…) and dropped sockets: the database went away mid-query. */
function isLostConnection(error: unknown): boolean {
  const code = errorCode(error) ?? '';
  if (code.startsWith('08') || code.startsWith('57P0') || code === 'ECONNRESET' || code === 'EPIPE') return true;
  if (typeof error === 'object' && error !== null && 'severity' in error && error.severity === 'FATAL') return true;
  return /Connection terminated|connection timeout|Query read timeout|Client has encountered a connection error/i.test(
    errorMessage(error),
  );
}

function translateError(error: unknown, target: PostgresTarget): unknown {
  const code = errorCode(error);
  if (code === '23505' && error instanceof Error) {
    const { table, detail } = error as Error & { table?: string; detail?: string };
    return new DuplicateKeyError(table, parseKeyColumns(detail), { cause: error });
  }
  if (code === '23503') return new MissingReferenceError({ cause: error });
  if (isLostConnection(error)) {
    return new DatabaseConnectionError(
      `lost the connection to PostgreSQL at ${target.address} (${errorMessage(error)}): is it running?`,
      {
        cause: error,
      },
    );
  }
  return error;
}

function connectHint(code: string | undefined, target: PostgresTarget): string {
  switch (code) {
    case '28P01':
    case '28000':
      return `cannot log in as "${target.user}": check the user and password in DATABASE_URL`;
    case '3D000':
      return `create the database (createdb ${target.database}) or check DATABASE_URL`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'check the host name in DATABASE_URL';
    default:
      return 'is it running? check DATABASE_URL';
  }
}

function explainConnectError(target: PostgresTarget, error: unknown): DatabaseConnectionError {
  const code = errorCode(error);
  const detail = `${code ?? 'error'}: ${errorMessage(error)}`;
  return new DatabaseConnectionError(
    `cannot connect to PostgreSQL at ${target.address} (${detail}): ${connectHint(code, target)}`,
    { cause: error },
  );
}

/** The PostgreSQL dialect for a `postgres://` URL (one pool of up to `poolSize` connections, default 10). */
export function postgresDialect(url: string, poolSize = 10): StoreDialect {
  const target = describePostgresUrl(url);
  return {
    kind: 'postgres',
    description: `PostgreSQL at ${target.address}/${target.database}`,
    createKyselyDialect: () => new PostgresDialect({ pool: async () => discardingPool(url, poolSize) }),
    autoIncrementKey: { type: 'bigint', build: (column) => column.primaryKey().generatedByDefaultAsIdentity() },
    booleanType: 'boolean',
    lockForMigration: async (db) => {
      await sql`select pg_advisory_xact_lock(${sql.lit(migrationLockKey)})`.execute(db);
    },
    lockForKey: async (db, key) => {
      await sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(db);
    },
    translateError: (error) => translateError(error, target),
    explainConnectError: (error) => explainConnectError(target, error),
  };
}
