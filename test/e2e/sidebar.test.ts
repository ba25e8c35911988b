/**
 * The sidebar: rename / archive / delete (with confirmation) and the Archived chats view; infinite
 * scroll through 100 conversations in pages of 28; a temporary chat never listed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  browserSuite,
  screenshot,
  seedConversations,
  sendMessage,
  signIn,
  waitForAnswers,
} from '../helpers/browser.js';

function history(page: Page) {
  return page.getByRole('navigation', { name: 'Chat history' });
}

async function openOptions(page: Page, title: string): Promise<void> {
  const item = history(page).getByRole('listitem').filter({ hasText: title });
  await item.hover();
  await item.getByRole('button', { name: 'Conversation options' }).click();
}

async function listedTitles(server: Parameters<typeof seedConversations>[0], archived = false): Promise<string[]> {
  const query = archived ? '&is_archived=true' : '';
  const response = await server.request(`/backend-api/conversations?offset=0&limit=100${query}`, { as: server.alice });
  const body = (await response.json()) as { items: Array<{ title: string }> };
  return body.items.map((item) => item.title);
}

browserSuite('sidebar', (ui) => {
  test('rename, archive, delete, and unarchive from Archived chats', async () => {
    const server = await ui.server();
    const [alphaId, betaId, gammaId] = await seedConversations(server, server.alice, ['Alpha', 'Beta', 'Gamma']);
    const { page, log } = await ui.page(server);
    await signIn(page, server.alice);
    await history(page).getByRole('link', { name: 'Gamma' }).waitFor();
    assert.deepEqual(await history(page).getByRole('link').allTextContents(), ['Alpha', 'Beta', 'Gamma']);
    assert.equal(await history(page).getByRole('heading', { name: 'Today' }).count(), 1);

    await openOptions(page, 'Alpha');
    await screenshot(page, 'sidebar-menu-light');
    await page.getByRole('menuitem', { name: 'Rename' }).click();
    await page.getByRole('textbox', { name: 'Chat title' }).fill('Renamed chat');
    await page.keyboard.press('Enter');
    await history(page).getByRole('link', { name: 'Renamed chat' }).waitFor();
    const rename = await log.waitFor(`/backend-api/conversation/${alphaId}`, 'PATCH');
    assert.deepEqual(rename.body, { title: 'Renamed chat' });

    await openOptions(page, 'Beta');
    await page.getByRole('menuitem', { name: 'Archive' }).click();
    await history(page).getByRole('link', { name: 'Beta' }).waitFor({ state: 'detached' });
    assert.deepEqual((await log.waitFor(`/backend-api/conversation/${betaId}`, 'PATCH')).body, { is_archived: true });

    await openOptions(page, 'Gamma');
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete chat?' });
    await confirm.getByText('This will delete Gamma.').waitFor();
    await screenshot(page, 'delete-confirm-light');
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await history(page).getByRole('link', { name: 'Gamma' }).waitFor({ state: 'detached' });
    assert.deepEqual((await log.waitFor(`/backend-api/conversation/${gammaId}`, 'PATCH')).body, { is_visible: false });

    assert.deepEqual(await listedTitles(server), ['Renamed chat']);
    assert.deepEqual(await listedTitles(server, true), ['Beta']);

    await page.getByRole('button', { name: 'Account' }).click();
    await page.getByRole('menuitem', { name: 'Archived chats' }).click();
    const archived = page.getByRole('dialog', { name: 'Archived chats' });
    await archived.getByRole('link', { name: 'Beta' }).waitFor();
    assert.ok(
      log
        .requests('/backend-api/conversations')
        .includes('GET /backend-api/conversations?offset=0&limit=28&order=updated&is_archived=true'),
    );
    await screenshot(page, 'archived-light');
    log.clear();
    await archived.getByRole('button', { name: 'Unarchive' }).click();
    await archived.getByText('You have no archived chats.').waitFor();
    assert.deepEqual((await log.waitFor(`/backend-api/conversation/${betaId}`, 'PATCH')).body, { is_archived: false });
    await page.keyboard.press('Escape');
    await history(page).getByRole('link', { name: 'Beta' }).waitFor();
    assert.deepEqual((await listedTitles(server)).sort(), ['Beta', 'Renamed chat']);
  });

  test('infinite scroll loads 100 conversations in pages of 28', async () => {
    const server = await ui.server();
    const titles = Array.from({ length: 100 }, (_, index) => `Chat number ${index + 1}`);
    await seedConversations(server, server.alice, titles);
    const { page, log } = await ui.page(server);
    await signIn(page, server.alice);
    const links = history(page).getByRole('link');
    await links.first().waitFor();
    assert.ok((await links.count()) < 100, 'only the first pages are rendered at first');
    const deadline = Date.now() + 15_000;
    while ((await links.count()) < 100) {
      if (Date.now() > deadline) assert.fail(`only ${await links.count()} of 100 conversations after scrolling`);
      await page.locator('.sidebar-scroll').evaluate((element) => {
        element.scrollTop = element.scrollHeight;
      });
      await page.waitForTimeout(50);
    }
    assert.deepEqual(await links.allTextContents(), titles);
    assert.deepEqual(
      log.requests('/backend-api/conversations'),
      [0, 28, 56, 84].map((offset) => `GET /backend-api/conversations?offset=${offset}&limit=28&order=updated`),
    );
    await screenshot(page, 'sidebar-100-light');
  });

  test('a temporary chat is never listed and gets no title', async () => {
    const server = await ui.server();
    const { page, log } = await ui.page(server);
    await signIn(page, server.alice);
    const toggle = page.getByRole('switch', { name: 'Temporary chat' });
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-checked'), 'true');
    await page.getByRole('heading', { name: 'Temporary chat' }).waitFor();
    await screenshot(page, 'temporary-chat-light');
    await sendMessage(page, 'Forget me');
    await waitForAnswers(page, 1);
    await log.waitFor('/backend-api/lat/r');
    const post = log.matching('/backend-api/conversation').find((entry) => entry.path === '/backend-api/conversation');
    const sent = post?.body as { history_and_training_disabled: boolean } | undefined;
    assert.equal(sent?.history_and_training_disabled, true);
    assert.ok(log.requests('/backend-api/conversations').length > 0, 'the history was refreshed');
    assert.equal(new URL(page.url()).pathname, '/');
    assert.equal(await history(page).getByRole('link').count(), 0);
    assert.equal(log.matching('/backend-api/conversation/gen_title/').length, 0);
    assert.deepEqual(await listedTitles(server), []);
  });
});
