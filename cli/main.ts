#!/usr/bin/env node
/**
 * The `backchat` command: serve | migrate | user create | token create.
 * Bad arguments print one line to stderr and exit with code 2; failures exit with code 1.
 */
import { parseArgs } from 'node:util';
import { type Config, ConfigError, type ConfigOverrides, loadConfig, parsePort } from '../src/config.js';
import { DomainError } from '../src/domain-errors.js';

class UsageError extends Error {}
class CommandError extends Error {}

const usage = `usage: backchat <command> [options]
  serve  [--host H] [--port P] [--data-dir D]     run the server (default 127.0.0.1:3000, ./data)
  migrate [--data-dir D]                          create or upgrade the database
  user create --email E --password P [--name N] [--admin] [--data-dir D]
  token create --email E [--data-dir D]           print an access token for API clients`;

type Values = Record<string, string | boolean | undefined>;

function parse(args: string[], options: Record<string, { type: 'string' | 'boolean' }>): Values {
  try {
    return parseArgs({ args, options: { ...options, 'data-dir': { type: 'string' } }, strict: true }).values as Values;
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0] ?? 'bad arguments');
  }
}

function text(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

function required(values: Values, name: string): string {
  const value = text(values, name);
  if (!value) throw new UsageError(`--${name} is required`);
  return value;
}

function overrides(values: Values): ConfigOverrides {
  const port = text(values, 'port');
  return {
    ...(text(values, 'host') && { host: text(values, 'host') }),
    ...(port !== undefined && { port: portFlag(port) }),
    ...(text(values, 'data-dir') && { dataDir: text(values, 'data-dir') }),
  };
}

function portFlag(value: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`--port must be a number, got "${value}"`);
  try {
    return parsePort(value, '--port');
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

const progress = (message: string) => process.stderr.write(`${message}\n`);

async function serve(args: string[]): Promise<void> {
  const config = loadConfig(
    process.env,
    overrides(parse(args, { host: { type: 'string' }, port: { type: 'string' } })),
  );
  const { requestLogger, startServer } = await import('../src/server/main.js');
  const { banner } = await import('./banner.js');
  const server = await startServer(config, {
    log: progress,
    logger: process.env.BACKCHAT_LOG_REQUESTS ? requestLogger() : false,
  });
  process.stdout.write(banner(config, server.url, server.deps.providers));
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    progress(`\n${signal}: shutting down…`);
    server.close().then(
      () => process.exit(0),
      (error: Error) => {
        progress(`shutdown failed: ${error.message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function migrate(args: string[]): Promise<void> {
  const config = loadConfig(process.env, overrides(parse(args, {})));
  const { openStore } = await import('../src/store/open-store.js');
  const store = await openStore(config.database, { onProgress: progress });
  await store.close();
  progress('database is up to date');
}

type Deps = import('../src/server/app.js').AppDeps;

async function withDeps<T>(config: Config, work: (deps: Deps) => Promise<T>): Promise<T> {
  const { buildDeps } = await import('../src/server/main.js');
  const deps = await buildDeps({ ...config, detectOllama: false, providers: [] });
  try {
    return await work(deps);
  } finally {
    await deps.store.close();
  }
}

async function userCreate(args: string[]): Promise<void> {
  const options = {
    email: { type: 'string' },
    password: { type: 'string' },
    name: { type: 'string' },
    admin: { type: 'boolean' },
  } as const;
  const values = parse(args, options);
  const input = {
    email: required(values, 'email'),
    password: required(values, 'password'),
    name: text(values, 'name'),
  };
  const config = loadConfig(process.env, overrides(values));
  const user = await withDeps(config, (deps) =>
    deps.auth.createUser({ ...input, role: values.admin ? 'admin' : 'user' }),
  );
  process.stdout.write(`created ${user.role} ${user.email} (${user.id})\n`);
}

async function tokenCreate(args: string[]): Promise<void> {
  const values = parse(args, { email: { type: 'string' } });
  const email = required(values, 'email');
  const config = loadConfig(process.env, overrides(values));
  const token = await withDeps(config, async (deps) => {
    const user = await deps.store.getUserByEmail(email.toLowerCase());
    if (!user)
      throw new CommandError(
        `no user with email ${email}: create one with "backchat user create --email ${email} --password …"`,
      );
    return deps.auth.issueAccessToken(user.id);
  });
  process.stdout.write(`${token.token}\n`);
}

const commands: Record<string, (args: string[]) => Promise<void>> = {
  serve,
  migrate,
  'user create': userCreate,
  'token create': tokenCreate,
};

function pickCommand(argv: string[]): { run: (args: string[]) => Promise<void>; args: string[] } {
  const [first = '', second = ''] = argv;
  const two = commands[`${first} ${second}`];
  if (two) return { run: two, args: argv.slice(2) };
  const one = commands[first];
  if (one && !['user', 'token'].includes(first)) return { run: one, args: argv.slice(1) };
  if (first === '') throw new UsageError('a command is required');
  throw new UsageError(`unknown command "${[first, second].filter(Boolean).join(' ')}"`);
}

async function main(argv: string[]): Promise<void> {
  try {
    if (argv.some((arg) => arg === '--help' || arg === '-h') || argv[0] === 'help') {
      process.stdout.write(`${usage}\n`);
      return;
    }
    const { run, args } = pickCommand(argv);
    await run(args);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`backchat: ${error.message} (see "backchat --help")\n`);
      process.exit(2);
    }
    if (error instanceof ConfigError || error instanceof DomainError || error instanceof CommandError) {
      process.stderr.write(`backchat: ${error.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`backchat: ${(error as Error).message}\n`);
    process.exit(1);
  }
}

await main(process.argv.slice(2));
