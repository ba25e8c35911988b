/**
 * Real test databases, one fresh database per call, dropped on close — tests never share state.
 *
 * - SQLite: a new file in a new temp folder (removed on close).
 * - PostgreSQL: a new database `backchat_t_<random>` created through `BACKCHAT_TEST_PG_URL`
 *   (default `postgres://postgres@127.0.0.1:5432/test`), dropped `WITH (FORCE)` on close.
 *
 * Usage (run a suite on every database):
 * ```ts
 * forEachDatabase((kind) => {
 *   test('creates a user', async () => {
 *     const db = await openTestDatabase(kind);
 *     try { … db.store … } finally { await db.close(); }
 *   });
 * });
 * ```
 * An unreachable PostgreSQL gives one visibly skipped test, or a failing one under `BACKCHAT_REQUIRE_ALL=1`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import pg from 'pg';
import { randomIds } from '../../src/ids.js';
import { describePostgresUrl } from '../../src/store/dialects/postgres.js';
import type { DatabaseConfig } from '../../src/store/open-database.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { digestDatabase } from './db-digest.js';

export type DatabaseKind = 'sqlite' | 'postgres';

/** Every kind, in the order suites run. */
export const databaseKinds: readonly DatabaseKind[] = ['sqlite', 'postgres'];

export interface TestDatabase {
  kind: DatabaseKind;
  /** Pass to `openStore`/a server config to reach the same database (e.g. from a child process). */
  config: DatabaseConfig;
  /** A migrated store on the database, opened by openTestDatabase. */
  store: Store;
  /** SHA-256 of all user-visible rows (see db-digest.ts). */
  digest(): Promise<string>;
  /** Closes the store (idempotent) and deletes the database. */
  close(): Promise<void>;
}

/** The admin URL test databases are created through. */
export const postgresTestUrl = process.env.BACKCHAT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function withAdminClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: postgresTestUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function urlWithDatabase(name: string): string {
  const url = new URL(postgresTestUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A database that exists but has no schema yet, and how to delete it. */
export interface EmptyTestDatabase {
  config: DatabaseConfig;
  drop(): Promise<void>;
}

async function createPostgresDatabase(): Promise<EmptyTestDatabase> {
  const name = `backchat_t_${randomIds.hex(12)}`;
  await withAdminClient((client) => client.query(`create database ${name}`));
  const drop = async () => {
    await withAdminClient((client) => client.query(`drop database if exists ${name} with (force)`));
  };
  return { config: { kind: 'postgres', url: urlWithDatabase(name) }, drop };
}

async function createSqliteDatabase(): Promise<EmptyTestDatabase> {
  const folder = await mkdtemp(join(tmpdir(), 'backchat-test-'));
  const drop = () => rm(folder, { recursive: true, force: true });
  return { config: { kind: 'sqlite', file: join(folder, 'backchat.db') }, drop };
}

/** A fresh database of `kind` with no tables (for migration and CLI tests). Always `drop()` it. */
export function createEmptyTestDatabase(kind: DatabaseKind): Promise<EmptyTestDatabase> {
  return kind === 'sqlite' ? createSqliteDatabase() : createPostgresDatabase();
}

/** A fresh, migrated database of `kind` with a store open on it. Always `close()` it. */
export async function openTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  const { config, drop } = await createEmptyTestDatabase(kind);
  let store: Store;
  try {
    store = await openStore(config);
  } catch (error) {
    await drop();
    throw error;
  }
  const close = async () => {
    await store.close();
    await drop();
  };
  return { kind, config, store, digest: () => digestDatabase(config), close };
}

let postgresProbe: Promise<string | undefined> | undefined;

/** Why PostgreSQL cannot be used for tests, or undefined when it answers (probed once per process). */
export function postgresUnavailable(): Promise<string | undefined> {
  postgresProbe ??= withAdminClient((client) => client.query('select 1')).then(
    () => undefined,
    (error: unknown) => (error instanceof Error ? error.message : String(error)),
  );
  return postgresProbe;
}

function registerUnavailablePostgres(reason: string): void {
  const address = describePostgresUrl(postgresTestUrl).address;
  if (process.env.BACKCHAT_REQUIRE_ALL === '1') {
    test(`postgres: FAILED — no PostgreSQL at ${address} (BACKCHAT_REQUIRE_ALL=1 forbids skipping)`, () => {
      throw new Error(`PostgreSQL at ${address} is required but unreachable: ${reason}`);
    });
    return;
  }
  test(`postgres: skipped — no PostgreSQL at ${address} (set BACKCHAT_TEST_PG_URL)`, { skip: reason }, () => {});
}

/**
 * Calls `register(kind)` inside a `describe(kind)` suite for SQLite, and for PostgreSQL when it is
 * reachable; otherwise registers one visibly skipped test (failing under `BACKCHAT_REQUIRE_ALL=1`).
 * Declare tests with node:test's `test()` inside `register`.
 */
export function forEachDatabase(register: (kind: DatabaseKind) => void): void {
  describe('sqlite', () => register('sqlite'));
  describe('postgres', async () => {
    const reason = await postgresUnavailable();
    if (reason === undefined) register('postgres');
    else registerUnavailablePostgres(reason);
  });
}
