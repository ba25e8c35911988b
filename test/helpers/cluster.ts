/**
 * Several real `backchat serve` processes (the built CLI) on different ports, sharing one fresh
 * PostgreSQL database, one Redis key prefix and one config file — what an operator runs behind a load
 * balancer. Users and their personal access tokens are made with the CLI (`createSite`). Optionally each
 * instance reaches PostgreSQL and Redis through its own fault proxy (fault-proxy.ts), pass-through until a
 * test configures faults.
 *
 * ```ts
 * const reasons = await clusterUnavailable({ nginx: true });   // [] or why it cannot run
 * const redis = await openTestRedis();                          // its own prefix; close() deletes its keys
 * const cluster = await startCluster({ users: ['ada'], config: {...}, env: {...}, redis });
 * cluster.instances[0].url; cluster.instances[1].stdout();
 * await cluster.kill(0);                                         // SIGKILL, resolves once it is gone
 * await cluster.close();                                         // kills all, drops the database
 * ```
 */
import { describe, test } from 'node:test';
import { type CliProcess, freePort, startProcess } from './cli-process.js';
import { postgresUnavailable } from './databases.js';
import { type FaultProxy, proxiedUrl, startFaultProxy } from './fault-proxy.js';
import { nginxUnavailable } from './nginx.js';
import { redisUnavailable, type TestRedis } from './redis.js';
import { createSite, type Site } from './server-process.js';

/** Loading the modules and starting may take this long on a loaded machine. */
const startTimeoutMs = 60_000;
const banner = /backchat is running at http:\/\/\S+\n/;

export interface ClusterOptions {
  /** How many instances (default 3). */
  instances?: number;
  /** User names (see createSite): `<name>@example.com`, password `<name> long password`, a token each. */
  users: string[];
  /** The config file every instance reads. */
  config: Record<string, unknown>;
  /** Environment of every instance, e.g. `BACKCHAT_GENERATION_LEASE_SECONDS`. */
  env?: Record<string, string>;
  /** The shared Redis: the instances get `REDIS_URL` and `BACKCHAT_REDIS_PREFIX` = its prefix. */
  redis?: Pick<TestRedis, 'url' | 'prefix'>;
  /** Give each instance its own fault proxy to PostgreSQL (and Redis), pass-through at first. */
  faultProxies?: boolean;
  /** Seed of the fault proxies' draws. */
  seed?: number;
}

export interface Instance {
  index: number;
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The running process, undefined while it is stopped. */
  process: CliProcess | undefined;
  /** Its way to PostgreSQL and to Redis, with `faultProxies`. */
  postgresProxy?: FaultProxy;
  redisProxy?: FaultProxy;
  /** Everything the current (or last) process printed on stdout: banner, request logs. */
  stdout(): string;
  stderr(): string;
}

export interface Cluster {
  site: Site;
  instances: Instance[];
  /** Starts instance `index` (again) on its port; resolves once it listens. */
  start(index: number): Promise<Instance>;
  /** Sends `signal` (default SIGKILL) and waits until the process is gone. */
  kill(index: number, signal?: NodeJS.Signals): Promise<void>;
  /** Kills every instance, closes the proxies and drops the database (the caller closes its Redis). */
  close(): Promise<void>;
}

/** Why a cluster cannot run here: PostgreSQL, Redis (and nginx when asked) that do not answer. */
export async function clusterUnavailable(options: { nginx?: boolean } = {}): Promise<string[]> {
  const [postgres, redis] = await Promise.all([postgresUnavailable(), redisUnavailable()]);
  const nginx = options.nginx ? nginxUnavailable() : undefined;
  return [postgres && `PostgreSQL: ${postgres}`, redis && `Redis: ${redis}`, nginx && `nginx: ${nginx}`].filter(
    (reason): reason is string => Boolean(reason),
  );
}

/**
 * Registers `register`'s tests inside `describe(name)` when every service is there; otherwise one
 * visibly skipped test naming what is missing (a failing one under `BACKCHAT_REQUIRE_ALL=1`).
 */
export function describeWithCluster(name: string, options: { nginx?: boolean }, register: () => void): void {
  describe(name, async () => {
    const reasons = await clusterUnavailable(options);
    if (reasons.length === 0) {
      register();
      return;
    }
    const missing = reasons.join('; ');
    if (process.env.BACKCHAT_REQUIRE_ALL === '1') {
      test(`FAILED — missing services (BACKCHAT_REQUIRE_ALL=1 forbids skipping): ${missing}`, () => {
        throw new Error(`required services are missing: ${missing}`);
      });
      return;
    }
    test(`skipped — missing services: ${missing}`, { skip: missing }, () => {});
  });
}

function databaseUrl(site: Site): string {
  if (site.database.kind !== 'postgres') throw new Error('a cluster needs PostgreSQL');
  return site.database.url;
}

async function newInstance(index: number, site: Site, options: ClusterOptions): Promise<Instance> {
  const port = await freePort();
  const instance: Instance = {
    index,
    port,
    url: `http://127.0.0.1:${port}`,
    process: undefined,
    stdout: () => instance.process?.output().stdout ?? '',
    stderr: () => instance.process?.output().stderr ?? '',
  };
  if (options.faultProxies) {
    const seed = options.seed === undefined ? undefined : options.seed + index;
    const target = (url: string) => ({ host: new URL(url).hostname, port: Number(new URL(url).port) });
    instance.postgresProxy = await startFaultProxy({ target: target(databaseUrl(site)), seed });
    if (options.redis) instance.redisProxy = await startFaultProxy({ target: target(options.redis.url), seed });
  }
  return instance;
}

function instanceEnv(instance: Instance, site: Site, options: ClusterOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...site.env, ...options.env };
  const postgres = databaseUrl(site);
  env.DATABASE_URL = instance.postgresProxy ? proxiedUrl(postgres, instance.postgresProxy) : postgres;
  if (options.redis) {
    env.REDIS_URL = instance.redisProxy ? proxiedUrl(options.redis.url, instance.redisProxy) : options.redis.url;
    env.BACKCHAT_REDIS_PREFIX = options.redis.prefix;
  }
  return env;
}

/** A fresh database with users and tokens, then every instance started side by side. */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const site = await createSite('postgres', { users: options.users, config: options.config });
  const instances: Instance[] = [];
  const start = async (index: number) => {
    const instance = instances[index];
    if (!instance) throw new Error(`no instance ${index}`);
    if (instance.process?.child.exitCode === null && instance.process.child.signalCode === null) {
      throw new Error(`instance ${index} is running`);
    }
    const args = ['serve', '--host', '127.0.0.1', '--port', String(instance.port), '--data-dir', site.dataDir];
    instance.process = startProcess(args, { env: instanceEnv(instance, site, options), cwd: site.dataDir });
    await instance.process.waitForStdout(banner, startTimeoutMs);
    return instance;
  };
  const kill = async (index: number, signal: NodeJS.Signals = 'SIGKILL') => {
    const running = instances[index]?.process;
    if (!running || running.child.exitCode !== null || running.child.signalCode !== null) return;
    running.child.kill(signal);
    await running.exited(15_000);
  };
  const close = async () => {
    await Promise.allSettled(instances.map((_, index) => kill(index)));
    await Promise.allSettled(
      instances.flatMap((instance) => [instance.postgresProxy?.close(), instance.redisProxy?.close()]),
    );
    await site.drop();
  };
  try {
    for (let index = 0; index < (options.instances ?? 3); index++) {
      instances.push(await newInstance(index, site, options));
    }
    await Promise.all(instances.map((_, index) => start(index)));
  } catch (error) {
    await close();
    throw error;
  }
  return { site, instances, start, kill, close };
}

/** One line of an instance's request log (`BACKCHAT_LOG_REQUESTS=1`). */
export interface LoggedRequest {
  method: string;
  url: string;
  remoteAddress: string;
}

/** The requests an instance logged as they came in. */
export function loggedRequests(instance: Instance): LoggedRequest[] {
  const requests: LoggedRequest[] = [];
  for (const line of instance.stdout().split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { req?: LoggedRequest };
      if (entry.req?.url) requests.push(entry.req);
    } catch {
      // not a log line
    }
  }
  return requests;
}
