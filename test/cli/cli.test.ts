/**
 * The built `backchat` command as a user runs it (README "Commands"): serve with flags and env,
 * signals, user and token creation, migrate, bad arguments (exit 2, one line), PostgreSQL through
 * DATABASE_URL, and `npx backchat --help` resolving the package's own bin without the network.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { pollUntil } from '../helpers/bounded.js';
import {
  type CliProcess,
  type CliResult,
  cleanEnv,
  freePort,
  killAll,
  repoRoot,
  runCli,
  startProcess,
} from '../helpers/cli-process.js';
import { createEmptyTestDatabase, type EmptyTestDatabase, postgresUnavailable } from '../helpers/databases.js';

const patShape = /^bc_pat_[\w-]{43}$/;
const bannerTimeoutMs = 15_000;
const shutdownMs = 5_000;

const workspaces: string[] = [];

/** A temp folder per test: the process's cwd, with the data dir inside it. */
function workspace(): { cwd: string; dataDir: string } {
  const cwd = mkdtempSync(join(tmpdir(), 'backchat-cli-'));
  workspaces.push(cwd);
  return { cwd, dataDir: join(cwd, 'data') };
}

function oneLine(text: string): string {
  const lines = text.trimEnd().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${text}`);
  return lines[0] ?? '';
}

function assertExit(result: CliResult, code: number): void {
  assert.equal(
    result.code,
    code,
    `exit ${result.code} (signal ${result.signal}), expected ${code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
  );
}

/** Starts `serve`, waits for its banner, and returns the process and the URL it printed. */
async function serve(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd: string },
): Promise<{ server: CliProcess; url: string; banner: string }> {
  const server = startProcess(['serve', ...args], options);
  // The banner is written in one piece, so once the URL is there the rest is too.
  const banner = await server.waitForStdout(/backchat is running at http:\/\/\S+\n/, bannerTimeoutMs);
  const url = /backchat is running at (http:\/\/\S+)/.exec(banner)?.[1];
  assert.ok(url, `no URL in the banner:\n${banner}`);
  return { server, url, banner };
}

async function waitHealthy(url: string): Promise<void> {
  const body = await pollUntil(
    async () => {
      const response = await fetch(`${url}/healthz`);
      return response.status === 200 ? await response.json() : undefined;
    },
    `GET ${url}/healthz`,
    { timeoutMs: bannerTimeoutMs, intervalMs: 100 },
  );
  assert.deepEqual(body, { status: 'ok' });
}

async function stopWith(server: CliProcess, signal: NodeJS.Signals): Promise<void> {
  server.child.kill(signal);
  const result = await server.exited(shutdownMs);
  assertExit(result, 0);
}

before(() => {
  // Build dist/ when it is older than the sources (tsc takes a few seconds).
  const build = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 180_000,
  });
  assert.equal(build.status, 0, `build failed:\n${build.stdout}\n${build.stderr}`);
});

afterEach(() => killAll());

after(() => {
  killAll();
  for (const folder of workspaces) rmSync(folder, { recursive: true, force: true });
});

describe('serve', () => {
  test('prints a banner with the URL, the SQLite file and the demo model, answers /healthz and stops on SIGTERM', async () => {
    const { cwd, dataDir } = workspace();
    const port = await freePort();
    const { server, url, banner } = await serve(
      ['--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir],
      { cwd },
    );
    assert.equal(url, `http://127.0.0.1:${port}`);
    assert.match(banner, /database/);
    const sqliteFile = /SQLite (\S+)/.exec(banner)?.[1] ?? '';
    assert.equal(resolve(cwd, sqliteFile), join(dataDir, 'backchat.sqlite'), 'the banner names the SQLite file');
    assert.ok(existsSync(join(dataDir, 'backchat.sqlite')));
    assert.match(banner, /Demo \(no model configured\)/);
    assert.match(banner, /OPENAI_API_KEY=/, 'says how to connect a real model');
    assert.match(banner, /OPENAI_BASE_URL=/, 'says how to connect a local model');
    await waitHealthy(url);
    await stopWith(server, 'SIGTERM');
  });

  test('takes BACKCHAT_HOST, BACKCHAT_PORT and BACKCHAT_DATA_DIR from the environment and stops on SIGINT', async () => {
    const { cwd, dataDir } = workspace();
    const port = await freePort();
    const env = cleanEnv({ BACKCHAT_HOST: '127.0.0.1', BACKCHAT_PORT: String(port), BACKCHAT_DATA_DIR: dataDir });
    const { server, url, banner } = await serve([], { cwd, env });
    assert.equal(url, `http://127.0.0.1:${port}`);
    assert.equal(resolve(cwd, /SQLite (\S+)/.exec(banner)?.[1] ?? ''), join(dataDir, 'backchat.sqlite'));
    assert.ok(existsSync(join(dataDir, 'backchat.sqlite')));
    await waitHealthy(url);
    await stopWith(server, 'SIGINT');
  });

  test('flags win over the environment', async () => {
    const { cwd, dataDir } = workspace();
    const [envPort, flagPort] = [await freePort(), await freePort()];
    const env = cleanEnv({ BACKCHAT_PORT: String(envPort), BACKCHAT_DATA_DIR: join(cwd, 'env-data') });
    const { server, url } = await serve(['--port', String(flagPort), '--data-dir', dataDir], { cwd, env });
    assert.equal(url, `http://127.0.0.1:${flagPort}`);
    assert.ok(existsSync(join(dataDir, 'backchat.sqlite')));
    assert.ok(!existsSync(join(cwd, 'env-data', 'backchat.sqlite')));
    await waitHealthy(url);
    await stopWith(server, 'SIGTERM');
  });

  test('exits 1 with the reason as its last line when the port is taken', async () => {
    const { cwd, dataDir } = workspace();
    const port = await freePort();
    const blocker = createServer().listen(port, '127.0.0.1');
    await once(blocker, 'listening');
    try {
      const result = await runCli(['serve', '--port', String(port), '--data-dir', dataDir], {
        cwd,
        timeoutMs: bannerTimeoutMs,
      });
      assertExit(result, 1);
      assert.match(result.stderr.trimEnd().split('\n').at(-1) ?? '', new RegExp(`in use.*${port}`));
      assert.doesNotMatch(result.stdout, /backchat is running/);
    } finally {
      blocker.close();
    }
  });
});

describe('user create', () => {
  test('creates an admin, refuses a duplicate and a short password with one-line messages', async () => {
    const { cwd, dataDir } = workspace();
    const args = ['user', 'create', '--email', 'ada@example.com', '--name', 'Ada', '--admin', '--data-dir', dataDir];
    const created = await runCli([...args, '--password', 'a long password'], { cwd });
    assertExit(created, 0);
    assert.match(created.stdout, /ada@example\.com/);
    assert.match(created.stdout, /admin/);

    const duplicate = await runCli([...args, '--password', 'another long password'], { cwd });
    assertExit(duplicate, 1);
    assert.match(oneLine(duplicate.stderr), /already exists/i);
    assert.equal(duplicate.stdout, '');

    const short = await runCli(
      ['user', 'create', '--email', 'bob@example.com', '--password', 'short', '--data-dir', dataDir],
      { cwd },
    );
    assertExit(short, 1);
    assert.match(oneLine(short.stderr), /password.*\b10\b/i);
    assert.equal(short.stdout, '');
  });
});

describe('token create', () => {
  test('prints only a token, which serve accepts as a bearer token; an unknown email says how to create the user', async () => {
    const { cwd, dataDir } = workspace();
    const unknown = await runCli(['token', 'create', '--email', 'nobody@example.com', '--data-dir', dataDir], { cwd });
    assertExit(unknown, 1);
    assert.match(oneLine(unknown.stderr), /backchat user create --email nobody@example\.com/);
    assert.equal(unknown.stdout, '');

    assertExit(
      await runCli(
        ['user', 'create', '--email', 'Grace@Example.com', '--password', 'a long password', '--data-dir', dataDir],
        { cwd },
      ),
      0,
    );
    const issued = await runCli(['token', 'create', '--email', 'grace@example.com', '--data-dir', dataDir], { cwd });
    assertExit(issued, 0);
    assert.match(issued.stdout, /^bc_pat_[\w-]{43}\n$/, `stdout is not just a token: ${JSON.stringify(issued.stdout)}`);
    const token = issued.stdout.trim();
    assert.match(token, patShape);

    const port = await freePort();
    const { server, url } = await serve(['--port', String(port), '--data-dir', dataDir], { cwd });
    await waitHealthy(url);
    const me = await fetch(`${url}/backend-api/me`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(me.status, 200);
    assert.equal(((await me.json()) as { email: string }).email, 'grace@example.com');
    const anonymous = await fetch(`${url}/backend-api/me`, { headers: { authorization: 'Bearer not-a-token' } });
    assert.equal(anonymous.status, 401);
    await anonymous.body?.cancel();
    await stopWith(server, 'SIGTERM');
  });
});

describe('user and token administration', () => {
  test('user list|role|disable|enable|password and token list|revoke, each effective at once on a running server', async () => {
    const { cwd, dataDir } = workspace();
    const run = (...args: string[]) => runCli([...args, '--data-dir', dataDir], { cwd });
    assertExit(
      await run('user', 'create', '--email', 'ada@example.com', '--password', 'ada long password', '--admin'),
      0,
    );
    assertExit(
      await run('user', 'create', '--email', 'ben@example.com', '--password', 'ben long password', '--name', 'Ben'),
      0,
    );

    const listed = await run('user', 'list');
    assertExit(listed, 0);
    const lines = listed.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^EMAIL\s+NAME\s+ROLE\s+STATUS\s+MODELS\s+CREATED$/);
    assert.match(lines[1] ?? '', /^ada@example\.com\s+ada\s+admin\s+active\s+all\s+\d{4}-\d\d-\d\d \d\d:\d\d$/);
    assert.match(lines[2] ?? '', /^ben@example\.com\s+Ben\s+user\s+active/);

    const promoted = await run('user', 'role', '--email', 'ben@example.com', '--role', 'admin');
    assertExit(promoted, 0);
    assert.equal(promoted.stdout, 'ben@example.com is now an admin\n');
    assertExit(await run('user', 'role', '--email', 'ben@example.com', '--role', 'root'), 2);

    const first = (
      await run('token', 'create', '--email', 'ben@example.com', '--name', 'backup job', '--expires-days', '30')
    ).stdout.trim();
    const second = (await run('token', 'create', '--email', 'ben@example.com')).stdout.trim();
    assert.match(first, patShape);
    const tokens = await run('token', 'list', '--email', 'ben@example.com');
    assertExit(tokens, 0);
    assert.match(tokens.stdout, /backup job\s+bc_pat_\S{6}…/);
    assert.match(tokens.stdout, /command line\s+bc_pat_\S{6}…\s+\S+ \S+\s+never/);
    assert.ok(!tokens.stdout.includes(first) && !tokens.stdout.includes(second), 'a listed token is never shown whole');

    const port = await freePort();
    const { server, url } = await serve(['--port', String(port), '--data-dir', dataDir], { cwd });
    try {
      await waitHealthy(url);
      const me = (token: string) => fetch(`${url}/backend-api/me`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal((await me(first)).status, 200);
      const firstId = /^(\S+)\s+backup job/m.exec(tokens.stdout)?.[1] ?? '';
      assertExit(await run('token', 'revoke', '--email', 'ben@example.com', '--id', firstId), 0);
      assert.equal((await me(first)).status, 401, 'a revoked token stops working at once');
      assert.equal((await me(second)).status, 200);

      const disabled = await run('user', 'disable', '--email', 'ben@example.com');
      assertExit(disabled, 0);
      assert.match(disabled.stdout, /ben@example\.com is disabled/);
      assert.equal((await me(second)).status, 401, 'disabling ends the tokens');
      assertExit(await run('user', 'enable', '--email', 'ben@example.com'), 0);
      assert.equal((await me(second)).status, 401, 'enabling again does not bring revoked tokens back');

      assertExit(await run('user', 'password', '--email', 'ben@example.com', '--password', 'ben new long password'), 0);
      const login = (password: string) =>
        fetch(`${url}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'ben@example.com', password }),
        });
      assert.equal((await login('ben long password')).status, 401);
      assert.equal((await login('ben new long password')).status, 200);
    } finally {
      await stopWith(server, 'SIGTERM');
    }
    const unknown = await run('user', 'disable', '--email', 'nobody@example.com');
    assertExit(unknown, 1);
    assert.match(oneLine(unknown.stderr), /no user with email nobody@example\.com/);
  });
});

describe('migrate', () => {
  test('creates the SQLite file and is idempotent', async () => {
    const { cwd, dataDir } = workspace();
    const first = await runCli(['migrate', '--data-dir', dataDir], { cwd });
    assertExit(first, 0);
    assert.ok(existsSync(join(dataDir, 'backchat.sqlite')));
    assertExit(await runCli(['migrate', '--data-dir', dataDir], { cwd }), 0);
  });
});

describe('bad arguments', () => {
  const cases: Array<{ args: string[]; mentions: RegExp }> = [
    { args: ['serve', '--bogus'], mentions: /--bogus/ },
    { args: ['user', 'create'], mentions: /--email/ },
    { args: ['user', 'create', '--email', 'x@example.com'], mentions: /--password/ },
    { args: ['frobnicate'], mentions: /frobnicate/ },
    { args: ['serve', '--port', 'abc'], mentions: /port/ },
    { args: ['serve', '--port', '99999'], mentions: /port/ },
    { args: ['user', 'create', '--email', '--password', 'a long password'], mentions: /--email/ },
    { args: [], mentions: /command/ },
  ];
  for (const { args, mentions } of cases) {
    test(`"${['backchat', ...args].join(' ')}" exits 2 with one line on stderr`, async () => {
      const { cwd, dataDir } = workspace();
      const result = await runCli(args, { cwd, env: cleanEnv({ BACKCHAT_DATA_DIR: dataDir }) });
      assertExit(result, 2);
      assert.match(oneLine(result.stderr), mentions);
      assert.equal(result.stdout, '');
      assert.ok(!existsSync(dataDir), 'a usage error touches no database');
    });
  }
});

describe('PostgreSQL through DATABASE_URL', async () => {
  const unavailable = await postgresUnavailable();
  const requireAll = process.env.BACKCHAT_REQUIRE_ALL === '1';
  const skip = unavailable !== undefined && !requireAll ? `no PostgreSQL: ${unavailable}` : false;
  let database: EmptyTestDatabase | undefined;

  after(async () => {
    killAll();
    await database?.drop();
  });

  test(`migrate, user create, token create and serve work on PostgreSQL${skip ? ' (skipped: no PostgreSQL)' : ''}`, {
    skip,
  }, async () => {
    assert.equal(
      unavailable,
      undefined,
      `PostgreSQL is required (BACKCHAT_REQUIRE_ALL=1) but unreachable: ${unavailable}`,
    );
    database = await createEmptyTestDatabase('postgres');
    assert.equal(database.config.kind, 'postgres');
    const databaseUrl = database.config.kind === 'postgres' ? database.config.url : '';
    const { cwd, dataDir } = workspace();
    const env = cleanEnv({ DATABASE_URL: databaseUrl, BACKCHAT_DATA_DIR: dataDir });

    assertExit(await runCli(['migrate'], { cwd, env }), 0);
    assertExit(await runCli(['migrate'], { cwd, env }), 0);
    const created = await runCli(['user', 'create', '--email', 'pg@example.com', '--password', 'a long password'], {
      cwd,
      env,
    });
    assertExit(created, 0);
    assert.match(created.stdout, /pg@example\.com/);
    const issued = await runCli(['token', 'create', '--email', 'pg@example.com'], { cwd, env });
    assertExit(issued, 0);
    assert.match(issued.stdout.trim(), patShape);

    const port = await freePort();
    const { server, url, banner } = await serve(['--port', String(port)], { cwd, env });
    const databaseName = new URL(databaseUrl).pathname;
    assert.match(banner, new RegExp(`database\\s+PostgreSQL \\S+${databaseName}`));
    assert.doesNotMatch(banner, /SQLite/);
    assert.ok(!existsSync(join(dataDir, 'backchat.sqlite')), 'no SQLite file with DATABASE_URL');
    await waitHealthy(url);
    const me = await fetch(`${url}/backend-api/me`, { headers: { authorization: `Bearer ${issued.stdout.trim()}` } });
    assert.equal(me.status, 200);
    assert.equal(((await me.json()) as { email: string }).email, 'pg@example.com');
    await stopWith(server, 'SIGTERM');
  });
});

describe('npx', () => {
  test('"npx backchat --help" runs the package’s own bin from the repo root, offline', async () => {
    // offline: never reach the registry; yes=false: fail instead of installing a package named backchat.
    // A fresh npm cache: a stale or half-written npx cache on the machine must not decide the result.
    const env = cleanEnv({
      npm_config_offline: 'true',
      npm_config_yes: 'false',
      npm_config_update_notifier: 'false',
      npm_config_cache: workspace().dataDir,
    });
    const started = startProcess(['backchat', '--help'], { command: 'npx', cwd: repoRoot, env });
    const result = await started.exited(60_000);
    assertExit(result, 0);
    assert.match(result.stdout, /^usage: backchat <command>/);
    for (const command of ['serve', 'migrate', 'user create', 'token create'])
      assert.match(result.stdout, new RegExp(command));
    assert.doesNotMatch(result.stderr, /need to install|ENOTCACHED|404/i);
  });
});
