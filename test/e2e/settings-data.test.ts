/**
 * Settings → Data in the browser (docs/web-ui.md, "Settings → Data"): importing a ChatGPT export
 * through the file input with a progress bar that moves, the summary (imported / already there /
 * skipped with the reason) and the chats in the sidebar; importing again adds nothing; Export downloads
 * a zip with conversations.json, which another account then imports as a .zip.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { browserSuite, scratchDir, screenshot, signIn } from '../helpers/browser.js';
import { linearConversation, readZip } from './export-fixtures.js';

async function openData(page: Page) {
  await page.getByRole('button', { name: 'Account' }).click();
  await page.getByRole('menuitem', { name: 'Settings' }).click();
  const settings = page.getByRole('dialog', { name: 'Settings' });
  await settings.getByRole('tab', { name: 'Data' }).click();
  await settings.getByRole('heading', { name: 'Import ChatGPT history' }).waitFor();
  return settings;
}

/** Records every value the upload's progress bar shows (polled each frame in the page). */
async function recordProgress(page: Page): Promise<() => Promise<number[]>> {
  // A string, not a function: the test's compiler would add helpers the page does not have.
  await page.evaluate(`(() => {
    const seen = [];
    window.__progress = seen;
    const poll = () => {
      const bar = document.querySelector('progress[aria-label="Upload progress"]');
      if (bar && seen.at(-1) !== bar.value) seen.push(bar.value);
      requestAnimationFrame(poll);
    };
    poll();
  })()`);
  return () => page.evaluate(() => (window as { __progress?: number[] }).__progress ?? []);
}

browserSuite('settings data', (ui) => {
  test('import with progress → summary and sidebar; again → already there; export → zip', async () => {
    const server = await ui.server();
    // Big enough (about 3 MB) for the upload to report progress more than once.
    const filler = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(1_800);
    const conversations = Array.from(
      { length: 30 },
      (_, index) => linearConversation(`Imported chat ${index + 1}`, [`Question ${index + 1}`, filler]).conversation,
    );
    const broken = { ...linearConversation('Broken chat', ['a', 'b']).conversation, mapping: 'not a mapping' };
    const file = join(scratchDir('backchat-import-'), 'conversations.json');
    writeFileSync(file, JSON.stringify([...conversations, broken]));

    const { page, log } = await ui.page(server);
    await signIn(page, server.alice);
    const settings = await openData(page);
    await screenshot(page, 'settings-data-empty');
    const progress = await recordProgress(page);
    // Loopback sends 3 MB in one go: a 4 MB/s uplink (Chromium's own throttling) lets the bar move.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 4_000_000,
    });
    await settings.getByLabel('ChatGPT export file').setInputFiles(file);
    // Best effort: the picture of the bar mid-way (the upload may be over before it is taken).
    await settings
      .getByRole('progressbar', { name: 'Upload progress' })
      .waitFor({ timeout: 3_000 })
      .then(
        () => screenshot(page, 'settings-data-progress'),
        () => {},
      );
    const summary = settings.getByRole('status', { name: 'Import summary' });
    await summary.waitFor({ timeout: 30_000 });
    assert.match((await summary.textContent()) ?? '', /30 conversations imported · 0 already there · 1 skipped/);
    await summary.getByRole('list', { name: 'Skipped conversations' }).getByText('Broken chat').waitFor();
    const values = await progress();
    if (process.env.BACKCHAT_DEBUG_PROGRESS) console.log('progress values', values);
    assert.ok(
      values.some((value) => value > 0 && value < 100) && values.at(-1) === 100,
      `progress shown: ${values.join(', ')}`,
    );
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    const upload = await log.waitFor('/backend-api/accounts/data_import');
    assert.equal(upload.headers['content-type'], 'application/json');
    await screenshot(page, 'settings-data-imported-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'settings-data-imported-dark');
    await page.emulateMedia({ colorScheme: 'light' });

    // The sidebar was reloaded with the imported chats.
    const history = page.getByRole('navigation', { name: 'Chat history' });
    await history.getByRole('link', { name: 'Imported chat 30', exact: true }).waitFor();

    // Importing the same file again adds nothing.
    await settings.getByLabel('ChatGPT export file').setInputFiles(file);
    await settings
      .getByRole('status', { name: 'Import summary' })
      .filter({ hasText: '0 conversations imported · 30 already there · 1 skipped' })
      .waitFor({ timeout: 30_000 });

    // Export: the browser downloads the zip the server names.
    const download = page.waitForEvent('download');
    await settings.getByRole('button', { name: 'Export', exact: true }).click();
    const saved = await download;
    assert.match(saved.suggestedFilename(), /^backchat-export-.+\.zip$/);
    const zipFile = join(scratchDir('backchat-export-'), saved.suggestedFilename());
    await saved.saveAs(zipFile);
    const zip = readZip(readFileSync(zipFile));
    const exported = JSON.parse(zip.get('conversations.json')?.toString('utf8') ?? '[]') as Array<{ title: string }>;
    assert.equal(exported.length, 30);
    assert.ok(exported.some((conversation) => conversation.title === 'Imported chat 7'));
    await settings.getByText('Your export is downloading.').waitFor();

    // The zip goes back in through another account's Settings: a ChatGPT-layout .zip import.
    const other = await ui.page(server);
    await signIn(other.page, server.bob);
    const otherSettings = await openData(other.page);
    await otherSettings.getByLabel('ChatGPT export file').setInputFiles(zipFile);
    await otherSettings
      .getByRole('status', { name: 'Import summary' })
      .filter({ hasText: '30 conversations imported · 0 already there · 0 skipped' })
      .waitFor({ timeout: 30_000 });
    assert.equal(
      (await other.log.waitFor('/backend-api/accounts/data_import')).headers['content-type'],
      'application/zip',
    );
    await other.page
      .getByRole('navigation', { name: 'Chat history' })
      .getByRole('link', { name: 'Imported chat 30', exact: true })
      .waitFor();
    assert.deepEqual([...log.pageErrors, ...other.log.pageErrors], []);
  });
});
