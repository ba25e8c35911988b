/**
 * A real backchat server on 127.0.0.1 (random port) over a fresh test database, with two users and
 * their access tokens. Requests go over real loopback HTTP with `fetch`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../src/clock.js';
import { type Config, loadConfig, type ProviderConfig } from '../../src/config.js';
import type { Ids } from '../../src/ids.js';
import type { AppDeps } from '../../src/server/app.js';
import { startServer } from '../../src/server/main.js';
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
  config?: Partial<Config>;
  checkpointIntervalMs?: number;
}

export const demoProvider: ProviderConfig = { type: 'demo', id: 'demo', tokenDelayMs: 0 };

async function addUser(deps: AppDeps, name: string, role: 'admin' | 'user'): Promise<TestUser> {
  const email = `${name}@example.com`;
  const password = `${name}-password-123`;
  const user = await deps.auth.createUser({ email, password, name, role });
  const { token } = await deps.auth.issueAccessToken(user.id);
  return { id: user.id, email, password, token };
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
  };
  const server = await startServer(config, {
    store: db.store,
    clock: options.clock,
    ids: options.ids,
    checkpointIntervalMs: options.checkpointIntervalMs,
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
      await server.app.close();
      await db.close();
    },
  };
}
