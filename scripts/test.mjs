#!/usr/bin/env node
// Runs every test file under test/ (or the files/folders given) with node's test runner through tsx.
// Prints node's own summary (`ℹ pass N`, `ℹ fail N`) and a closing `N passed, N failed` line.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const targets = args.filter((arg) => !arg.startsWith('--'));
const soak = args.includes('--soak');

function collect(path) {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((entry) => (entry === 'fixtures' || entry === 'helpers' ? [] : collect(join(path, entry))))
    .filter((file) => file.endsWith(soak ? '.soak.ts' : '.test.ts'));
}

const files = (targets.length ? targets : ['test']).flatMap((target) => collect(join(root, target)));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const concurrency = process.env.BACKCHAT_TEST_CONCURRENCY ?? '2';
const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-reporter=spec',
    ...files.map((f) => relative(root, f)),
  ],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_ENV: 'test' } },
);
let passed = 0;
let failed = 0;
let output = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  output += chunk.toString();
});
const lastCount = (label) => Number([...output.matchAll(new RegExp(`^ℹ ${label} (\\d+)$`, 'gm'))].at(-1)?.[1] ?? 0);
child.on('close', (code) => {
  passed = lastCount('pass');
  failed = lastCount('fail');
  const skipped = lastCount('skipped');
  console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(code ?? 1);
});
