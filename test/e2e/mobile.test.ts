/** The phone layout (390×844): the sidebar starts closed, opens with the hamburger, closes on a choice. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { browserSuite, screenshot, sendMessage, signIn, waitForAnswers } from '../helpers/browser.js';

const phone = { width: 390, height: 844 };

browserSuite('mobile', (ui) => {
  test('collapsed sidebar, hamburger, conversation and dark mode on a phone', async () => {
    const server = await ui.server();
    const { page } = await ui.page(server, { viewport: phone });
    await page.getByRole('heading', { name: 'Welcome back' }).waitFor();
    await screenshot(page, 'mobile-sign-in-light');
    await signIn(page, server.alice);
    const history = page.getByRole('navigation', { name: 'Chat history' });
    assert.equal(await history.isVisible(), false, 'the sidebar starts closed');
    await page.getByRole('list', { name: 'Starter prompts' }).getByRole('button').first().waitFor();
    await screenshot(page, 'mobile-new-chat-light');

    await sendMessage(page, 'Hello from a phone');
    await waitForAnswers(page, 1);
    await page.locator('.sidebar a[href^="/c/"]').waitFor({ state: 'attached' });
    await screenshot(page, 'mobile-conversation-light');

    await page.getByRole('button', { name: 'Open sidebar' }).click();
    await history.getByRole('link').first().waitFor();
    assert.equal(await history.isVisible(), true);
    await page.getByRole('button', { name: 'Close sidebar' }).waitFor();
    await screenshot(page, 'mobile-sidebar-light');
    await history.getByRole('link').first().click();
    await history.waitFor({ state: 'hidden' });

    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'mobile-conversation-dark');
    await page.getByRole('button', { name: 'Open sidebar' }).click();
    await history.getByRole('link').first().waitFor();
    await screenshot(page, 'mobile-sidebar-dark');
  });
});
