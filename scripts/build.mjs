#!/usr/bin/env node
// Builds the server (esbuild → dist/cli/: the commands and their JavaScript dependencies bundled into
// one module, dist/cli/backchat.js, and the executable dist/cli/main.js that runs it) and, when present,
// the web UI (vite → web-dist/). Types are checked by `npm run typecheck`, not here: the bundle starts
// in about half the time of several hundred separate modules (docs/performance.md, P7).
// `--if-stale` skips a part whose output is newer than every one of its sources (used by `npm start`).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
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

async function timed(label, work) {
  const started = Date.now();
  process.stdout.write(`backchat build: ${label}…`);
  try {
    await work();
  } catch (error) {
    process.stdout.write(' failed\n');
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  process.stdout.write(` done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
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

/**
 * Packages left outside the bundle, loaded from node_modules: native addons, the ones loaded only on first
 * use (createRequire), and pino, whose optional transports locate worker files next to its own sources.
 */
const external = [
  'better-sqlite3',
  '@node-rs/argon2',
  'pg',
  'pg-native',
  'ioredis',
  'gpt-tokenizer',
  'pino',
  // Fastify's schema compilers, loaded only if a route declares a schema (src/server/schema-compilers.ts).
  '@fastify/ajv-compiler',
  '@fastify/fast-json-stringify-compiler',
  // Fastify's `inject`, which only tests use.
  'light-my-request',
];

/**
 * zod re-exports all of its ~50 message locales (`z.locales`); backchat uses only English, the default,
 * which zod's schemas import on their own. Resolving zod's locale index to English alone takes ~400 KB
 * (of ~2.5 MB) out of the bundle that every command parses at start (docs/performance.md, P7).
 */
const englishOnlyZod = {
  name: 'english-only-zod-locales',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]/.test(args.importer)
        ? { path: join(dirname(args.importer), '../locales/en.js'), namespace: 'zod-english' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'zod-english' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};

/** The bundle is ESM; CommonJS packages inside it call `require` for Node's built-ins. */
const requireShim =
  "import { createRequire as createRequireForBundle } from 'node:module';\n" +
  'const require = createRequireForBundle(import.meta.url);';

async function bundleServer() {
  const { build } = await import('esbuild');
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  // Whitespace and syntax minified, names kept (for profiles and stack traces): less source for Node to
  // read and keep in memory (about 4 MB of RSS).
  const common = {
    minifyWhitespace: true,
    minifySyntax: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    logLevel: 'error',
  };
  await build({
    ...common,
    entryPoints: [join(root, 'cli/backchat.ts')],
    outfile: join(root, 'dist/cli/backchat.js'),
    external,
    plugins: [englishOnlyZod],
    banner: { js: requireShim },
  });
  await build({
    ...common,
    entryPoints: [join(root, 'cli/main.ts')],
    outfile: serverEntry,
    external: ['./backchat.js'],
  });
  chmodSync(serverEntry, 0o755);
}

const serverEntry = join(root, 'dist/cli/main.js');
if (!ifStale || isStale(['src', 'cli', 'package.json'], serverEntry)) {
  await timed('bundling the server', bundleServer);
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
