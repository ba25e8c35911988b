/**
 * Without a mouse: sign in, send with Enter (Shift+Enter is a new line), Ctrl+Shift+O for a new chat,
 * the conversation menu by keyboard (arrows, Escape back to its button), visible focus rings.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { browserSuite, screenshot, waitForAnswers } from '../helpers/browser.js';

function focusedLabel(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const element = document.activeElement;
    return element?.getAttribute('aria-label') ?? element?.textContent?.trim() ?? null;
  });
}

browserSuite('keyboard', (ui) => {
  test('the whole flow works from the keyboard, with visible focus', async () => {
    const server = await ui.server();
    const { page } = await ui.page(server);
    await page.getByRole('heading', { name: 'Welcome back' }).waitFor();
    await page.keyboard.type(server.alice.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(server.alice.password);
    await page.keyboard.press('Enter');

    const box = page.getByRole('textbox', { name: 'Message' });
    await box.waitFor();
    await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'Message');
    await page.keyboard.type('first line');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('second line');
    assert.equal(await box.inputValue(), 'first line\nsecond line');
    await page.keyboard.press('Enter');
    await waitForAnswers(page, 1);
    assert.equal(await box.inputValue(), '');

    const item = page.getByRole('navigation', { name: 'Chat history' }).getByRole('link').first();
    await item.waitFor();
    await item.focus();
    await page.keyboard.press('Tab');
    assert.equal(await focusedLabel(page), 'Conversation options');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle);
    assert.equal(outline, 'solid', 'a visible focus ring');
    await screenshot(page, 'keyboard-focus-light');
    await page.keyboard.press('Enter');
    await page.getByRole('menu').waitFor();
    assert.equal(await focusedLabel(page), 'Rename');
    await page.keyboard.press('ArrowDown');
    assert.equal(await focusedLabel(page), 'Archive');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    assert.equal(await focusedLabel(page), 'Delete', 'arrows wrap around');
    await page.keyboard.press('Escape');
    await page.getByRole('menu').waitFor({ state: 'detached' });
    assert.equal(await focusedLabel(page), 'Conversation options');

    await page.keyboard.press('Control+Shift+O');
    await page.getByRole('heading', { name: 'How can I help you today?' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/');
    await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'Message');
  });
});
