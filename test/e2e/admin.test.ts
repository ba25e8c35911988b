/**
 * Administration in the browser (admins only): disabling bob sends his open page to sign-in, the
 * last admin cannot be demoted (the server's 409 text), model access limits bob's model picker,
 * adding a user and resetting a password, the sign-up policy, and the phone layout.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Page } from 'playwright-core';
import { type BrowserUi, browserSuite, screenshot, sendMessage, signIn, uiDemoProvider } from '../helpers/browser.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';

async function openAdministration(page: Page, tab: 'Users' | 'Invites' | 'Sign-up') {
  await page.getByRole('button', { name: 'Account' }).click();
  await page.getByRole('menuitem', { name: 'Administration' }).click();
  const dialog = page.getByRole('dialog', { name: 'Administration' });
  await dialog.getByRole('tab', { name: tab }).click();
  return dialog;
}

async function userAction(page: Page, email: string, action: string): Promise<void> {
  await page.getByRole('button', { name: `Actions for ${email}` }).click();
  await page.getByRole('menuitem', { name: action }).click();
}

/** Bob signed in on one page (its start-up requests done), then alice, the admin, on another. */
async function bobThenAlice(ui: BrowserUi) {
  const server = await ui.server();
  const bob = await ui.page(server);
  await signIn(bob.page, server.bob);
  await bob.log.settled();
  const { page } = await ui.page(server);
  await signIn(page, server.alice);
  return { server, bob, page };
}

const upstreams: FakeUpstream[] = [];
after(async () => {
  await Promise.all(upstreams.map((upstream) => upstream.close()));
});

browserSuite('administration', (ui) => {
  test('only admins see Administration', async () => {
    const server = await ui.server();
    const { page } = await ui.page(server);
    await signIn(page, server.bob);
    await page.getByRole('button', { name: 'Account' }).click();
    await page.getByRole('menuitem', { name: 'Settings' }).waitFor();
    assert.equal(await page.getByRole('menuitem', { name: 'Administration' }).count(), 0);
  });

  test('disabling bob sends his open page to sign-in; the last admin stays an admin', async () => {
    const { server, bob, page } = await bobThenAlice(ui);
    const dialog = await openAdministration(page, 'Users');
    const table = dialog.getByRole('table', { name: 'Users' });
    await table.getByText(server.bob.email).waitFor();
    await screenshot(page, 'admin-users-light');

    await userAction(page, server.alice.email, 'Make regular user');
    await dialog.getByRole('alert').waitFor();
    assert.match((await dialog.getByRole('alert').textContent()) ?? '', /admin/i);
    await screenshot(page, 'admin-last-admin-light');

    await userAction(page, server.bob.email, 'Disable account…');
    await page.getByRole('dialog', { name: 'Disable this account?' }).getByRole('button', { name: 'Disable' }).click();
    await dialog.getByRole('status').getByText(`${server.bob.email} was disabled`).waitFor();
    await table.locator('tr[data-disabled]').getByText(server.bob.email).waitFor();

    // Bob comes back to his tab: the page asks for the session and finds it gone.
    await bob.page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    await bob.page.getByRole('heading', { name: 'Welcome back' }).waitFor();
    await bob.page.getByText('Your session has ended. Please sign in again.').waitFor();
    await bob.page.getByLabel('Email').fill(server.bob.email);
    await bob.page.getByLabel('Password').fill(server.bob.password);
    await bob.page.getByRole('button', { name: 'Sign in' }).click();
    await bob.page.getByRole('alert').waitFor();

    await userAction(page, server.bob.email, 'Enable account');
    await dialog.getByRole('status').getByText(`${server.bob.email} can sign in again.`).waitFor();
    await bob.page.getByRole('button', { name: 'Sign in' }).click();
    await bob.page.getByRole('textbox', { name: 'Message' }).waitFor();
  });

  test('a disabled user’s next request goes to sign-in', async () => {
    const { server, bob, page } = await bobThenAlice(ui);
    await openAdministration(page, 'Users');
    await userAction(page, server.bob.email, 'Disable account…');
    await page.getByRole('dialog', { name: 'Disable this account?' }).getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('table', { name: 'Users' }).locator('tr[data-disabled]').waitFor();
    await sendMessage(bob.page, 'Still here?');
    await bob.page.getByRole('heading', { name: 'Welcome back' }).waitFor();
  });

  test('model access: bob limited to one model sees only it in the model picker', async () => {
    const upstream = await startFakeUpstream({ models: ['fake-alpha', 'fake-beta'] });
    upstreams.push(upstream);
    const fake = {
      type: 'openai-compatible' as const,
      id: 'fake',
      baseUrl: upstream.url,
      models: [
        { id: 'fake-alpha', title: 'Fake Alpha' },
        { id: 'fake-beta', title: 'Fake Beta' },
      ],
    };
    const server = await ui.server({ providers: [uiDemoProvider, fake] });
    const { page } = await ui.page(server);
    await signIn(page, server.alice);
    const dialog = await openAdministration(page, 'Users');
    await userAction(page, server.bob.email, 'Model access…');
    const access = page.getByRole('dialog', { name: 'Model access' });
    await access.getByRole('radio', { name: /Only selected models/ }).check();
    await access.getByRole('checkbox', { name: /Fake Beta/ }).check();
    await screenshot(page, 'admin-model-access-light');
    await access.getByRole('button', { name: 'Save' }).click();
    await dialog.getByRole('status').getByText(`Model access saved for ${server.bob.email}.`).waitFor();
    const row = dialog.getByRole('row').filter({ hasText: server.bob.email });
    await row.getByRole('cell', { name: '1 model', exact: true }).waitFor();

    const bob = await ui.page(server);
    await signIn(bob.page, server.bob);
    await bob.page.getByRole('button', { name: 'Model' }).click();
    const menu = bob.page.getByRole('menu');
    await menu.getByRole('menuitemradio').first().waitFor();
    const titles = await menu.locator('.menu-item-label').allTextContents();
    assert.deepEqual(titles, ['Fake Beta']);
    await screenshot(bob.page, 'model-picker-limited-light');
  });

  test('add a user, reset their password; the sign-up policy opens sign-up', async () => {
    const server = await ui.server();
    const { page } = await ui.page(server);
    await signIn(page, server.alice);
    const dialog = await openAdministration(page, 'Users');
    await dialog.getByRole('button', { name: 'Add user' }).click();
    const add = page.getByRole('dialog', { name: 'Add user' });
    await add.getByLabel('Name').fill('Erin');
    await add.getByLabel('Email').fill('erin@example.com');
    await add.getByLabel('Password').fill('erin-password-123');
    await add.getByLabel('Role').selectOption('admin');
    await screenshot(page, 'admin-add-user-light');
    await add.getByRole('button', { name: 'Add user' }).click();
    const row = dialog.getByRole('row').filter({ hasText: 'erin@example.com' });
    await row.getByText('Admin', { exact: true }).waitFor();

    await userAction(page, 'erin@example.com', 'Reset password…');
    const reset = page.getByRole('dialog', { name: 'Reset password' });
    await reset.getByLabel('New password').fill('erin-second-password');
    await reset.getByRole('button', { name: 'Reset password' }).click();
    await dialog.getByRole('status').getByText('Password reset for erin@example.com.').waitFor();

    await dialog.getByRole('tab', { name: 'Sign-up' }).click();
    const policy = dialog.getByRole('radiogroup', { name: 'Sign-up policy' });
    await policy
      .getByRole('radio', { name: /Invite only/ })
      .and(page.locator(':checked'))
      .waitFor();
    await policy.getByRole('radio', { name: /Open/ }).check();
    await dialog.getByRole('status').getByText('Saved.').waitFor();
    await screenshot(page, 'admin-sign-up-policy-light');

    const erin = await ui.page(server);
    await erin.page.getByRole('button', { name: 'Create an account' }).waitFor();
    await signIn(erin.page, { email: 'erin@example.com', password: 'erin-second-password' });
    await erin.page.getByRole('button', { name: 'Account' }).click();
    await erin.page.getByRole('menuitem', { name: 'Administration' }).waitFor();
  });

  test('keyboard only: the account menu, the tabs, a user’s menu; Escape closes one layer at a time', async () => {
    const server = await ui.server();
    const { page } = await ui.page(server);
    await signIn(page, server.alice);
    const focused = () =>
      page.evaluate(
        () => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent?.trim(),
      );
    await page.getByRole('button', { name: 'Account' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('menu').waitFor();
    await page.keyboard.press('End');
    await page.keyboard.press('ArrowUp');
    assert.equal(await focused(), 'Administration');
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Administration' });
    await dialog.getByRole('table', { name: 'Users' }).getByText(server.bob.email).waitFor();
    await page.getByRole('tab', { name: 'Users' }).focus();
    await page.keyboard.press('ArrowDown');
    await dialog.getByRole('tab', { name: 'Invites', selected: true }).waitFor();
    assert.equal(await focused(), 'Invites');
    await page.keyboard.press('ArrowUp');
    await dialog.getByRole('tab', { name: 'Users', selected: true }).waitFor();
    await dialog.getByRole('button', { name: `Actions for ${server.bob.email}` }).focus();
    await page.keyboard.press('ArrowDown');
    await page.getByRole('menu').waitFor();
    assert.equal(await focused(), 'Make admin');
    await page.keyboard.press('Escape');
    await page.getByRole('menu').waitFor({ state: 'detached' });
    assert.equal(await dialog.isVisible(), true, 'Escape in the menu leaves the dialog open');
    assert.equal(await focused(), `Actions for ${server.bob.email}`);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  test('on a phone, Administration and Settings fill the screen with tabs across the top', async () => {
    const server = await ui.server();
    const { page } = await ui.page(server, { viewport: { width: 390, height: 844 } });
    await signIn(page, server.alice);
    await page.getByRole('button', { name: 'Open sidebar' }).click();
    const dialog = await openAdministration(page, 'Users');
    await dialog.getByRole('table', { name: 'Users' }).getByText(server.bob.email).waitFor();
    const tabs = dialog.getByRole('tablist', { name: 'Administration sections' });
    assert.equal(await tabs.getAttribute('aria-orientation'), 'horizontal');
    const box = await dialog.boundingBox();
    assert.ok(box && box.width === 390, 'the dialog fills the width');
    await screenshot(page, 'admin-users-mobile-light');
    await page.keyboard.press('ArrowRight');
    await dialog.getByRole('tab', { name: 'Invites', selected: true }).waitFor();
    await dialog.getByRole('button', { name: 'Create invite link' }).waitFor();
    await screenshot(page, 'admin-invites-mobile-light');
    await dialog.getByRole('button', { name: 'Close' }).click();

    // The drawer is still open behind the dialog, as it was left.
    await page.getByRole('button', { name: 'Account' }).click();
    await page.getByRole('menuitem', { name: 'Settings' }).click();
    const settings = page.getByRole('dialog', { name: 'Settings' });
    await settings.getByRole('tab', { name: 'Security' }).click();
    await settings.getByRole('list', { name: 'Signed-in devices' }).getByText('This device').waitFor();
    await screenshot(page, 'settings-security-mobile-light');
  });
});
