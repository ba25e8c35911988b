/**
 * The real Redis for tests, at `BACKCHAT_TEST_REDIS_URL` (default `redis://127.0.0.1:6379`), shared with
 * other suites: each test gets its own key prefix (`backchat-test:<random>:`) and deletes only its own
 * keys at the end (SCAN + DEL on the prefix; never FLUSHALL or FLUSHDB).
 *
 * Usage:
 * ```ts
 * describeWithRedis('RedisThing', () => {
 *   test('…', async () => {
 *     const redis = await openTestRedis();
 *     try { … new Thing(redis.connect(), { prefix: redis.prefix }) … } finally { await redis.close(); }
 *   });
 * });
 * ```
 * An unreachable Redis gives one visibly skipped test, or a failing one under `BACKCHAT_REQUIRE_ALL=1`.
 * `startRedisProxy` puts a TCP proxy in front of it that a test can cut and restore (Redis going away)
 * or stall and resume (Redis not answering).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import type { Redis } from 'ioredis';
import { randomIds } from '../../src/ids.js';
import { closeRedis, describeRedisUrl, openRedis, waitForRedis, whenReady } from '../../src/redis/redis-connection.js';

/** The Redis tests use. */
export const redisTestUrl = process.env.BACKCHAT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestRedis {
  url: string;
  /** This test's own prefix, e.g. `backchat-test:3f9a…:`. */
  prefix: string;
  /** A ready connection to look at keys with (closed by `close`). */
  admin: Redis;
  /** A new command connection to `url` (closed by `close`). */
  connect(url?: string): Redis;
  /** The keys under this test's prefix, with the prefix. */
  keys(): Promise<string[]>;
  /** Closes every connection `connect` made, then deletes this test's keys. */
  close(): Promise<void>;
}

/** A connection that must not hang a test: its commands fail after 2 s (openRedis's default). */
function adminConnection(): Redis {
  return openRedis(redisTestUrl, { name: 'backchat-test-admin' });
}

async function scanKeys(admin: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

/** A prefix of its own on the test Redis; `close()` it. */
export async function openTestRedis(): Promise<TestRedis> {
  const prefix = `backchat-test:${randomIds.hex(12)}:`;
  const admin = adminConnection();
  try {
    await whenReady(admin, 5_000);
  } catch (error) {
    admin.disconnect();
    throw error;
  }
  const clients: Redis[] = [admin];
  return {
    url: redisTestUrl,
    prefix,
    admin,
    connect: (url = redisTestUrl) => {
      const client = openRedis(url, { name: 'backchat-test' });
      clients.push(client);
      return client;
    },
    keys: () => scanKeys(admin, prefix),
    close: async () => {
      const keys = await scanKeys(admin, prefix);
      if (keys.length > 0) await admin.del(...keys);
      await Promise.all(clients.map((client) => closeRedis(client)));
    },
  };
}

let redisProbe: Promise<string | undefined> | undefined;

/** Why Redis cannot be used for tests, or undefined when it answers (probed once per process). */
export function redisUnavailable(): Promise<string | undefined> {
  redisProbe ??= waitForRedis(redisTestUrl, { timeoutMs: 1_000, setting: 'BACKCHAT_TEST_REDIS_URL' }).then(
    () => undefined,
    (error: unknown) => (error instanceof Error ? error.message : String(error)),
  );
  return redisProbe;
}

/**
 * Registers `register`'s tests inside `describe(name)` when Redis answers; otherwise one visibly skipped
 * test (failing under `BACKCHAT_REQUIRE_ALL=1`).
 */
export function describeWithRedis(name: string, register: () => void): void {
  describe(name, async () => {
    const reason = await redisUnavailable();
    if (reason === undefined) {
      register();
      return;
    }
    const address = describeRedisUrl(redisTestUrl);
    if (process.env.BACKCHAT_REQUIRE_ALL === '1') {
      test(`redis: FAILED — no Redis at ${address} (BACKCHAT_REQUIRE_ALL=1 forbids skipping)`, () => {
        throw new Error(`Redis at ${address} is required but unreachable: ${reason}`);
      });
      return;
    }
    test(`redis: skipped — no Redis at ${address} (set BACKCHAT_TEST_REDIS_URL)`, { skip: reason }, () => {});
  });
}

/** A loopback port nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A TCP server that accepts connections and never answers (a stalled Redis). */
export async function startSilentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listen(server, 0);
  return {
    url: `redis://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface RedisProxy {
  /** `redis://127.0.0.1:<proxy port>` */
  url: string;
  /** Drops every connection and refuses new ones (Redis went away). */
  cut(): Promise<void>;
  /** Accepts connections again on the same port (Redis is back). */
  restore(): Promise<void>;
  /** Keeps connections open but forwards no more requests (Redis stalls: no reply comes). */
  stall(): void;
  /** Forwards the requests that waited, and the next ones. */
  resume(): void;
  close(): Promise<void>;
}

/** A TCP proxy in front of the test Redis, to take Redis away from a client, stall it, and give it back. */
export async function startRedisProxy(): Promise<RedisProxy> {
  const target = new URL(redisTestUrl);
  const sockets = new Set<Socket>();
  const requests = new Map<Socket, Socket>();
  let stalled = false;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const newServer = () =>
    createServer((client) => {
      const upstream = connect(Number(target.port || 6379), target.hostname || '127.0.0.1');
      track(client);
      track(upstream);
      requests.set(client, upstream);
      if (!stalled) client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => {
        requests.delete(client);
        upstream.destroy();
      });
      upstream.on('close', () => client.destroy());
    });
  let server = newServer();
  const port = await listen(server, 0);
  const cut = async () => {
    const closed = new Promise((resolve) => server.close(resolve));
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  return {
    url: urlOnPort(port),
    cut,
    restore: async () => {
      server = newServer();
      await listen(server, port);
    },
    stall: () => {
      stalled = true;
      for (const [client, upstream] of requests) client.unpipe(upstream);
    },
    resume: () => {
      stalled = false;
      for (const [client, upstream] of requests) client.pipe(upstream);
    },
    close: async () => {
      if (server.listening) await cut();
    },
  };
}

/** `redisTestUrl` (with its credentials and database) pointed at another loopback port. */
function urlOnPort(port: number): string {
  const url = new URL(redisTestUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return url.toString();
}
