/**
 * Share links in the browser (docs/web-ui.md, "Share"): the dialog creates the snapshot of the branch on
 * screen and "Copy link" makes it public; the link opens signed out (read-only, rendered markdown, no
 * composer); "Continue this conversation" signs in and copies it; Settings → Data revokes it and the
 * page is "not found" at once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { browserSuite, conversationIdOf, screenshot, sendMessage, signIn, waitForAnswers } from '../helpers/browser.js';

browserSuite('share links', (ui) => {
  test('share, copy, open signed out, continue after signing in, revoke → not found', async () => {
    const server = await ui.server();
    const { page, context, log } = await ui.page(server);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await signIn(page, server.alice);
    await sendMessage(page, 'Share this **bold** idea');
    const answerId = await waitForAnswers(page, 1);
    const conversationId = conversationIdOf(page);

    await page.getByRole('button', { name: 'Share', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Share link to chat' });
    const link = dialog.getByRole('textbox', { name: 'Share link' });
    const created = await log.waitFor('/backend-api/share/create');
    assert.deepEqual(created.body, { conversation_id: conversationId, current_node_id: answerId, is_anonymous: true });
    await dialog.getByRole('button', { name: 'Copy link' }).and(page.locator(':enabled')).waitFor();
    const shareUrl = await link.inputValue();
    const sharePath = new URL(shareUrl).pathname;
    const shareId = sharePath.split('/share/')[1] ?? '';
    assert.match(sharePath, /^\/share\/[^/]+$/);

    await dialog.getByRole('switch', { name: 'Share your name' }).click();
    await dialog.getByRole('button', { name: 'Copy link' }).click();
    await dialog.getByRole('button', { name: 'Copied' }).waitFor();
    const patch = await log.waitFor(`/backend-api/share/${shareId}`, 'PATCH');
    assert.deepEqual(patch.body, { share_id: shareId, is_public: true, is_visible: true, is_anonymous: false });
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), shareUrl);
    await screenshot(page, 'share-dialog-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'share-dialog-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    // A fresh, signed-out browser context reads it.
    const visitor = await ui.page(server);
    const response = await visitor.page.goto(sharePath);
    assert.equal(response?.status(), 200);
    // The person's words as typed: `**` stays, no emphasis (as in the thread itself).
    const shared = visitor.page.locator('article[data-role="user"] .markdown');
    await shared.getByText('Share this **bold** idea', { exact: true }).waitFor();
    assert.equal(await shared.locator('strong').count(), 0);
    await visitor.page.locator('article[data-role="assistant"] .markdown').waitFor();
    await visitor.page.getByText(/^Shared by /).waitFor();
    assert.equal(await visitor.page.getByRole('textbox', { name: 'Message' }).count(), 0);
    await screenshot(visitor.page, 'share-page-light');
    await visitor.page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(visitor.page, 'share-page-dark');
    await visitor.page.emulateMedia({ colorScheme: 'light' });

    // Continue: signed out, sign in first; then the copy opens in the reader's own history.
    await visitor.page.getByRole('button', { name: 'Continue this conversation' }).click();
    await visitor.page.getByText('Sign in to continue this shared chat.').waitFor();
    await signIn(visitor.page, server.bob);
    await visitor.page.waitForURL(/\/c\/[^/]+$/);
    const copyId = conversationIdOf(visitor.page);
    assert.notEqual(copyId, conversationId);
    await visitor.page
      .locator('article[data-role="user"] .markdown', { hasText: 'Share this **bold** idea' })
      .waitFor();
    await visitor.log.waitFor(`/backend-api/share/${shareId}/continue`);

    // Settings → Data lists the link; revoking it is confirmed first.
    await page.getByRole('button', { name: 'Account' }).click();
    await page.getByRole('menuitem', { name: 'Settings' }).click();
    const settings = page.getByRole('dialog', { name: 'Settings' });
    await settings.getByRole('tab', { name: 'Data' }).click();
    const list = settings.getByRole('list', { name: 'Shared links' });
    await list.getByRole('listitem').first().waitFor();
    assert.equal(await list.getByRole('link').getAttribute('href'), sharePath);
    await screenshot(page, 'settings-shared-links');
    await list.getByRole('button', { name: /^Revoke link to / }).click();
    const confirm = page.getByRole('dialog', { name: 'Revoke shared link?' });
    await confirm.getByRole('button', { name: 'Revoke' }).click();
    await settings.getByText('You have no shared links.').waitFor();
    assert.equal((await log.waitFor(`/backend-api/share/${shareId}`, 'DELETE')).method, 'DELETE');

    // Gone at once, for anyone.
    const stranger = await ui.page(server);
    const gone = await stranger.page.goto(sharePath);
    assert.equal(gone?.status(), 404);
    await stranger.page.getByText('This shared link has been removed or never existed.').waitFor();
    await screenshot(stranger.page, 'share-not-found');
    assert.deepEqual([...log.pageErrors, ...visitor.log.pageErrors, ...stranger.log.pageErrors], []);
  });
});
