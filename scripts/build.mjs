#!/usr/bin/env node
// Builds the server (tsc → dist/) and, when present, the web UI (vite → web-dist/).
// `--if-stale` skips a part whose output is newer than every one of its sources (used by `npm start`).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ifStale = process.argv.includes('--if-stale');

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules') continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

function isStale(sources, output) {
  if (!existsSync(output)) return true;
  const outputTime = statSync(output).mtimeMs;
  return sources.some((source) => newestMtime(join(root, source)) > outputTime);
}

function run(label, command, args, cwd = root) {
  const started = Date.now();
  process.stdout.write(`backchat build: ${label}…`);
  const result = spawnSync(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (result.status !== 0) {
    process.stdout.write(' failed\n');
    process.stderr.write(result.stdout + result.stderr);
    process.exit(result.status ?? 1);
  }
  process.stdout.write(` done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

const serverEntry = join(root, 'dist/cli/main.js');
if (!ifStale || isStale(['src', 'cli', 'tsconfig.json', 'tsconfig.build.json', 'package.json'], serverEntry)) {
  run('compiling the server', process.execPath, [
    join(root, 'node_modules/typescript/bin/tsc'),
    '-p',
    'tsconfig.build.json',
  ]);
  chmodSync(serverEntry, 0o755);
}

const webConfig = join(root, 'web/vite.config.ts');
const webIndex = join(root, 'web-dist/index.html');
if (existsSync(webConfig) && (!ifStale || isStale(['web', 'src/protocol'], webIndex))) {
  run('building the web UI', process.execPath, [
    join(root, 'node_modules/vite/bin/vite.js'),
    'build',
    '--config',
    webConfig,
    '--logLevel',
    'warn',
  ]);
}
