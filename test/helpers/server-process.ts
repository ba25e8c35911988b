/**
 * The real `backchat serve` as a child process over a fresh test database, for tests that kill it:
 * `createSite` makes the database, a data dir with a config file, users and their personal access
 * tokens (through the CLI, as an operator would); `ServerLauncher` starts, kills and restarts the
 * server on one port.
 *
 * Restarts are quick: while a server runs, the launcher keeps the next process ready with its modules
 * already loaded (warm-serve.mjs); `start()` only signals it, so a restart costs the server's own
 * start-up (opening the database, recovery, listening), not Node's module loading.
 *
 * ```ts
 * await buildServerIfStale();
 * const site = await createSite('sqlite', { users: ['ada'], config: { providers: [...] }, env: { ... } });
 * const launcher = new ServerLauncher(site);
 * const server = await launcher.start();          // waits for the banner
 * await launcher.kill(server, 'SIGKILL');         // resolves once the process is gone
 * await launcher.close(); await site.drop();      // also in an `after` hook: killAll() from cli-process
 * ```
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseConfig } from '../../src/store/open-database.js';
import { type CliProcess, type CliResult, cleanEnv, freePort, repoRoot, runCli, startProcess } from './cli-process.js';
import { createEmptyTestDatabase, type DatabaseKind } from './databases.js';

const warmServeScript = join(repoRoot, 'test', 'helpers', 'warm-serve.mjs');
/** Loading the modules or starting may take this long on a loaded machine. */
const startTimeoutMs = 60_000;

/** Builds dist/ when it is older than the sources (the project's own build script, not blocking). */
export async function buildServerIfStale(): Promise<void> {
  const build = startProcess(['scripts/build.mjs', '--if-stale'], { command: process.execPath });
  const result = await build.exited(240_000);
  if (result.code !== 0) throw new Error(`build failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
}

export interface SiteUser {
  name: string;
  email: string;
  password: string;
  /** A personal access token (`bc_pat_…`) made by `backchat token create`. */
  token: string;
}

export interface Site {
  kind: DatabaseKind;
  /** The database, for checks from the test process. */
  database: DatabaseConfig;
  dataDir: string;
  /** The server's environment (a clean one plus DATABASE_URL and the test's settings). */
  env: NodeJS.ProcessEnv;
  port: number;
  url: string;
  users: SiteUser[];
  /** Rewrites `<dataDir>/backchat.config.json`; the next start reads it. */
  writeConfig(config: Record<string, unknown>): Promise<void>;
  /** Deletes the database and the data dir. Stop the server first. */
  drop(): Promise<void>;
}

export interface SiteOptions {
  /** User names: `<name>@example.com`, password `<name> long password`. */
  users: string[];
  /** The config file's content (providers, limits…). */
  config: Record<string, unknown>;
  /** Extra environment for the server and the CLI, e.g. `BACKCHAT_GENERATION_LEASE_SECONDS`. */
  env?: Record<string, string>;
}

function databaseUrl(database: DatabaseConfig): string {
  return database.kind === 'sqlite' ? `sqlite:${database.file}` : database.url;
}

function checkCli(result: CliResult, what: string): string {
  if (result.code !== 0) throw new Error(`${what} failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout.trim();
}

/** A fresh database, data dir and config file, with users and tokens made through the CLI. */
export async function createSite(kind: DatabaseKind, options: SiteOptions): Promise<Site> {
  const empty = await createEmptyTestDatabase(kind);
  const dataDir = await mkdtemp(join(tmpdir(), 'backchat-site-'));
  const env = cleanEnv({ DATABASE_URL: databaseUrl(empty.config), ...options.env });
  const writeConfig = (config: Record<string, unknown>) =>
    writeFile(join(dataDir, 'backchat.config.json'), `${JSON.stringify(config, null, 2)}\n`);
  const drop = async () => {
    await empty.drop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await writeConfig(options.config);
    const cli = (...args: string[]) =>
      runCli([...args, '--data-dir', dataDir], { env, cwd: dataDir, timeoutMs: 60_000 });
    const addUser = async (name: string) => {
      const email = `${name}@example.com`;
      const password = `${name} long password`;
      checkCli(await cli('user', 'create', '--email', email, '--password', password), `user create ${email}`);
      const token = checkCli(await cli('token', 'create', '--email', email), `token create ${email}`);
      return { name, email, password, token };
    };
    // The first command migrates the new database; the other users are made side by side.
    const [first, ...others] = options.users;
    const users = first === undefined ? [] : [await addUser(first)];
    users.push(...(await Promise.all(others.map(addUser))));
    const port = await freePort();
    return {
      kind,
      database: empty.config,
      dataDir,
      env,
      port,
      url: `http://127.0.0.1:${port}`,
      users,
      writeConfig,
      drop,
    };
  } catch (error) {
    await drop();
    throw error;
  }
}

/** One server process of a site. */
export interface ServerHandle {
  process: CliProcess;
  pid: number;
  /** performance.now() when it was told to start. */
  startedAt: number;
  /** Resolves once the banner is printed (the server listens); rejects if it exits first. */
  ready: Promise<void>;
}

export interface LauncherOptions {
  /** Environment on top of the site's, e.g. `BACKCHAT_SHUTDOWN_GRACE_SECONDS`. */
  env?: Record<string, string>;
  /**
   * How many next processes to keep warm while one runs (default 1; 0 when a test starts one server;
   * 2 when a start may be killed at once and followed by another).
   */
  spares?: number;
}

/** Starts, kills and restarts a site's server, keeping the next process warm. */
export class ServerLauncher {
  private spares: Promise<CliProcess>[] = [];
  private closed = false;

  constructor(
    private readonly site: Site,
    private readonly options: LauncherOptions = {},
  ) {}

  /** A process that loaded the server's modules and waits to be started; rejects with why it did not. */
  private spawnSpare(): Promise<CliProcess> {
    const { site } = this;
    const child = startProcess(
      [warmServeScript, '--host', '127.0.0.1', '--port', String(site.port), '--data-dir', site.dataDir],
      { command: process.execPath, env: { ...site.env, ...this.options.env }, cwd: site.dataDir },
    );
    const loaded = child.waitForStdout(/^warm\n/m, startTimeoutMs).then(
      () => child,
      (error: unknown) => {
        child.child.kill('SIGKILL');
        throw error;
      },
    );
    // A spare that fails is reported by the start that needs it (which then tries another).
    loaded.catch(() => {});
    return loaded;
  }

  /** The next warm process: a spare, else a new one; up to three tries (e.g. dist/ was being rebuilt). */
  private async nextWarm(): Promise<CliProcess> {
    const reasons: string[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        return await (this.spares.shift() ?? this.spawnSpare());
      } catch (error) {
        reasons.push(error instanceof Error ? error.message : String(error));
      }
    }
    throw new Error(`no server process could be prepared for ${this.site.url}:\n${reasons.join('\n')}`);
  }

  /**
   * Starts a server (a warm spare when there is one) and prepares the next spares once it listens.
   * `ready` resolves when it listens; by default `start` waits for that.
   */
  async start(options: { waitReady?: boolean } = {}): Promise<ServerHandle> {
    if (this.closed) throw new Error('the launcher is closed');
    const warm = await this.nextWarm();
    if (!warm.child.pid) throw new Error(`the server process for ${this.site.url} has no pid`);
    const startedAt = performance.now();
    warm.child.kill('SIGUSR2');
    const ready = warm.waitForStdout(/backchat is running at http:\/\/\S+\n/, startTimeoutMs).then(() => {});
    // The next spares load once this server listens (or failed to), not competing with its start-up.
    const refill = () => {
      while (!this.closed && this.spares.length < (this.options.spares ?? 1)) this.spares.push(this.spawnSpare());
    };
    ready.then(refill, refill);
    const handle = { process: warm, pid: warm.child.pid, startedAt, ready };
    if (options.waitReady !== false) await ready;
    return handle;
  }

  /** Sends `signal` and waits (bounded) until the process is gone. */
  async kill(handle: ServerHandle, signal: NodeJS.Signals = 'SIGKILL', timeoutMs = 15_000): Promise<CliResult> {
    handle.process.child.kill(signal);
    return handle.process.exited(timeoutMs);
  }

  /** Kills the spares. Servers it started are the caller's to stop (or `killAll()`'s). */
  async close(): Promise<void> {
    this.closed = true;
    const spares = await Promise.allSettled(this.spares);
    this.spares = [];
    for (const spare of spares) {
      if (spare.status === 'rejected') continue;
      spare.value.child.kill('SIGKILL');
      await spare.value.exited(10_000).catch(() => {});
    }
  }
}
