/** `backchat user …` and `backchat token …`: account administration from the server's shell. */
import type { Role, UserRecord } from '../src/store/store.js';
import {
  CommandError,
  type Deps,
  loadCommandConfig,
  parse,
  required,
  text,
  UsageError,
  type Values,
  withDeps,
} from './args.js';

const emailOption = { email: { type: 'string' } } as const;

async function findUser(deps: Deps, email: string): Promise<UserRecord> {
  const user = await deps.store.getUserByEmail(email.trim().toLowerCase());
  if (!user) {
    throw new CommandError(
      `no user with email ${email}: create one with "backchat user create --email ${email} --password …" (or see "backchat user list")`,
    );
  }
  return user;
}

/** Runs `work` on the user named by `--email`. */
async function onUser<T>(values: Values, work: (deps: Deps, user: UserRecord) => Promise<T>): Promise<T> {
  const email = required(values, 'email');
  return withDeps(loadCommandConfig(values), async (deps) => work(deps, await findUser(deps, email)));
}

function date(seconds: number | null): string {
  return seconds === null ? '-' : new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ');
}

/** Left-aligned columns, two spaces apart. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

async function userCreate(args: string[]): Promise<void> {
  const values = parse(args, {
    ...emailOption,
    password: { type: 'string' },
    name: { type: 'string' },
    admin: { type: 'boolean' },
  });
  const input = {
    email: required(values, 'email'),
    password: required(values, 'password'),
    name: text(values, 'name'),
  };
  const user = await withDeps(loadCommandConfig(values), (deps) =>
    deps.auth.createUser({ ...input, role: values.admin ? 'admin' : 'user' }),
  );
  process.stdout.write(`created ${user.role} ${user.email} (${user.id})\n`);
}

async function userList(args: string[]): Promise<void> {
  const values = parse(args, {});
  const users = await withDeps(loadCommandConfig(values), (deps) => deps.admin.users());
  const rows = users.map((user) => [
    user.email,
    user.name,
    user.role,
    user.disabled ? 'disabled' : 'active',
    user.modelAccess === null ? 'all' : user.modelAccess.join(',') || 'none',
    date(user.createTime),
  ]);
  process.stdout.write(table(['EMAIL', 'NAME', 'ROLE', 'STATUS', 'MODELS', 'CREATED'], rows));
}

function setDisabled(disabled: boolean) {
  return async (args: string[]): Promise<void> => {
    const user = await onUser(parse(args, emailOption), (deps, found) => deps.admin.updateUser(found.id, { disabled }));
    const effect = disabled ? ' (their sessions and tokens have ended)' : '';
    process.stdout.write(`${user.email} is ${disabled ? 'disabled' : 'enabled'}${effect}\n`);
  };
}

async function userRole(args: string[]): Promise<void> {
  const values = parse(args, { ...emailOption, role: { type: 'string' } });
  const role = required(values, 'role');
  if (role !== 'admin' && role !== 'user') throw new UsageError(`--role must be admin or user, got "${role}"`);
  const user = await onUser(values, (deps, found) => deps.admin.updateUser(found.id, { role: role as Role }));
  process.stdout.write(`${user.email} is now ${user.role === 'admin' ? 'an admin' : 'a user'}\n`);
}

async function userPassword(args: string[]): Promise<void> {
  const values = parse(args, { ...emailOption, password: { type: 'string' } });
  const password = required(values, 'password');
  const user = await onUser(values, async (deps, found) => {
    await deps.admin.resetPassword(found.id, password);
    return found;
  });
  process.stdout.write(`new password set for ${user.email} (their sessions and tokens have ended)\n`);
}

function expiryDays(value: string | undefined): number | null {
  if (value === undefined || value === 'never') return null;
  const days = Number(value);
  if (!Number.isInteger(days) || days < 1 || days > 3650) {
    throw new UsageError(`--expires-days must be a whole number of days from 1 to 3650 (or "never"), got "${value}"`);
  }
  return days;
}

async function tokenCreate(args: string[]): Promise<void> {
  const values = parse(args, { ...emailOption, name: { type: 'string' }, 'expires-days': { type: 'string' } });
  const days = expiryDays(text(values, 'expires-days'));
  const name = text(values, 'name') ?? 'command line';
  const created = await onUser(values, (deps, user) => deps.accounts.createToken(user.id, name, days));
  process.stdout.write(`${created.token}\n`);
}

async function tokenList(args: string[]): Promise<void> {
  const tokens = await onUser(parse(args, emailOption), (deps, user) => deps.accounts.tokens(user.id));
  const rows = tokens.map((token) => [
    token.id,
    token.name,
    `${token.prefix}…`,
    date(token.createTime),
    token.expireTime === null ? 'never' : date(token.expireTime),
    date(token.lastUsedTime),
  ]);
  process.stdout.write(table(['ID', 'NAME', 'TOKEN', 'CREATED', 'EXPIRES', 'LAST USED'], rows));
}

async function tokenRevoke(args: string[]): Promise<void> {
  const values = parse(args, { ...emailOption, id: { type: 'string' } });
  const id = required(values, 'id');
  await onUser(values, (deps, user) => deps.accounts.revokeToken(user.id, id));
  process.stdout.write(`token ${id} revoked\n`);
}

export const accountCommands: Record<string, (args: string[]) => Promise<void>> = {
  'user create': userCreate,
  'user list': userList,
  'user role': userRole,
  'user disable': setDisabled(true),
  'user enable': setDisabled(false),
  'user password': userPassword,
  'token create': tokenCreate,
  'token list': tokenList,
  'token revoke': tokenRevoke,
};
