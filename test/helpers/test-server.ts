/**
 * A real backchat server on 127.0.0.1 (random port) over a fresh test database, with two users and
 * their access tokens. Requests go over real loopback HTTP with `fetch`.
 *
 * Abuse limits are off unless a test turns them on: `config: { limits: { concurrentStreams: 2 } }`
 * enables just that one (spread `defaultLimits` for production's); `limitsClock` controls their time.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../src/clock.js';
import { type Config, loadConfig, type ProviderConfig } from '../../src/config.js';
import type { Ids } from '../../src/ids.js';
import { type LimitsConfig, noLimits } from '../../src/limits/limits-config.js';
import type { AppDeps } from '../../src/server/app.js';
import { type BuildOptions, startServer } from '../../src/server/main.js';
import { type DatabaseKind, openTestDatabase, type TestDatabase } from './databases.js';

export interface TestUser {
  id: string;
  email: string;
  password: string;
  token: string;
}

export interface TestServer {
  url: string;
  deps: AppDeps;
  db: TestDatabase;
  alice: TestUser;
  bob: TestUser;
  /** fetch relative to the server; `as` adds that user's bearer token. */
  request(path: string, init?: RequestInit & { as?: TestUser; json?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  providers?: ProviderConfig[];
  clock?: Clock;
  ids?: Ids;
  config?: Partial<Omit<Config, 'limits'>> & { limits?: Partial<LimitsConfig> };
  checkpointIntervalMs?: number;
  /** The limiter's clock (default the system clock). */
  limitsClock?: Clock;
  /** Request logging (default none), e.g. a pino logger writing into a buffer. */
  logger?: AppDeps['logger'];
  /** The analytics event buffer's interval and capacity (default production's). */
  telemetryBuffer?: BuildOptions['telemetryBuffer'];
}

export const demoProvider: ProviderConfig = { type: 'demo', id: 'demo', tokenDelayMs: 0 };

/** Creates a user `<name>@example.com` (password `<name>-password-123`) with an access token. */
export async function addUser(deps: AppDeps, name: string, role: 'admin' | 'user'): Promise<TestUser> {
  const email = `${name}@example.com`;
  const password = `${name}-password-123`;
  const user = await deps.auth.createUser({ email, password, name, role });
  const { token } = await sessionAccessToken(deps, user.id);
  return { id: user.id, email, password, token };
}

/**
 * Opens a session for the user (as signing in does) and mints an access token bound to it —
 * what a client gets from `/api/auth/session`. `expiresAt` (epoch seconds) can shorten it.
 */
export async function sessionAccessToken(
  deps: Pick<AppDeps, 'auth' | 'store'>,
  userId: string,
  expiresAt?: number,
): Promise<{ token: string; sessionId: string }> {
  const user = await deps.store.getUserById(userId);
  if (!user) throw new Error(`no user ${userId}`);
  const { session } = await deps.auth.openSession(user, 'backchat-tests');
  const { token } = await deps.auth.issueAccessToken(session, expiresAt);
  return { token, sessionId: session.id };
}

export async function startTestServer(kind: DatabaseKind, options: TestServerOptions = {}): Promise<TestServer> {
  const db = await openTestDatabase(kind);
  const config: Config = {
    ...loadConfig({}, { port: 0, dataDir: mkdtempSync(join(tmpdir(), 'backchat-config-')) }),
    database: db.config,
    providers: options.providers ?? [demoProvider],
    detectOllama: false,
    webRoot: '/nonexistent-web-root',
    ...options.config,
    limits: { ...noLimits, ...options.config?.limits },
  };
  const server = await startServer(config, {
    store: db.store,
    clock: options.clock,
    ids: options.ids,
    checkpointIntervalMs: options.checkpointIntervalMs,
    limitsClock: options.limitsClock,
    logger: options.logger,
    telemetryBuffer: options.telemetryBuffer,
  });
  const alice = await addUser(server.deps, 'alice', 'admin');
  const bob = await addUser(server.deps, 'bob', 'user');
  const request: TestServer['request'] = (path, init = {}) => {
    const { as, json, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (as) headers.set('authorization', `Bearer ${as.token}`);
    if (json !== undefined) headers.set('content-type', 'application/json');
    return fetch(`${server.url}${path}`, {
      ...rest,
      headers,
      ...(json !== undefined && { body: JSON.stringify(json) }),
    });
  };
  return {
    url: server.url,
    deps: server.deps,
    db,
    alice,
    bob,
    request,
    close: async () => {
      // Answers still being written store their final state before the database goes.
      await server.deps.jobs.stopAll();
      server.deps.jobs.dispose();
      const closing = server.app.close();
      // A client that aborted a request can leave its keep-alive socket open; without this the close
      // waits for Node's 60 s headers timeout.
      server.app.server.closeAllConnections();
      await closing;
      // Buffered analytics events are written while the database is still open.
      await server.deps.telemetry.close();
      await db.close();
    },
  };
}
