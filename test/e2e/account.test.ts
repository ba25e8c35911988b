/**
 * Signing in and out, the first-run "Create the admin account" page on an empty server, and a
 * session that ends mid-use (401) taking the user back to sign-in.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { browserSuite, screenshot, sendMessage, signIn } from '../helpers/browser.js';

browserSuite('account', (ui) => {
  test('sign in (a wrong password first), the account menu, sign out', async () => {
    const server = await ui.server();
    const { page, context } = await ui.page(server);
    await page.getByRole('heading', { name: 'Welcome back' }).waitFor();
    await screenshot(page, 'sign-in-light');
    await page.getByLabel('Email').fill(server.alice.email);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('Wrong email or password').waitFor();
    await signIn(page, server.alice);
    const cookies = await context.cookies();
    assert.ok(cookies.some((cookie) => cookie.name === 'backchat_session' && cookie.httpOnly));

    await page.getByRole('button', { name: 'Account' }).click();
    const menu = page.getByRole('menu');
    await menu.getByText(server.alice.email).waitFor();
    await screenshot(page, 'account-menu-light');
    await menu.getByRole('menuitem', { name: 'Settings' }).waitFor();
    await menu.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Welcome back' }).waitFor();
    const session = await page.evaluate(() => fetch('/api/auth/session').then((response) => response.json()));
    assert.deepEqual(session, {});
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
  });

  test('a server without accounts asks for the admin account first', async () => {
    const server = await ui.emptyServer();
    const { page } = await ui.page(server);
    await page.getByRole('heading', { name: 'Create the admin account' }).waitFor();
    await screenshot(page, 'setup-light');
    await page.getByLabel('Name').fill('Ada Admin');
    await page.getByLabel('Email').fill('ada@example.com');
    await page.getByLabel('Password').fill('ada-password-1');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('textbox', { name: 'Message' }).waitFor();
    await page.getByRole('button', { name: 'Account' }).getByText('Ada Admin').waitFor();
    const setup = await page.evaluate(() => fetch('/api/auth/setup').then((response) => response.json()));
    assert.deepEqual(setup, { needs_setup: false, signup_policy: 'invite' });
  });

  test('a session that ends mid-use (401) goes back to sign-in', async () => {
    const server = await ui.server();
    const { page, log } = await ui.page(server);
    await signIn(page, server.alice);
    await log.waitFor('/ces/v1/b');
    // Every start-up request must have been answered before the account is disabled, or one of
    // them (not the send below) would be the request that meets the 401.
    await log.settled();
    await server.deps.store.updateUser(server.alice.id, { disabled: true });
    await sendMessage(page, 'Am I still signed in?');
    await page.getByRole('heading', { name: 'Welcome back' }).waitFor();
    await page.getByText('Your session has ended. Please sign in again.').waitFor();
    await screenshot(page, 'session-ended-light');
  });
});
