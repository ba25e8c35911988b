/**
 * Connections to the Redis that several backchat instances share (limits, answers being written). They
 * fail fast instead of hanging: a command is sent only on a ready connection (no offline queue; a
 * connection being opened is waited for at most `commandTimeoutMs`), waits at most `commandTimeoutMs`
 * for its reply, and is never sent twice (a command cut by a dropped connection fails and is not resent
 * after reconnecting). A command that timed out was sent, though: a stalled Redis may still run it later.
 * The connection reconnects by itself, forever, with a backoff capped at 2 s, so the server recovers
 * when Redis comes back. Every failure reaches callers as a SharedStateUnavailableError (HTTP 503 with
 * `Retry-After`), and connection errors never crash the process.
 */
import { createRequire } from 'node:module';
import type { Redis, RedisOptions } from 'ioredis';
import { ServiceUnavailableError } from '../domain-errors.js';

/** The prefix of every key and channel backchat uses, unless configured otherwise. */
export const defaultRedisPrefix = 'backchat:';

/** Longest wait for a command's reply, and for a connection being opened, in milliseconds. */
export const defaultCommandTimeoutMs = 2_000;

/** Redis (the state instances share) cannot answer now; the request may succeed in a moment. */
export class SharedStateUnavailableError extends ServiceUnavailableError {
  override name = 'SharedStateUnavailableError';

  constructor(cause?: unknown) {
    super('Redis is unavailable right now; try again in a moment', 5);
    if (cause !== undefined) this.cause = cause;
  }
}

/** Redis replies that mean "not now" rather than "wrong command": they are unavailability too. */
const transientReplies = /^(LOADING|BUSY|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|OOM|NOREPLICAS)\b/;

/**
 * The error a Redis failure is reported as: connection refused or closed, a timed-out command, a
 * stream that is not writeable, or a Redis that is loading or out of memory all become a
 * SharedStateUnavailableError; a Redis reply rejecting the command itself (a bug) stays as it is.
 */
export function toSharedStateError(error: unknown): unknown {
  if (error instanceof SharedStateUnavailableError) return error;
  if (error instanceof Error && error.name === 'ReplyError' && !transientReplies.test(error.message)) return error;
  return new SharedStateUnavailableError(error);
}

/** `host:port` of a Redis URL — never its user or password. */
export function describeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || 'localhost'}:${parsed.port || '6379'}`;
  } catch {
    return 'an unparsable Redis URL';
  }
}

export interface RedisConnectionOptions {
  /** Shown by `CLIENT LIST` (e.g. `backchat-limits`). */
  name?: string;
  /** Longest wait for a reply or a connection (default 2 s). */
  commandTimeoutMs?: number;
  /** Hears every connection error (each failed reconnection attempt too); errors are dropped otherwise. */
  onError?: (error: Error) => void;
}

/** Reconnection delays: 50 ms doubling up to 2 s, then every 2 s, forever. */
function reconnectDelayMs(attempt: number): number {
  return Math.min(50 * 2 ** Math.min(attempt - 1, 6), 2_000);
}

function clientOptions(options: RedisConnectionOptions): RedisOptions {
  const timeoutMs = options.commandTimeoutMs ?? defaultCommandTimeoutMs;
  return {
    enableOfflineQueue: false,
    // A command in flight when the connection drops fails at once, and is not resent afterwards.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: timeoutMs,
    connectTimeout: timeoutMs,
    // How long a closing socket may take before it is destroyed (its timer outlives a socket already
    // closed, keeping a process from exiting that long).
    disconnectTimeout: 200,
    retryStrategy: reconnectDelayMs,
    connectionName: options.name,
  };
}

/** ioredis loads with the first connection: a server without Redis never loads it. */
const requireModule = createRequire(import.meta.url);

function newRedis(url: string, options: RedisOptions): Redis {
  const { Redis: RedisClient } = requireModule('ioredis') as typeof import('ioredis');
  return new RedisClient(url, options);
}

/** A command connection to `url` (`redis://[user:password@]host:port[/db]`, or `rediss://`). */
export function openRedis(url: string, options: RedisConnectionOptions = {}): Redis {
  const client = newRedis(url, clientOptions(options));
  client.on('error', (error: Error) => options.onError?.(error));
  return client;
}

/**
 * A connection for pub/sub: the same fail-fast settings. After a reconnection its owner subscribes
 * again to its channels, on 'ready' (messages published while it was away are lost — its owner catches
 * up). Not ioredis's own resubscription: that SUBSCRIBE's promise has no handler, so a connection lost
 * again before its reply (the command fails at once) would be an unhandled rejection ending the process.
 */
export function openRedisSubscriber(url: string, options: RedisConnectionOptions = {}): Redis {
  const client = newRedis(url, {
    ...clientOptions({ ...options, name: options.name ?? 'backchat-subscriber' }),
    autoResubscribe: false,
  });
  client.on('error', (error: Error) => options.onError?.(error));
  return client;
}

/** The wait for each connection being opened, shared by every caller waiting for it. */
const openings = new WeakMap<Redis, Promise<void>>();

/**
 * Resolves once `client` can take commands. A connection being opened is waited for (at most
 * `timeoutMs`, by default the client's command timeout); one whose last attempt failed (reconnecting)
 * or that was closed fails at once.
 */
export async function whenReady(
  client: Redis,
  timeoutMs = client.options.commandTimeout ?? defaultCommandTimeoutMs,
): Promise<void> {
  const { status } = client;
  if (status === 'ready') return;
  if (status === 'wait') client.connect().catch(() => {});
  else if (status !== 'connecting' && status !== 'connect') {
    throw new SharedStateUnavailableError(new Error(`the Redis connection is ${status}`));
  }
  let opening = openings.get(client);
  if (!opening) {
    opening = untilOpened(client, timeoutMs).finally(() => openings.delete(client));
    openings.set(client, opening);
  }
  await opening;
}

function untilOpened(client: Redis, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const settle = (error?: Error) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('close', onClose);
      if (error) reject(new SharedStateUnavailableError(error));
      else resolve();
    };
    const onReady = () => settle();
    const onClose = () => settle(new Error('the Redis connection closed'));
    const timer = setTimeout(() => settle(new Error(`no Redis connection within ${timeoutMs} ms`)), timeoutMs);
    client.once('ready', onReady);
    client.once('close', onClose);
  });
}

/** Runs `work` on a ready `client`; any Redis failure becomes a SharedStateUnavailableError. */
export async function withRedis<T>(client: Redis, work: () => Promise<T>): Promise<T> {
  try {
    await whenReady(client);
    return await work();
  } catch (error) {
    throw toSharedStateError(error);
  }
}

/** Closes `client`: politely (QUIT) when it can, at once otherwise. Never throws. */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  await client.quit().catch(() => client.disconnect());
}

export interface WaitForRedisOptions {
  /** Hears one line whenever the reason for waiting changes (e.g. to print it at start-up). */
  onProgress?: (line: string) => void;
  /** Gives up after this long (default 30 s). */
  timeoutMs?: number;
  /** Pause between two attempts (default 500 ms). */
  retryMs?: number;
  /** Where the URL comes from, named in messages (default `REDIS_URL`). */
  setting?: string;
}

/** Why the attempt failed, in a few words that never contain the URL's password. */
function reasonOf(error: unknown, url: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  const reason = typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
  let password = '';
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {}
  return password ? reason.split(password).join('***') : reason;
}

function duration(ms: number): string {
  return ms < 1_000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}

const credentialReplies = /^(WRONGPASS|NOAUTH|NOPERM)\b/;

/** One connection attempt: connect, PING, close; throws what went wrong. */
async function probeRedis(url: string, timeoutMs: number): Promise<void> {
  const probe = newRedis(url, {
    ...clientOptions({ name: 'backchat-probe', commandTimeoutMs: timeoutMs }),
    lazyConnect: true,
    retryStrategy: () => null,
  });
  let lastError: Error | undefined;
  probe.on('error', (error: Error) => {
    lastError = error;
  });
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    throw lastError ?? error;
  } finally {
    probe.disconnect();
  }
}

/**
 * Waits at start-up until Redis at `url` answers a PING, retrying every `retryMs`; tells `onProgress`
 * why it waits. Throws an Error saying what to do when `timeoutMs` passes, or at once when Redis
 * refuses the URL's credentials.
 */
export async function waitForRedis(url: string, options: WaitForRedisOptions = {}): Promise<void> {
  const { onProgress, timeoutMs = 30_000, retryMs = 500, setting = 'REDIS_URL' } = options;
  const address = describeRedisUrl(url);
  const deadline = AbortSignal.timeout(timeoutMs);
  let lastReason = '';
  for (;;) {
    try {
      await probeRedis(url, Math.min(defaultCommandTimeoutMs, timeoutMs));
      return;
    } catch (error) {
      const reason = reasonOf(error, url);
      if (credentialReplies.test(reason)) {
        throw new Error(
          `Redis at ${address} refused the credentials (${reason}): check the user and password in ${setting}`,
        );
      }
      if (reason !== lastReason)
        onProgress?.(`waiting for Redis at ${address} (${reason})… is it running? check ${setting}`);
      lastReason = reason;
    }
    if (deadline.aborted) break;
    await new Promise((resolve) => setTimeout(resolve, retryMs));
    if (deadline.aborted) break;
  }
  throw new Error(
    `Redis at ${address} did not answer within ${duration(timeoutMs)} (${lastReason}): start Redis, or set ${setting} to a running one (redis://[user:password@]host:port[/db])`,
  );
}
