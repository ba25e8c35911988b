/**
 * `backchat import` and `backchat export` as a user runs them (the CLI through tsx, a fresh SQLite data
 * folder): a split-layout zip imports with a summary, importing again adds nothing, the export zip
 * holds the conversations, bad paths and arguments fail with one line, and help lists both commands.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { conversationIdOf, exportZipFiles, writeExportZip, zipFiles } from '../helpers/chatgpt-export.js';
import { type CliResult, startProcess } from '../helpers/cli-process.js';

const folders: string[] = [];
after(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function workspace(): { dir: string; dataDir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'backchat-history-cli-'));
  folders.push(dir);
  return { dir, dataDir: join(dir, 'data') };
}

/** The CLI from source (no build needed). */
function cli(args: string[]): Promise<CliResult> {
  return startProcess(['--import', 'tsx', 'cli/main.ts', ...args], { command: process.execPath }).exited(120_000);
}

/** A user account, created through the CLI as an administrator would. */
async function createUser(email: string, dataDir: string): Promise<void> {
  const password = `${email.split('@')[0]}-password-123-long`;
  expectExit(await cli(['user', 'create', '--email', email, '--password', password, '--data-dir', dataDir]), 0);
}

function expectExit(result: CliResult, code: number): void {
  assert.equal(result.code, code, `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
}

test('import a split export, import it again, export it back', { timeout: 300_000 }, async () => {
  const { dir, dataDir } = workspace();
  const zip = await writeExportZip(join(dir, 'chatgpt.zip'), { count: 240, perFile: 50, options: { bigEvery: 60 } });
  await createUser('ann@example.com', dataDir);
  const first = await cli(['import', zip, '--email', 'ann@example.com', '--data-dir', dataDir]);
  expectExit(first, 0);
  assert.match(first.stdout, /^240 conversations in the export: 240 imported, 0 already there, 0 skipped$/m);
  assert.match(first.stderr, /conversations-004\.json +100%/, 'a progress line for the last file');
  const again = await cli(['import', zip, '--email', 'ann@example.com', '--data-dir', dataDir]);
  expectExit(again, 0);
  assert.match(again.stdout, /^240 conversations in the export: 0 imported, 240 already there, 0 skipped$/m);
  const out = join(dir, 'out.zip');
  const exported = await cli(['export', '--email', 'ann@example.com', '--out', out, '--data-dir', dataDir]);
  expectExit(exported, 0);
  assert.deepEqual([...(await zipFiles(out)).keys()], exportZipFiles);
  assert.ok((await readFile(out)).length > 10_000);
  // The exported zip imports into another account as the same conversations.
  await createUser('bob@example.com', dataDir);
  const bob = await cli(['import', out, '--email', 'bob@example.com', '--data-dir', dataDir]);
  expectExit(bob, 0);
  assert.match(bob.stdout, /^240 conversations in the export: 240 imported, 0 already there, 0 skipped$/m);
  assert.ok(!bob.stdout.includes(conversationIdOf(0)));
});

test('bad paths, unknown users and bad arguments fail with one line; help lists the commands', {
  timeout: 120_000,
}, async () => {
  const { dir, dataDir } = workspace();
  await createUser('ann@example.com', dataDir);
  const missing = await cli(['import', join(dir, 'nope.zip'), '--email', 'ann@example.com', '--data-dir', dataDir]);
  expectExit(missing, 1);
  assert.equal(missing.stderr.trim(), `backchat: ${join(dir, 'nope.zip')}: no such file or folder`);
  const nobody = await cli(['import', dir, '--email', 'nobody@example.com', '--data-dir', dataDir]);
  expectExit(nobody, 1);
  assert.match(nobody.stderr, /no user with email nobody@example\.com/);
  const noPath = await cli(['import', '--email', 'ann@example.com', '--data-dir', dataDir]);
  expectExit(noPath, 2);
  assert.match(noPath.stderr, /import takes one path/);
  const noOut = await cli(['export', '--email', 'ann@example.com', '--data-dir', dataDir]);
  expectExit(noOut, 2);
  assert.match(noOut.stderr, /--out is required/);
  const help = await cli(['--help']);
  expectExit(help, 0);
  assert.match(help.stdout, /import <export\.zip \| conversations\.json \| folder> --email E/);
  assert.match(help.stdout, /export --email E --out file\.zip/);
});
