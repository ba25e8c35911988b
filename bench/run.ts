/**
 * `npm run bench`: the performance suite (docs/performance.md). Every row is measured with its
 * baseline in the same run, on loopback, bounded in time, and the whole run prints one table: figure,
 * baseline, ratio, target, PASS/FAIL. Benchmarks never run in `npm test`.
 *
 * - `npm run bench` — every row: P1–P9 and search.
 * - `npm run bench -- P3 P7` — only the benches owning those rows (ids are case-insensitive).
 * - `npm run bench -- --quick` — shorter runs, for trying the suite; not for the figures.
 * - `npm run bench -- --instances N` — P9 with N instances instead of 3.
 * - `npm run bench -- import` — the history import benchmark (bench/import.ts), its own table.
 *
 * Progress goes to stderr, the table to stdout. A bench that cannot run (a missing dependency) or
 * throws is reported as one FAIL row naming the error, and the others still run.
 */
import { performance } from 'node:perf_hooks';
import { browserBench } from './browser-long-conversation.js';
import { historyListBench } from './history-list.js';
import { instancesBench, runInstancesBench } from './instances.js';
import { longConversationBench } from './long-conversation.js';
import { relayBench } from './relay.js';
import { searchBench } from './search.js';
import { startupBench } from './startup.js';
import type { Bench, BenchOptions, BenchRow } from './suite/row.js';
import { progress } from './suite/row.js';
import { formatTable } from './suite/table.js';
import { telemetryBench } from './telemetry.js';

/** In the order of the table. */
const suite: Bench[] = [
  relayBench,
  historyListBench,
  longConversationBench,
  telemetryBench,
  startupBench,
  browserBench,
  instancesBench,
  searchBench,
];

/** `--instances N`, `--instances=N` or a bare `--instances` (3); undefined without the option. */
function instancesOption(argv: string[]): number | undefined {
  const index = argv.findIndex((arg) => arg === '--instances' || arg.startsWith('--instances='));
  if (index === -1) return undefined;
  const arg = argv[index] ?? '';
  const text = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[index + 1];
  if (text === undefined || text.startsWith('--')) return 3;
  const count = Number(text);
  if (!Number.isInteger(count) || count < 1) throw new Error(`--instances: expected a whole number ≥ 1, got ${text}`);
  return count;
}

/** The benches owning the asked ids (all of them when none is asked); unknown ids are an error. */
function selected(ids: string[]): Bench[] {
  if (ids.length === 0) return suite;
  const wanted = new Set(ids.map((id) => id.toLowerCase()));
  const known = new Set(suite.flatMap((bench) => bench.ids.map((id) => id.toLowerCase())));
  const unknown = [...wanted].filter((id) => !known.has(id));
  if (unknown.length > 0) {
    const all = suite.flatMap((bench) => bench.ids).join(', ');
    throw new Error(`unknown benchmark ${unknown.join(', ')}: the ids are ${all} (and import)`);
  }
  return suite.filter((bench) => bench.ids.some((id) => wanted.has(id.toLowerCase())));
}

async function runSuite(benches: Bench[], options: BenchOptions): Promise<void> {
  const rows: BenchRow[] = [];
  const started = performance.now();
  for (const [index, bench] of benches.entries()) {
    progress(`bench ${index + 1}/${benches.length}: ${bench.ids.join(', ')} — ${bench.title}…`);
    const began = performance.now();
    try {
      rows.push(...(await bench.run(options)));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      progress(`bench ${bench.ids.join(', ')} failed: ${message}`);
      rows.push({
        id: bench.ids.join(', '),
        measure: bench.title,
        figure: '—',
        baseline: '—',
        ratio: null,
        target: 'runs',
        pass: false,
        note: `could not run: ${message.split('\n')[0]}`,
      });
    }
    progress(`  done in ${((performance.now() - began) / 1000).toFixed(0)} s`);
  }
  console.log(formatTable(rows));
  console.log(
    `\n${options.quick ? 'quick run (not for figures); ' : ''}whole run ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
}

const argv = process.argv.slice(2);
const options: BenchOptions = { quick: argv.includes('--quick') };
const instances = instancesOption(argv);
const ids = argv.filter((arg, index) => !arg.startsWith('--') && argv[index - 1] !== '--instances');

if (ids.includes('import')) {
  const { runImportBench } = await import('./import.js');
  await runImportBench(options);
} else if (instances !== undefined) {
  const rows = await runInstancesBench(instances, options);
  console.log(formatTable(rows));
} else {
  await runSuite(selected(ids), options);
}
