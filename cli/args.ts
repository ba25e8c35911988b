/** Argument parsing and shared plumbing of the `backchat` commands. */
import { parseArgs } from 'node:util';
import { type Config, type ConfigOverrides, loadConfig, parsePort } from '../src/config.js';

/** Bad arguments: one line on stderr, exit code 2. */
export class UsageError extends Error {}
/** The command could not do its work: one line on stderr, exit code 1. */
export class CommandError extends Error {}

export type Values = Record<string, string | boolean | undefined>;

export function parse(args: string[], options: Record<string, { type: 'string' | 'boolean' }>): Values {
  try {
    return parseArgs({ args, options: { ...options, 'data-dir': { type: 'string' } }, strict: true }).values as Values;
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0] ?? 'bad arguments');
  }
}

export function text(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

export function required(values: Values, name: string): string {
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

export const progress = (message: string) => process.stderr.write(`${message}\n`);

export type Deps = import('../src/server/app.js').AppDeps;

export async function withDeps<T>(config: Config, work: (deps: Deps) => Promise<T>): Promise<T> {
  const { buildDeps } = await import('../src/server/main.js');
  const deps = await buildDeps({ ...config, detectOllama: false, providers: [] });
  try {
    return await work(deps);
  } finally {
    await deps.store.close();
  }
}

/** The configuration a command runs with: environment, config file and its `--data-dir`. */
export function loadCommandConfig(values: Values): Config {
  return loadConfig(process.env, overrides(values));
}
