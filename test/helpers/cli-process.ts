/**
 * Runs the built `backchat` command (dist/cli/main.js) as a child process, the way a user does.
 * Every wait is bounded; `killAll()` (call it from an `after` hook) ends whatever is still running.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withTimeout } from './bounded.js';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cliEntry = join(repoRoot, 'dist', 'cli', 'main.js');

export interface CliResult {
  /** The exit code, or null when a signal ended the process. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running child with its output so far. */
export interface CliProcess {
  child: ChildProcess;
  output(): { stdout: string; stderr: string };
  /** Resolves with stdout once it matches `pattern`; rejects on exit or after `timeoutMs`. */
  waitForStdout(pattern: RegExp, timeoutMs: number): Promise<string>;
  /** Resolves when the process exits; rejects after `timeoutMs` (the process keeps running). */
  exited(timeoutMs: number): Promise<CliResult>;
}

const running = new Set<ChildProcess>();

/**
 * The environment a user without any model configuration has: no `OPENAI_*`, `BACKCHAT_*`,
 * `DATABASE_URL` or `NODE_ENV` from the test run, Ollama detection off, plus `extra`.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(OPENAI_|BACKCHAT_)/.test(key) || key === 'DATABASE_URL' || key === 'NODE_ENV') continue;
    env[key] = value;
  }
  return { ...env, BACKCHAT_DETECT_OLLAMA: 'false', ...extra };
}

/** Starts `command args` (by default `node dist/cli/main.js args`) and tracks it for `killAll`. */
export function startProcess(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; command?: string } = {},
): CliProcess {
  const command = options.command ?? process.execPath;
  const fullArgs = options.command ? args : [cliEntry, ...args];
  const child = spawn(command, fullArgs, {
    cwd: options.cwd ?? repoRoot,
    env: options.env ?? cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exit = once(child, 'close').then(([code, signal]) => {
    running.delete(child);
    return { code: code as number | null, signal: signal as NodeJS.Signals | null, stdout, stderr };
  });
  const describe = () => `${[command, ...fullArgs].join(' ')}\n--- stdout:\n${stdout}\n--- stderr:\n${stderr}`;
  const waitForStdout = async (pattern: RegExp, timeoutMs: number) => {
    const matched = new Promise<string>((resolve, reject) => {
      const check = () => {
        if (pattern.test(stdout)) resolve(stdout);
      };
      child.stdout?.on('data', check);
      check();
      void exit.then(() => reject(new Error(`exited before printing ${pattern}: ${describe()}`)));
    });
    return withTimeout(matched, timeoutMs, `waiting for ${pattern} from ${describe()}`);
  };
  return {
    child,
    output: () => ({ stdout, stderr }),
    waitForStdout,
    exited: (timeoutMs) => withTimeout(exit, timeoutMs, `waiting for exit of ${describe()}`),
  };
}

/** Runs `node dist/cli/main.js args` to completion (bounded by `timeoutMs`, then killed). */
export async function runCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  const started = startProcess(args, options);
  try {
    return await started.exited(options.timeoutMs ?? 30_000);
  } finally {
    if (started.child.exitCode === null && started.child.signalCode === null) started.child.kill('SIGKILL');
  }
}

/** SIGKILLs every child started here that has not exited yet. */
export function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/**
 * Ports handed out by `freePort`: below Linux's ephemeral range (32768–60999 by default), from which
 * the kernel picks the local port of every outgoing connection. A port taken from that range (by
 * listening on port 0) could become the local end of another test's connection before the process
 * meant to listen on it starts: `EADDRINUSE` (seen once in a full run).
 */
const fixedPorts = { from: 20_000, to: 32_000 };

/** A TCP port that was free a moment ago on 127.0.0.1, for a process that will listen on it. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = fixedPorts.from + Math.floor(Math.random() * (fixedPorts.to - fixedPorts.from));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port between ${fixedPorts.from} and ${fixedPorts.to} on 127.0.0.1 after 50 tries`);
}

async function canListen(port: number): Promise<boolean> {
  const server = createServer();
  const listening = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (!listening) return false;
  server.close();
  await once(server, 'close');
  return true;
}
