/**
 * A real nginx (Debian's, /usr/sbin/nginx) in front of test servers, running the config we ship:
 * `deploy/nginx/backchat.conf` is read and only its upstream `server` lines (→ the test's ports, with the
 * shipped parameters) and its `listen` line (→ a free port on 127.0.0.1) are replaced; a minimal
 * nginx.conf around it keeps pid, logs and temp files in a temp dir. nginx runs in the foreground as a
 * child process of the test (as the current user, one process, so a SIGKILL leaves nothing behind).
 *
 * ```ts
 * const reason = nginxUnavailable();                 // a skip reason, or undefined
 * const nginx = await startNginx({ upstreamPorts: [3001, 3002, 3003] });
 * nginx.url;                                         // http://127.0.0.1:PORT
 * await nginx.accessLog();                           // [{ remoteAddress, method, uri, status, upstreams }]
 * await nginx.stop();                                // also from an `after` hook (or killAll())
 * ```
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CliProcess, freePort, repoRoot, startProcess } from './cli-process.js';

export const nginxBinary = process.env.NGINX_PATH ?? '/usr/sbin/nginx';
export const shippedNginxConfig = join(repoRoot, 'deploy', 'nginx', 'backchat.conf');

/** Why nginx cannot be used, or undefined when it is installed. */
export function nginxUnavailable(): string | undefined {
  return existsSync(nginxBinary) ? undefined : `no nginx at ${nginxBinary} (apt-get install nginx, or set NGINX_PATH)`;
}

/**
 * The shipped backchat.conf with one upstream `server` line per port (keeping the parameters of the
 * first shipped line, e.g. `max_fails=0`) and `listen 127.0.0.1:<listenPort>`.
 * Throws when the file no longer has the shape this relies on.
 */
export function renderBackchatConf(shipped: string, upstreamPorts: number[], listenPort: number): string {
  const upstream = /upstream\s+backchat\s*\{[\s\S]*?\n\}/.exec(shipped);
  if (!upstream) throw new Error('backchat.conf: no `upstream backchat { … }` block');
  const serverLine = /^([ \t]*)server[ \t]+\S+([^;\n]*);[ \t]*\n/gm;
  const servers = [...upstream[0].matchAll(serverLine)];
  const first = servers[0];
  if (!first) throw new Error('backchat.conf: the upstream block has no `server` line');
  const [, indent = '', parameters = ''] = first;
  const lines = upstreamPorts.map((port) => `${indent}server 127.0.0.1:${port}${parameters};\n`).join('');
  let replaced = false;
  const block = upstream[0].replace(serverLine, () => {
    if (replaced) return '';
    replaced = true;
    return lines;
  });
  const withUpstreams = shipped.replace(upstream[0], block);
  const listen = /^([ \t]*)listen[ \t]+[^;\n]+;/gm;
  const listens = [...withUpstreams.matchAll(listen)];
  if (listens.length !== 1) throw new Error(`backchat.conf: expected one active listen line, found ${listens.length}`);
  return withUpstreams.replace(listen, (_line, indentation: string) => `${indentation}listen 127.0.0.1:${listenPort};`);
}

/** One access log line of the test's format. */
export interface AccessLogEntry {
  remoteAddress: string;
  method: string;
  uri: string;
  status: number;
  /** The instances tried, in order (`$upstream_addr`: more than one when nginx retried). */
  upstreams: string[];
}

export interface Nginx {
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The temp dir with nginx.conf, backchat.conf (rendered), logs and temp files. */
  dir: string;
  /** The rendered backchat.conf. */
  config: string;
  process: CliProcess;
  /** Completed requests so far (nginx logs a request when it ends). */
  accessLog(): Promise<AccessLogEntry[]>;
  errorLog(): Promise<string>;
  /** Stops nginx (SIGTERM, then SIGKILL) and removes its dir. */
  stop(): Promise<void>;
}

export interface NginxOptions {
  upstreamPorts: number[];
  /** Default: a free port. */
  listenPort?: number;
}

function mainConfig(dir: string): string {
  const path = (name: string) => join(dir, name);
  // The master drops to `user` only when it runs as root; as root, run as the current user (root) so the
  // temp dir (mode 0700) stays usable.
  const user = process.getuid?.() === 0 ? `user ${userInfo().username};\n` : '';
  return `${user}# One process: killing it (even with SIGKILL) leaves no worker behind.
master_process off;
worker_processes 1;
pid ${path('nginx.pid')};
error_log ${path('error.log')} notice;
events { worker_connections 1024; }
http {
    log_format backchat_test '$remote_addr|$request_method|$request_uri|$status|$upstream_addr';
    access_log ${path('access.log')} backchat_test;
    client_body_temp_path ${path('temp/client_body')};
    proxy_temp_path ${path('temp/proxy')};
    fastcgi_temp_path ${path('temp/fastcgi')};
    uwsgi_temp_path ${path('temp/uwsgi')};
    scgi_temp_path ${path('temp/scgi')};
    include ${path('backchat.conf')};
}
`;
}

/** Writes nginx.conf and the rendered backchat.conf into a new temp dir. */
export async function writeNginxConfig(
  options: NginxOptions & { listenPort: number },
): Promise<{ dir: string; config: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'backchat-nginx-'));
  await mkdir(join(dir, 'temp'));
  const config = renderBackchatConf(
    await readFile(shippedNginxConfig, 'utf8'),
    options.upstreamPorts,
    options.listenPort,
  );
  await writeFile(join(dir, 'backchat.conf'), config);
  await writeFile(join(dir, 'nginx.conf'), mainConfig(dir));
  return { dir, config };
}

function nginxArgs(dir: string, ...extra: string[]): string[] {
  return ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log'), ...extra];
}

/** `nginx -t` on a written config dir: the exit code and what nginx said. */
export async function testNginxConfig(dir: string): Promise<{ ok: boolean; output: string }> {
  const result = await startProcess(nginxArgs(dir, '-t'), { command: nginxBinary, env: process.env, cwd: dir }).exited(
    10_000,
  );
  return { ok: result.code === 0, output: `${result.stdout}${result.stderr}` };
}

/** True once something accepts connections on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function parseAccessLog(text: string): AccessLogEntry[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [remoteAddress = '', method = '', uri = '', status = '0', upstreams = ''] = line.split('|');
      return {
        remoteAddress,
        method,
        uri,
        status: Number(status),
        upstreams: upstreams === '-' ? [] : upstreams.split(/\s*,\s*|\s+:\s+/),
      };
    });
}

/** Starts nginx with the shipped config in front of `upstreamPorts`; resolves once it accepts connections. */
export async function startNginx(options: NginxOptions): Promise<Nginx> {
  const port = options.listenPort ?? (await freePort());
  const { dir, config } = await writeNginxConfig({ ...options, listenPort: port });
  const child = startProcess(nginxArgs(dir, '-g', 'daemon off;'), { command: nginxBinary, env: process.env, cwd: dir });
  const errorLog = () => readFile(join(dir, 'error.log'), 'utf8').catch(() => '');
  const stop = async () => {
    if (child.child.exitCode === null && child.child.signalCode === null) {
      child.child.kill('SIGTERM');
      await child.exited(5_000).catch(async () => {
        child.child.kill('SIGKILL');
        await child.exited(5_000);
      });
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.child.exitCode !== null || Date.now() > deadline) {
      const why = `nginx did not start on 127.0.0.1:${port}:\n${await errorLog()}\n${child.output().stderr}`;
      await stop();
      throw new Error(why);
    }
    await sleep(25);
  }
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    dir,
    config,
    process: child,
    accessLog: async () => parseAccessLog(await readFile(join(dir, 'access.log'), 'utf8').catch(() => '')),
    errorLog,
    stop,
  };
}
