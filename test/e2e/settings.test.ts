/**
 * Settings and errors: analytics off means no `/ces/v1/b` at all; the theme switch; "Delete all
 * chats"; the server's error detail shown in the thread with Retry.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import {
  browserSuite,
  screenshot,
  seedConversations,
  sendMessage,
  signIn,
  waitForAnswers,
} from '../helpers/browser.js';

/** A loopback port nobody listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 9;
}

browserSuite('settings', (ui) => {
  test('with analytics off, no /ces/v1/b request is ever made', async () => {
    const server = await ui.server();
    const { page, log } = await ui.page(server, { storage: { 'backchat.analytics': 'off' } });
    await signIn(page, server.alice);
    await page.getByRole('list', { name: 'Starter prompts' }).waitFor();
    await sendMessage(page, 'No tracking please');
    await waitForAnswers(page, 1);
    await page.keyboard.press('Control+Shift+O');
    await page.getByRole('heading', { name: 'How can I help you today?' }).waitFor();
    await page.getByRole('list', { name: 'Starter prompts' }).waitFor();
    await page.waitForTimeout(300);
    assert.equal(log.requests('/backend-api/prompt_library/').length, 2);
    assert.deepEqual(log.requests('/ces/'), []);
  });

  test('with analytics off on the server (settings.analytics_enabled false), none is sent either', async () => {
    const server = await ui.server({ config: { telemetryEnabled: false } });
    const { page, log } = await ui.page(server);
    await signIn(page, server.alice);
    await page.getByRole('list', { name: 'Starter prompts' }).getByRole('button').first().waitFor();
    await log.waitFor('/backend-api/settings/user', 'GET');
    await page.waitForTimeout(300);
    assert.deepEqual(log.requests('/ces/'), []);
  });

  test('the settings switch turns analytics off; the theme switch goes dark', async () => {
    const server = await ui.server();
    const { page, log } = await ui.page(server);
    await signIn(page, server.alice);
    await log.waitFor('/ces/v1/b');
    await page.getByRole('button', { name: 'Account' }).click();
    await page.getByRole('menuitem', { name: 'Settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    const analytics = dialog.getByRole('switch', { name: 'Improve backchat with usage analytics' });
    assert.equal(await analytics.getAttribute('aria-checked'), 'true');
    await analytics.click();
    assert.equal(await analytics.getAttribute('aria-checked'), 'false');
    await dialog.getByRole('combobox', { name: 'Theme' }).selectOption('dark');
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    await screenshot(page, 'settings-dark');
    await page.keyboard.press('Escape');
    log.clear();
    await page.getByRole('button', { name: 'New chat' }).click();
    await page.getByRole('list', { name: 'Starter prompts' }).waitFor();
    await page.waitForTimeout(300);
    assert.equal(log.requests('/ces/').length, 0);
    await screenshot(page, 'new-chat-dark');
    await page.reload();
    await page.getByRole('textbox', { name: 'Message' }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  });

  test('Delete all chats empties the history (PATCH conversations is_visible false)', async () => {
    const server = await ui.server();
    await seedConversations(server, server.alice, ['One', 'Two', 'Three']);
    const { page, log } = await ui.page(server);
    await signIn(page, server.alice);
    const history = page.getByRole('navigation', { name: 'Chat history' });
    await history.getByRole('link', { name: 'Three' }).waitFor();
    await page.getByRole('button', { name: 'Account' }).click();
    await page.getByRole('menuitem', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Delete all' }).click();
    await page.getByRole('dialog', { name: 'Delete all chats?' }).getByRole('button', { name: 'Delete all' }).click();
    const request = await log.waitFor('/backend-api/conversations', 'PATCH');
    assert.deepEqual(request.body, { is_visible: false });
    await history.getByRole('link').first().waitFor({ state: 'detached' });
    const listed = await server.request('/backend-api/conversations', { as: server.alice });
    assert.equal(((await listed.json()) as { total: number }).total, 0);
  });

  test('Archive all moves every chat to Archived chats', async () => {
    const server = await ui.server();
    await seedConversations(server, server.alice, ['Keep one', 'Keep two']);
    const { page, log } = await ui.page(server);
    await signIn(page, server.alice);
    const history = page.getByRole('navigation', { name: 'Chat history' });
    await history.getByRole('link', { name: 'Keep two' }).waitFor();
    await page.getByRole('button', { name: 'Account' }).click();
    await page.getByRole('menuitem', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Archive all' }).click();
    await page.getByRole('dialog', { name: 'Archive all chats?' }).getByRole('button', { name: 'Archive all' }).click();
    await history.getByRole('link').first().waitFor({ state: 'detached' });
    assert.deepEqual((await log.waitFor('/backend-api/conversations', 'PATCH')).body, { is_archived: true });
    const archived = await server.request('/backend-api/conversations?is_archived=true', { as: server.alice });
    assert.equal(((await archived.json()) as { total: number }).total, 2);
  });

  test('a model that cannot be reached: the server’s detail is shown in the thread, with Retry', async () => {
    const port = await closedPort();
    const server = await ui.server({
      providers: [
        {
          type: 'openai-compatible',
          id: 'offline',
          baseUrl: `http://127.0.0.1:${port}/v1`,
          models: [{ id: 'offline-model', title: 'Offline model' }],
          timeoutMs: 2000,
        },
      ],
    });
    const { page } = await ui.page(server);
    await signIn(page, server.alice);
    const failed = page.waitForResponse((response) => response.url().endsWith('/backend-api/conversation'));
    await sendMessage(page, 'Hello?');
    const response = await failed;
    assert.equal(response.status(), 502);
    const detail = ((await response.json()) as { detail: string | { message: string } }).detail;
    const text = typeof detail === 'string' ? detail : detail.message;
    assert.ok(text.length > 0);
    const alert = page.locator('.thread-error');
    await alert.getByText(text).waitFor();
    await alert.getByRole('button', { name: 'Retry' }).waitFor();
    assert.equal(await page.locator('article[data-role="user"]').count(), 1, 'the prompt stays');
    await screenshot(page, 'error-detail-light');
  });
});
