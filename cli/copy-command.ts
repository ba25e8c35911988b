/**
 * `backchat copy --to postgres://… [--restart]`: moves this SQLite installation (`--data-dir`, as
 * `serve` resolves it) into an empty PostgreSQL database, verifies the copy and prints a summary.
 * Progress goes to stderr, the summary to stdout. The server must be stopped while it runs.
 */
import type { CopyReport } from '../src/store/copy/copy-database.js';
import { formatCount, progressReporter } from '../src/store/copy/copy-progress.js';
import { CommandError, loadCommandConfig, parse, text, UsageError } from './args.js';

/** The `--to` URL, checked without ever repeating it (it may hold a password). */
function targetUrl(value: string | undefined): string {
  if (!value) {
    throw new UsageError(
      '--to is required: the URL of an empty PostgreSQL database (postgres://user:password@host/db)',
    );
  }
  if (!/^postgres(ql)?:\/\//.test(value) || !URL.canParse(value)) {
    throw new UsageError('--to must be a postgres:// or postgresql:// URL (postgres://user:password@host:5432/db)');
  }
  return value;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The summary on stdout: what went where, rows per table, totals and the verification. */
function copySummary(report: CopyReport): string {
  const width = Math.max(...report.tables.map((table) => table.table.length), 5);
  const lines = report.tables.map(({ table, rows }) => `  ${table.padEnd(width)}  ${formatCount(rows).padStart(12)}`);
  const rate = formatCount((report.copiedNow * 1000) / Math.max(report.elapsedMs, 1));
  const resumed = report.resumed ? ` (${formatCount(report.copiedNow)} by this run, resuming an interrupted copy)` : '';
  return [
    `copied ${report.source}`,
    `    to ${report.target}`,
    `  ${'TABLE'.padEnd(width)}  ${'ROWS'.padStart(12)}`,
    ...lines,
    `${report.tables.length} tables, ${formatCount(report.rows)} rows${resumed} in ${seconds(report.elapsedMs)} (${rate} rows/s)`,
    `verified: counts and digest match (sha256 ${report.digest.slice(0, 16)}…)`,
    'next: start backchat with DATABASE_URL set to the --to URL; keep the SQLite file as a backup',
    '',
  ].join('\n');
}

async function copy(args: string[]): Promise<void> {
  const values = parse(args, { to: { type: 'string' }, restart: { type: 'boolean' } });
  const url = targetUrl(text(values, 'to'));
  const config = loadCommandConfig(values);
  if (config.database.kind !== 'sqlite') {
    throw new CommandError(
      'the configured database is already PostgreSQL (DATABASE_URL): copy moves an SQLite installation — unset DATABASE_URL and name its folder with --data-dir',
    );
  }
  const { copyDatabase } = await import('../src/store/copy/copy-database.js');
  const reporter = progressReporter(process.stderr);
  try {
    const report = await copyDatabase({
      source: config.database,
      target: { kind: 'postgres', url },
      restart: values.restart === true,
      progress: reporter,
    });
    reporter.close();
    process.stdout.write(copySummary(report));
  } finally {
    reporter.close();
  }
}

export const copyCommands: Record<string, (args: string[]) => Promise<void>> = { copy };
