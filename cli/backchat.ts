/**
 * The `backchat` command: serve | migrate | copy | import | export | user create|list|role|disable|enable|password |
 * token create|list|revoke.
 * Bad arguments print one line to stderr and exit with code 2; failures exit with code 1.
 */
import { ConfigError } from '../src/config.js';
import { DomainError } from '../src/domain-errors.js';
import { accountCommands } from './account-commands.js';
import { CommandError, loadCommandConfig, parse, progress, UsageError } from './args.js';
import { copyCommands } from './copy-command.js';
import { historyCommands } from './history-commands.js';

const usage = `usage: backchat <command> [options]
  serve  [--host H] [--port P] [--data-dir D]     run the server (default 127.0.0.1:3000, ./data)
  migrate [--data-dir D]                          create or upgrade the database
  copy --to postgres://… [--restart]              copy this SQLite installation into an empty PostgreSQL
                                                  database and verify it; stop the server first (docs/deploy.md)
  import <export.zip | conversations.json | folder> --email E
                                                  import a ChatGPT export into the user's history
                                                  (both layouts; importing again adds nothing)
  export --email E --out file.zip                 the user's history as a ChatGPT-style export zip
  user create --email E --password P [--name N] [--admin]
  user list                                       every account: email, name, role, status
  user role --email E --role admin|user
  user disable --email E | user enable --email E  disabling ends the user's sessions and tokens
  user password --email E --password P            set a new password (ends sessions and tokens)
  token create --email E [--name N] [--expires-days D]
                                                  print a new personal access token (bc_pat_…)
  token list --email E                            the user's personal access tokens
  token revoke --email E --id ID
  (every command also takes --data-dir D)`;

async function serve(args: string[]): Promise<void> {
  const config = loadCommandConfig(parse(args, { host: { type: 'string' }, port: { type: 'string' } }));
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
  const config = loadCommandConfig(parse(args, {}));
  const { openStore } = await import('../src/store/open-store.js');
  const store = await openStore(config.database, { onProgress: progress });
  await store.close();
  progress('database is up to date');
}

const commands: Record<string, (args: string[]) => Promise<void>> = {
  serve,
  migrate,
  ...copyCommands,
  ...historyCommands,
  ...accountCommands,
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

/** Runs one `backchat` command line (without `node` and the script). */
export async function main(argv: string[]): Promise<void> {
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
