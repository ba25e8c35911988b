/** Config → dependencies → a listening server, with start-up recovery, housekeeping and clean shutdown. */
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { type DestinationStream, pino } from 'pino';
import { AccessTokens } from '../auth/access-token.js';
import { AccountService } from '../auth/account-service.js';
import { AdminService } from '../auth/admin-service.js';
import { AuthService } from '../auth/auth-service.js';
import { type Clock, epochSeconds, systemClock } from '../clock.js';
import type { Config } from '../config.js';
import { ConversationService } from '../conversation/conversation-service.js';
import { FeedbackService } from '../conversation/feedback-service.js';
import { PromptLibrary } from '../conversation/prompt-library.js';
import type { AnswerHub } from '../generation/answer-hub.js';
import { AnswerJobs } from '../generation/answer-jobs.js';
import { LocalFirstAnswerHub } from '../generation/local-first-answer-hub.js';
import { MemoryAnswerHub } from '../generation/memory-answer-hub.js';
import { RedisAnswerHub } from '../generation/redis-answer-hub.js';
import { type Ids, randomIds } from '../ids.js';
import type { CounterStore } from '../limits/counter-store.js';
import { Limits } from '../limits/limits-service.js';
import { MemoryCounterStore } from '../limits/memory-counter-store.js';
import { RedisCounterStore } from '../limits/redis-counter-store.js';
import { createProviderRegistry } from '../providers/registry.js';
import { closeRedis, describeRedisUrl, openRedis, waitForRedis, withRedis } from '../redis/redis-connection.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { DatabaseConnectionError } from '../store/store-errors.js';
import { type TelemetryDeps, TelemetryService } from '../telemetry/telemetry-service.js';
import { type AppDeps, createApp, type DependencyCheck } from './app.js';
import { InstancePresence } from './instance-presence.js';
import { waitForDependency } from './wait-for-dependency.js';

export interface BuildOptions {
  clock?: Clock;
  ids?: Ids;
  /** Progress and notices for people (migrations, model detection). */
  log?: (message: string) => void;
  /** Request logging; off unless given. */
  logger?: AppDeps['logger'];
  /** Milliseconds between demo tokens (tests use 0). */
  demoTokenDelayMs?: number;
  checkpointIntervalMs?: number;
  /** An already-open store to use instead of opening `config.database` (tests). */
  store?: Store;
  /**
   * The limiter's clock (default the system clock, not `clock`): its windows are wall-clock time, and
   * its reads must not move a test's stepping clock (byte-stable transcripts).
   */
  limitsClock?: Clock;
  /** This process's id as the owner of answer leases (default a random UUID). */
  instanceId?: string;
  /** Milliseconds between this process's heartbeats in `instances` (default 5 s). */
  heartbeatIntervalMs?: number;
  /** The analytics event buffer's interval and capacity (default 50 ms, 50,000 events). */
  telemetryBuffer?: TelemetryDeps['buffer'];
}

/**
 * Opens the store, waiting up to `startupWaitSeconds` for a PostgreSQL server that does not answer yet
 * (an SQLite file that cannot be opened is a mistake to report at once).
 */
function openStoreWhenReachable(config: Config, log: (message: string) => void): Promise<Store> {
  return waitForDependency('the database', () => openStore(config.database, { onProgress: log }), {
    timeoutMs: config.startupWaitSeconds * 1000,
    log,
    retryable: (error) => config.database.kind === 'postgres' && error instanceof DatabaseConnectionError,
  });
}

/**
 * What several instances share through Redis (docs/deploy.md): the limiter's counters and the answers
 * being written (their events, the live-answer registry, stop signals). Start-up waits for Redis like
 * it waits for the database.
 */
async function connectShared(
  config: Config,
  leaseMs: number,
  log: (message: string) => void,
): Promise<{ hub: AnswerHub; counters: CounterStore; dependency: DependencyCheck }> {
  const { url, keyPrefix } = config.redis ?? { url: '', keyPrefix: '' };
  await waitForRedis(url, { onProgress: log, timeoutMs: config.startupWaitSeconds * 1000 });
  log(`sharing limits and live answers through Redis at ${describeRedisUrl(url)}`);
  const commands = openRedis(url, { name: 'backchat' });
  // An answer whose writer stops refreshing it (a killed process) ends for readers after one lease,
  // as its stored message is marked interrupted after one lease.
  const sharedHub = new RedisAnswerHub({ url, prefix: keyPrefix, liveTtlMs: leaseMs, log });
  return {
    hub: new LocalFirstAnswerHub(new MemoryAnswerHub(), sharedHub, log),
    counters: new RedisCounterStore(commands, { prefix: keyPrefix }),
    dependency: {
      name: 'redis',
      check: () => withRedis(commands, () => commands.ping()).then(() => {}),
      close: () => closeRedis(commands),
    },
  };
}

/** The installation's access-token signing secret, created once and shared by every instance. */
const tokenSecretKey = 'access_token_secret';

export async function buildDeps(config: Config, options: BuildOptions = {}): Promise<AppDeps> {
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? randomIds;
  const log = options.log ?? (() => {});
  const store = options.store ?? (await openStoreWhenReachable(config, log));
  const secret = await store.putSettingIfAbsent(tokenSecretKey, ids.secret());
  const demoTokenDelayMs = options.demoTokenDelayMs ?? config.demoTokenDelayMs;
  const providers = await createProviderRegistry(config, { log, demoTokenDelayMs });
  // Not from `ids`: tests' counter ids must not shift, and the instance id is no client-visible id.
  const instanceId = options.instanceId ?? randomIds.uuid();
  const leaseMs = config.generationLeaseSeconds * 1000;
  const dependencies: DependencyCheck[] = [{ name: 'database', check: () => store.ping() }];
  const shared = config.redis ? await connectShared(config, leaseMs, log) : undefined;
  if (shared) dependencies.push(shared.dependency);
  const hub = shared?.hub ?? new MemoryAnswerHub();
  const jobs = new AnswerJobs({ hub, store, clock, ids, instanceId, leaseMs, log });
  await jobs.start();
  const auth = new AuthService({
    store,
    clock,
    ids,
    tokens: new AccessTokens(secret, ids),
    accessTokenTtlHours: config.accessTokenTtlHours,
    sessionTtlHours: config.sessionTtlHours,
  });
  return {
    config,
    store,
    clock,
    ids,
    instanceId,
    providers,
    auth,
    accounts: new AccountService({ store, clock, ids }),
    admin: new AdminService({ store, clock, ids, auth }),
    conversations: new ConversationService({
      store,
      providers,
      clock,
      ids,
      checkpointIntervalMs: options.checkpointIntervalMs,
      instanceId,
      leaseMs,
    }),
    hub,
    jobs,
    lifecycle: { draining: false },
    dependencies,
    feedback: new FeedbackService({ store, clock, ids }),
    prompts: new PromptLibrary({ store, ids }),
    telemetry: new TelemetryService({
      store,
      clock,
      ids,
      enabled: config.telemetryEnabled,
      log: options.log,
      buffer: options.telemetryBuffer,
    }),
    limits: new Limits({
      store: shared?.counters ?? new MemoryCounterStore(),
      clock: options.limitsClock ?? systemClock,
      config: config.limits,
    }),
    logger: options.logger,
  };
}

export interface RunningServer {
  app: FastifyInstance;
  deps: AppDeps;
  url: string;
  close(): Promise<void>;
}

const housekeepingIntervalMs = 60 * 60 * 1000;
/** How long shutdown waits for open connections (once every answer ended) before closing them. */
const connectionGraceMs = 2_000;

/** Old temporary chats are purged and expired sessions deleted (hourly, and at start-up). */
async function housekeeping(deps: AppDeps, config: Config, log: (message: string) => void): Promise<void> {
  const purged = await deps.conversations.purgeTemporary(config.temporaryChatRetentionHours);
  if (purged > 0) log(`purged ${purged} temporary conversation(s) older than ${config.temporaryChatRetentionHours} h`);
  await deps.store.deleteExpiredSessions(epochSeconds(deps.clock.now()));
}

export async function startServer(config: Config, options: BuildOptions = {}): Promise<RunningServer> {
  const deps = await buildDeps(config, options);
  try {
    return await listen(deps, config, options);
  } catch (error) {
    if (!options.store) await deps.store.close();
    throw error;
  }
}

/**
 * Answers whose writer is gone (its lease ran out: a crashed or killed process) become interrupted
 * partial answers; answers another live process owns are left alone.
 */
async function recoverAnswers(deps: AppDeps, log: (message: string) => void): Promise<void> {
  const interrupted = await deps.store.interruptExpiredAnswers(epochSeconds(deps.clock.now()));
  if (interrupted > 0) log(`marked ${interrupted} answer(s) whose server stopped writing them as interrupted`);
}

/** How often expired leases are looked for: twice per lease, within [0.25 s, 30 s]. */
function sweepIntervalMs(config: Config): number {
  return Math.min(30_000, Math.max(250, (config.generationLeaseSeconds * 1000) / 2));
}

async function listen(deps: AppDeps, config: Config, options: BuildOptions): Promise<RunningServer> {
  const log = options.log ?? (() => {});
  await recoverAnswers(deps, log);
  await housekeeping(deps, config, log);
  const app = await createApp(deps);
  const address = await app.listen({ host: config.host, port: config.port });
  const presence = new InstancePresence({
    store: deps.store,
    // Wall-clock heartbeats, never a test's stepping clock (its transcripts are byte-stable).
    clock: systemClock,
    instanceId: deps.instanceId,
    label: `${hostname()}:${new URL(address).port} (pid ${process.pid})`,
    sharedState: config.redis ? 'redis' : 'none',
    log,
    intervalMs: options.heartbeatIntervalMs,
  });
  await presence.start();
  const failed = (what: string) => (error: Error) => log(`${what} failed: ${error.message}`);
  const timers = [
    setInterval(() => housekeeping(deps, config, log).catch(failed('housekeeping')), housekeepingIntervalMs),
    setInterval(() => recoverAnswers(deps, log).catch(failed('answer recovery')), sweepIntervalMs(config)),
  ];
  for (const timer of timers) timer.unref();
  let closing: Promise<void> | undefined;
  return {
    app,
    deps,
    url: address,
    close: () => {
      closing ??= shutDown(app, deps, config, log, timers, presence);
      return closing;
    },
  };
}

/**
 * Drains, then stops: healthz says `draining` and new answers are refused while running answers get
 * `shutdownGraceSeconds` to finish; the rest are stopped (kept, marked interrupted); then the server
 * closes its connections, writes the analytics events still buffered, and closes the database.
 */
async function shutDown(
  app: FastifyInstance,
  deps: AppDeps,
  config: Config,
  log: (message: string) => void,
  timers: NodeJS.Timeout[],
  presence: InstancePresence,
): Promise<void> {
  for (const timer of timers) clearInterval(timer);
  await presence.stop().catch((error: Error) => log(`could not remove this instance's heartbeat: ${error.message}`));
  deps.lifecycle.draining = true;
  if (deps.jobs.size > 0) {
    log(`waiting up to ${config.shutdownGraceSeconds} s for ${deps.jobs.size} answer(s) being written`);
  }
  const left = await deps.jobs.drain(config.shutdownGraceSeconds * 1000);
  if (left > 0) log(`stopping ${left} answer(s) still being written; they are kept, marked interrupted`);
  await deps.jobs.stopAll();
  deps.jobs.dispose();
  const closing = app.close();
  // A connection that never sent a request (a browser's pre-connect) counts as busy until Node's
  // headers timeout (60 s); once every answer has ended, every socket is closed after a short grace.
  const force = setTimeout(() => app.server.closeAllConnections(), connectionGraceMs);
  force.unref();
  await closing;
  clearTimeout(force);
  // No request comes in any more: the analytics events accepted and still buffered are written now.
  await deps.telemetry.close();
  await deps.hub.dispose();
  for (const dependency of deps.dependencies) await dependency.close?.();
  await deps.store.close();
}

/** Invite tokens travel in paths (`/api/auth/invites/<token>`, the web UI's `/invite/<token>`). */
const secretPathSegment = /(\/invites?\/)[^/?#]+/g;

/** A request URL as it may be logged: secrets in the path replaced. */
export function loggableUrl(url: string): string {
  return url.replace(secretPathSegment, '$1[redacted]');
}

interface LoggedRequest {
  method: string;
  url: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/** Request logs as JSON lines to `destination` (default stdout): no credentials, no secret path segments. */
export function requestLogger(destination?: DestinationStream): AppDeps['logger'] {
  const options = {
    level: process.env.BACKCHAT_LOG_LEVEL ?? 'info',
    redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
    serializers: {
      req: (request: LoggedRequest) => ({
        method: request.method,
        url: loggableUrl(request.url),
        host: request.host,
        remoteAddress: request.ip,
        remotePort: request.socket?.remotePort,
      }),
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
