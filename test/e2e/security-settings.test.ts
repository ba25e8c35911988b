/**
 * Settings → Security and API tokens in the browser: the signed-in devices ("This device", sign out
 * the others: the other browser's next request goes to sign-in), changing the password, and a
 * personal access token created in the UI, used from node (200), revoked (401).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { browserSuite, screenshot, sendMessage, signIn } from '../helpers/browser.js';

async function openSettings(page: Page, tab: 'General' | 'Security' | 'API tokens') {
  await page.getByRole('button', { name: 'Account' }).click();
  await page.getByRole('menuitem', { name: 'Settings' }).click();
  const dialog = page.getByRole('dialog', { name: 'Settings' });
  await dialog.getByRole('tab', { name: tab }).click();
  return dialog;
}

browserSuite('security settings', (ui) => {
  test('signed-in devices: this one is marked; signing out the others sends them to sign-in', async () => {
    const server = await ui.server();
    const other = await ui.page(server);
    await signIn(other.page, server.alice);
    const { page } = await ui.page(server);
    await signIn(page, server.alice);
    const dialog = await openSettings(page, 'Security');
    const devices = dialog.getByRole('list', { name: 'Signed-in devices' });
    await devices.getByRole('listitem').nth(1).waitFor();
    // Both browsers, plus the session behind the test helper's own access token.
    const others = (await devices.getByRole('listitem').count()) - 1;
    assert.ok(others >= 1);
    const current = devices.locator('li[data-current]');
    assert.equal(await current.count(), 1);
    await current.getByText('This device').waitFor();
    assert.match((await current.textContent()) ?? '', /Chrome on Linux.*Signed in .*Active now/);
    await screenshot(page, 'settings-security-light');

    await dialog.getByRole('button', { name: 'Sign out of all other devices' }).click();
    const confirm = page.getByRole('dialog', { name: 'Sign out of all other devices?' });
    await confirm.getByRole('button', { name: 'Sign out', exact: true }).click();
    const plural = others === 1 ? 'device' : 'devices';
    await dialog.getByRole('status').getByText(`Signed out of ${others} other ${plural}.`).waitFor();
    assert.equal(await devices.getByRole('listitem').count(), 1);

    await sendMessage(other.page, 'Am I still signed in?');
    await other.page.getByRole('heading', { name: 'Welcome back' }).waitFor();
    await other.page.getByText('Your session has ended. Please sign in again.').waitFor();
  });

  test('changing the password: the rules first, then the new password signs in', async () => {
    const server = await ui.server();
    const { page } = await ui.page(server);
    await signIn(page, server.bob);
    const dialog = await openSettings(page, 'Security');
    const form = dialog.getByRole('form', { name: 'Change password' });
    await form.getByLabel('Current password').fill(server.bob.password);
    await form.getByLabel('New password', { exact: true }).fill('bob-new-password-456');
    await form.getByLabel('Confirm new password').fill('bob-new-password-465');
    await form.getByRole('button', { name: 'Change password' }).click();
    await form.getByRole('alert').getByText('The passwords don’t match.').waitFor();
    await form.getByLabel('Confirm new password').fill('bob-new-password-456');
    await form.getByLabel('Current password').fill('not-bobs-password');
    await form.getByRole('button', { name: 'Change password' }).click();
    const refused = (await form.getByRole('alert').textContent()) ?? '';
    assert.ok(refused.length > 0, 'a wrong current password shows the server’s reason');
    await form.getByLabel('Current password').fill(server.bob.password);
    await form.getByRole('button', { name: 'Change password' }).click();
    await form.getByRole('status').getByText('Password changed.').waitFor();
    assert.equal(await form.getByLabel('Current password').inputValue(), '');

    const fresh = await ui.page(server);
    await fresh.page.getByLabel('Email').fill(server.bob.email);
    await fresh.page.getByLabel('Password').fill(server.bob.password);
    await fresh.page.getByRole('button', { name: 'Sign in' }).click();
    await fresh.page.getByRole('alert').waitFor();
    await signIn(fresh.page, { email: server.bob.email, password: 'bob-new-password-456' });
  });

  test('an API token: created and shown once, works from node, revoked → 401', async () => {
    const server = await ui.server();
    const { page } = await ui.page(server, { colorScheme: 'dark' });
    await signIn(page, server.bob);
    const dialog = await openSettings(page, 'API tokens');
    await dialog.getByText('You have no API tokens.').waitFor();
    await dialog.getByRole('button', { name: 'Create token' }).click();
    const create = page.getByRole('dialog', { name: 'Create API token' });
    await create.getByLabel('Name').fill('Nightly export');
    await create.getByLabel('Expiration').selectOption({ label: '90 days' });
    await create.getByRole('button', { name: 'Create token' }).click();
    const reveal = page.getByRole('dialog', { name: 'Save your API token' });
    const field = reveal.getByRole('textbox', { name: 'API token Nightly export' });
    await field.waitFor();
    const token = await field.inputValue();
    assert.match(token, /^bc_pat_/);
    await reveal.getByText('it won’t be shown again').waitFor();
    await screenshot(page, 'settings-token-created-dark');
    await reveal.getByRole('button', { name: 'Done' }).click();

    const call = () => fetch(`${server.url}/backend-api/models`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal((await call()).status, 200);

    const list = dialog.getByRole('list', { name: 'API tokens' });
    const row = list.getByRole('listitem').filter({ hasText: 'Nightly export' });
    await row.waitFor();
    assert.ok(((await row.textContent()) ?? '').includes(`${token.slice(0, 11)}`));
    assert.equal(((await row.textContent()) ?? '').includes(token), false, 'the list never shows the whole token');
    await screenshot(page, 'settings-tokens-dark');

    await row.getByRole('button', { name: 'Revoke Nightly export' }).click();
    await page.getByRole('dialog', { name: 'Revoke API token?' }).getByRole('button', { name: 'Revoke' }).click();
    await dialog.getByRole('status').getByText('“Nightly export” was revoked.').waitFor();
    await dialog.getByText('You have no API tokens.').waitFor();
    assert.equal((await call()).status, 401);
  });
});
