/**
 * Creating an account in the browser: an invite link (created in Administration, opened in a fresh
 * browser, email filled in, then unusable a second time), open sign-up from the sign-in page, and
 * the server's 429 text after too many failed sign-ins.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { noLimits } from '../../src/limits/limits-config.js';
import { browserSuite, screenshot, signIn } from '../helpers/browser.js';
import type { TestServer } from '../helpers/test-server.js';

async function setSignupPolicy(server: TestServer, policy: 'open' | 'invite' | 'closed'): Promise<void> {
  const response = await server.request('/backend-api/admin/settings', {
    method: 'PATCH',
    as: server.alice,
    json: { signup_policy: policy },
  });
  assert.equal(response.status, 200);
}

browserSuite('sign-up', (ui) => {
  test('an invite link made in Administration signs up a new user once', async () => {
    const server = await ui.server();
    const admin = await ui.page(server);
    await signIn(admin.page, server.alice);
    await admin.page.getByRole('button', { name: 'Account' }).click();
    await admin.page.getByRole('menuitem', { name: 'Administration' }).click();
    const dialog = admin.page.getByRole('dialog', { name: 'Administration' });
    await dialog.getByRole('tab', { name: 'Invites' }).click();
    await dialog.getByLabel('Email (optional)').fill('carol@example.com');
    await dialog.getByRole('button', { name: 'Create invite link' }).click();
    const link = dialog.getByRole('textbox', { name: 'Invite link' });
    await link.waitFor();
    const url = await link.inputValue();
    assert.match(url, new RegExp(`^${server.url}/invite/[^/]+$`));
    await dialog.getByRole('list', { name: 'Invites' }).getByText('carol@example.com').waitFor();
    await screenshot(admin.page, 'admin-invites-light');

    const guest = await ui.page(server);
    await guest.page.goto(url);
    await guest.page.getByRole('heading', { name: 'You’re invited' }).waitFor();
    const email = guest.page.getByLabel('Email');
    assert.equal(await email.inputValue(), 'carol@example.com');
    assert.equal(await email.getAttribute('readonly'), '');
    await guest.page.getByText('At least 10 characters').waitFor();
    await guest.page.getByLabel('Name').fill('Carol');
    await guest.page.getByLabel('Password').fill('short');
    await guest.page.getByRole('button', { name: 'Create account' }).click();
    await guest.page.getByRole('alert').getByText('Use at least 10 characters.').waitFor();
    await guest.page.getByLabel('Password').fill('carol-password-123');
    await screenshot(guest.page, 'invite-sign-up-light');
    await guest.page.getByRole('button', { name: 'Create account' }).click();
    await guest.page.getByRole('textbox', { name: 'Message' }).waitFor();
    assert.equal(new URL(guest.page.url()).pathname, '/');
    await guest.page.getByRole('button', { name: 'Account' }).getByText('Carol').waitFor();

    await dialog.getByRole('tab', { name: 'Users' }).click();
    await dialog.getByRole('table', { name: 'Users' }).getByText('carol@example.com').waitFor();
    await dialog.getByRole('tab', { name: 'Invites' }).click();
    const row = dialog.getByRole('listitem').filter({ hasText: 'carol@example.com' });
    await row.getByText('Used', { exact: true }).waitFor();

    const late = await ui.page(server);
    await late.page.goto(url);
    await late.page.getByRole('heading', { name: 'Invite no longer valid' }).waitFor();
    await screenshot(late.page, 'invite-used-light');
    await late.page.getByRole('button', { name: 'Go to sign in' }).click();
    await late.page.getByRole('heading', { name: 'Welcome back' }).waitFor();

    // A link opened while signed in does not sign anyone out by itself.
    await guest.page.goto(url);
    await guest.page.getByRole('heading', { name: 'You’re already signed in' }).waitFor();
    await guest.page.getByText('carol@example.com').waitFor();
    await guest.page.getByRole('button', { name: 'Continue to backchat' }).click();
    await guest.page.getByRole('textbox', { name: 'Message' }).waitFor();
    assert.equal(new URL(guest.page.url()).pathname, '/');
  });

  test('open sign-up: "Create an account" on the sign-in page only when the server allows it', async () => {
    const server = await ui.server();
    const closed = await ui.page(server);
    await closed.page.getByRole('heading', { name: 'Welcome back' }).waitFor();
    assert.equal(await closed.page.getByRole('button', { name: 'Create an account' }).count(), 0);
    await closed.page.getByText('Ask an administrator of this server for an invite link').waitFor();

    await setSignupPolicy(server, 'open');
    const { page } = await ui.page(server);
    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.getByRole('heading', { name: 'Create your account' }).waitFor();
    await page.getByLabel('Name').fill('Dave');
    await page.getByLabel('Email').fill('dave@example.com');
    await page.getByLabel('Password').fill('dave@example.com');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('alert').getByText('Don’t use your email address as your password.').waitFor();
    await page.getByLabel('Password').fill('dave-password-123');
    await screenshot(page, 'sign-up-light');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('textbox', { name: 'Message' }).waitFor();
    await page.getByRole('button', { name: 'Account' }).getByText('Dave').waitFor();

    const again = await ui.page(server);
    await again.page.getByRole('button', { name: 'Create an account' }).click();
    await again.page.getByLabel('Email').fill('dave@example.com');
    await again.page.getByLabel('Password').fill('another-password-123');
    await again.page.getByRole('button', { name: 'Create account' }).click();
    const taken = await again.page.getByRole('alert').textContent();
    assert.ok(taken && taken.length > 0, 'a taken email shows the server’s reason');
    await again.page.getByRole('button', { name: 'Sign in' }).click();
    await again.page.getByRole('heading', { name: 'Welcome back' }).waitFor();
  });

  test('too many failed sign-ins show the server’s 429 text', async () => {
    const login = { perAccount: 3, perIp: 30, windowMinutes: 15 };
    const server = await ui.server({ config: { limits: { ...noLimits, login } } });
    const { page } = await ui.page(server);
    await page.getByLabel('Email').fill(server.bob.email);
    await page.getByLabel('Password').fill('wrong-password-000');
    const button = page.getByRole('button', { name: 'Sign in' });
    let status = 0;
    for (let attempt = 0; attempt <= login.perAccount && status !== 429; attempt += 1) {
      const answered = page.waitForResponse((response) => response.url().endsWith('/api/auth/login'));
      await button.click();
      status = (await answered).status();
    }
    assert.equal(status, 429);
    const alert = page.getByRole('alert');
    await alert.getByText(/^Too many sign-in attempts\. Try again in \d+ minutes?\.$/).waitFor();
    await screenshot(page, 'sign-in-too-many-light');
  });
});
