/**
 * `backchat import <export.zip | conversations.json | folder> --email E` and
 * `backchat export --email E --out file.zip`: a user's ChatGPT history in and out (docs/api.md,
 * "Import and export"). Progress goes to stderr (one line redrawn in place on a terminal, a line every
 * few seconds otherwise), the summary to stdout.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import type { ImportProgress, ImportSummary } from '../src/conversation/history/history-importer.js';
import { formatCount } from '../src/store/copy/copy-progress.js';
import type { UserRecord } from '../src/store/store.js';
import {
  CommandError,
  type Deps,
  loadCommandConfig,
  parse,
  required,
  UsageError,
  type Values,
  withDeps,
} from './args.js';

const clearLine = '\r\u001b[2K';

async function findUser(deps: Deps, email: string): Promise<UserRecord> {
  const user = await deps.store.getUserByEmail(email.trim().toLowerCase());
  if (!user) {
    throw new CommandError(
      `no user with email ${email}: create one with "backchat user create --email ${email} --password …"`,
    );
  }
  return user;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** `conversations-003.json  41% 120.3 / 290.0 MB  12,400 conversations (12,100 new, 300 present, 0 skipped)  1,900/s` */
export function importProgressLine(progress: ImportProgress, elapsedMs: number): string {
  const percent = progress.bytesTotal === 0 ? 100 : Math.floor((progress.bytesDone / progress.bytesTotal) * 100);
  const rate = formatCount((progress.conversations * 1000) / Math.max(elapsedMs, 1));
  return [
    progress.file,
    `${percent}%`.padStart(4),
    `${megabytes(progress.bytesDone)} / ${megabytes(progress.bytesTotal)}`,
    `${formatCount(progress.conversations)} conversations (${formatCount(progress.imported)} new, ${formatCount(progress.alreadyPresent)} present, ${formatCount(progress.skipped)} skipped)`,
    `${rate}/s`,
  ].join('  ');
}

/** The summary on stdout, with every skipped conversation and why. */
export function importSummaryText(summary: ImportSummary, elapsedMs: number): string {
  const lines = [
    `${formatCount(summary.conversations)} conversations in the export: ${formatCount(summary.imported)} imported, ${formatCount(summary.already_present)} already there, ${formatCount(summary.skipped.length)} skipped`,
    `${formatCount(summary.feedback_imported)} ratings imported; took ${(elapsedMs / 1000).toFixed(1)} s`,
    ...summary.skipped.map(
      (skipped) =>
        `  skipped ${skipped.id ?? '(no id)'}${skipped.title ? ` "${skipped.title}"` : ''}: ${skipped.reason}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

async function importCommand(args: string[]): Promise<void> {
  const { values, positionals: paths } = parseWithPath(args);
  if (paths.length !== 1)
    throw new UsageError('import takes one path: an export .zip, a conversations.json or a folder');
  const path = paths[0] as string;
  const email = required(values, 'email');
  const { openExportSource, ExportSourceError } = await import('../src/conversation/history/export-source.js');
  const { HistoryImporter } = await import('../src/conversation/history/history-importer.js');
  await withDeps(loadCommandConfig(values), async (deps) => {
    const user = await findUser(deps, email);
    const started = performance.now();
    const tty = process.stderr.isTTY === true;
    let lastPlain = 0;
    let drawn = false;
    let latest = '';
    const onProgress = (progress: ImportProgress) => {
      const elapsed = performance.now() - started;
      const line = importProgressLine(progress, elapsed);
      latest = line;
      if (tty) {
        process.stderr.write(`${clearLine}${line}`);
        drawn = true;
      } else if (elapsed - lastPlain >= 2_000) {
        lastPlain = elapsed;
        process.stderr.write(`${line}\n`);
      }
    };
    let source: Awaited<ReturnType<typeof openExportSource>>;
    try {
      source = await openExportSource(path);
    } catch (error) {
      if (error instanceof ExportSourceError) throw new CommandError(error.message);
      throw error;
    }
    try {
      const importer = new HistoryImporter({ store: deps.store, ids: deps.ids, clock: deps.clock });
      const summary = await importer.importExport(user.id, source, onProgress);
      if (drawn) process.stderr.write('\n');
      else if (latest) process.stderr.write(`${latest}\n`); // a log gets the final state too
      process.stdout.write(importSummaryText(summary, performance.now() - started));
    } catch (error) {
      if (drawn) process.stderr.write('\n');
      if (error instanceof ExportSourceError) throw new CommandError(error.message);
      throw error;
    } finally {
      await source.close();
    }
  });
}

/** `--email`, `--data-dir` and the path of the export. */
function parseWithPath(args: string[]): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { email: { type: 'string' }, 'data-dir': { type: 'string' } },
      strict: true,
      allowPositionals: true,
    });
    return { values: values as Values, positionals };
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0] ?? 'bad arguments');
  }
}

async function exportCommand(args: string[]): Promise<void> {
  const values = parse(args, { email: { type: 'string' }, out: { type: 'string' } });
  const email = required(values, 'email');
  const out = required(values, 'out');
  const { exportHistory } = await import('../src/conversation/history/history-exporter.js');
  await withDeps(loadCommandConfig(values), async (deps) => {
    const user = await findUser(deps, email);
    const started = performance.now();
    // Written beside the target and renamed at the end: a failed export never leaves a truncated zip.
    const partial = `${out}.partial`;
    try {
      await pipeline(exportHistory(deps.store, user, deps.clock.now()), createWriteStream(partial));
      await rename(partial, out);
    } catch (error) {
      await rm(partial, { force: true });
      throw new CommandError(`export failed: ${(error as Error).message}`);
    }
    process.stdout.write(
      `exported the history of ${user.email} to ${out} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    );
  });
}

export const historyCommands: Record<string, (args: string[]) => Promise<void>> = {
  import: importCommand,
  export: exportCommand,
};
