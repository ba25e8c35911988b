/**
 * `npm run bench -- import` (`-- import --quick` for 10,000): a synthetic ChatGPT export of 100,000
 * conversations in the split layout (`conversations-000.json`… in a zip, 2,000 a file) is imported
 * with the CLI (`backchat import`) into a fresh SQLite data folder. Reported: conversations per second
 * and the peak RSS of the importing process. Baseline, in the same run: a process that only reads the
 * same zip with the same streaming reader and `JSON.parse`s every conversation, writing nothing.
 * Progress lines of both pass through to stderr.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { openExportSource } from '../src/conversation/history/export-source.js';
import { readJsonArray } from '../src/conversation/history/json-array-reader.js';
import { writeExportZip } from '../test/helpers/chatgpt-export.js';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');

interface Run {
  name: string;
  conversations: number;
  seconds: number;
  peakRssMiB: number;
}

/** Peak resident memory of a live process, from /proc (VmHWM), in MiB; 0 when unreadable. */
async function peakRss(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return 0;
  }
}

/** Runs `node --import tsx args`, passing its stderr through, and follows its peak RSS until it exits. */
async function measured(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ seconds: number; peakRssMiB: number; stdout: string }> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  let peak = 0;
  const timer = setInterval(async () => {
    if (child.pid) peak = Math.max(peak, await peakRss(child.pid));
  }, 200);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(timer);
  if (code !== 0) throw new Error(`${args.join(' ')} exited with ${code}\n${stdout}`);
  return { seconds: (performance.now() - started) / 1000, peakRssMiB: peak, stdout };
}

/** The baseline's child: read every conversation of the export, parse it, keep nothing. */
async function parseOnly(path: string): Promise<void> {
  const source = await openExportSource(path);
  let count = 0;
  let last = performance.now();
  for (const file of source.conversationFiles) {
    for await (const element of readJsonArray(await file.open())) {
      if ('text' in element) JSON.parse(element.text);
      count++;
      if (performance.now() - last > 2_000) {
        last = performance.now();
        process.stderr.write(`parse only: ${file.name}  ${count.toLocaleString('en-US')} conversations\n`);
      }
    }
  }
  await source.close();
  process.stdout.write(`${count}\n`);
}

export async function runImportBench(options: { quick: boolean }): Promise<void> {
  const count = options.quick ? 10_000 : 100_000;
  const dir = await mkdtemp(join(tmpdir(), 'backchat-import-bench-'));
  try {
    const zip = join(dir, 'export.zip');
    process.stderr.write(`bench import: writing a ${count.toLocaleString('en-US')}-conversation export…\n`);
    const generation = performance.now();
    await writeExportZip(zip, { count, perFile: 2_000, options: { seed: 7 } });
    const size = (await stat(zip)).size;
    process.stderr.write(
      `bench import: ${(size / 1024 / 1024).toFixed(0)} MiB zip written in ${((performance.now() - generation) / 1000).toFixed(0)} s\n`,
    );
    const env: NodeJS.ProcessEnv = { ...process.env, BACKCHAT_DETECT_OLLAMA: 'false' };
    delete env.DATABASE_URL;
    delete env.REDIS_URL;
    const dataDir = join(dir, 'data');
    await measured(
      [
        'cli/main.ts',
        'user create',
        '--email',
        'bench@example.com',
        '--password',
        'bench-password-123-long',
        '--data-dir',
        dataDir,
      ].flatMap((arg) => arg.split(' ')),
      env,
    );
    const runs: Run[] = [];
    process.stderr.write('bench import: baseline (parse only)…\n');
    const baseline = await measured(['bench/import.ts', '--parse-only', zip], env);
    runs.push({ name: 'parse only (baseline)', conversations: Number(baseline.stdout.trim()), ...baseline });
    process.stderr.write('bench import: backchat import…\n');
    const imported = await measured(
      ['cli/main.ts', 'import', zip, '--email', 'bench@example.com', '--data-dir', dataDir],
      env,
    );
    process.stderr.write(imported.stdout);
    const summary = /(\d[\d,]*) imported/.exec(imported.stdout)?.[1]?.replaceAll(',', '');
    runs.push({ name: 'backchat import (SQLite)', conversations: Number(summary ?? 0), ...imported });
    const database = await stat(join(dataDir, 'backchat.sqlite')).catch(() => undefined);
    console.log(
      `\nexport: ${count.toLocaleString('en-US')} conversations, ${(size / 1024 / 1024).toFixed(0)} MiB zip (split, 2,000 a file)`,
    );
    console.log('| run | conversations | seconds | conversations/s | peak RSS (MiB) |');
    console.log('|---|---|---|---|---|');
    for (const run of runs) {
      console.log(
        `| ${run.name} | ${run.conversations.toLocaleString('en-US')} | ${run.seconds.toFixed(1)} | ${Math.round(run.conversations / run.seconds).toLocaleString('en-US')} | ${run.peakRssMiB.toFixed(0)} |`,
      );
    }
    const [parse, store] = runs;
    if (parse && store) {
      console.log(`\nratio (import time / parse time): ${(store.seconds / parse.seconds).toFixed(2)}×`);
    }
    if (database) console.log(`database file: ${(database.size / 1024 / 1024).toFixed(0)} MiB`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const parseIndex = process.argv.indexOf('--parse-only');
if (parseIndex !== -1) await parseOnly(process.argv[parseIndex + 1] ?? '');
