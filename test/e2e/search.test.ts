/**
 * The search dialog (docs/web-ui.md, "Search"): Ctrl+K, a debounced query, snippets with <mark>ed
 * terms as text (never HTML), arrow keys and Enter opening the hit on the branch that holds it,
 * scrolled to and flashed; the empty state, Escape and the focus going back.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { browserSuite, screenshot, signIn } from '../helpers/browser.js';
import { exportedConversation, importThroughApi, linearConversation, text } from './export-fixtures.js';

/** Root → system → u1 → a1 → (u2a → a2a | u2b → a2b), current node a2b: the phrase is on the other branch. */
function branched() {
  const [id, root, system, u1, a1, u2a, a2a, u2b, a2b] = [0, 1, 2, 3, 4, 5, 6, 7, 8].map(() => randomUUID()) as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const conversation = exportedConversation(
    id,
    'Weekend in Western Australia',
    [
      { id: root, parent: null, role: null },
      { id: system, parent: root, role: 'system', hidden: true },
      { id: u1, parent: system, role: 'user', content: text('Plan a weekend near Perth.') },
      { id: a1, parent: u1, role: 'assistant', content: text('Happy to. What do you like?') },
      { id: u2a, parent: a1, role: 'user', content: text('Can I see the quokka colony on Rottnest Island?') },
      { id: a2a, parent: u2a, role: 'assistant', content: text('Yes: take the ferry from Fremantle.') },
      { id: u2b, parent: a1, role: 'user', content: text('Something with wineries instead.') },
      { id: a2b, parent: u2b, role: 'assistant', content: text('The Swan Valley is close by.') },
    ],
    a2b,
  );
  return { id, conversation, u2a, a2a, a2b };
}

browserSuite('search dialog', (ui) => {
  test('Ctrl+K, type, <mark>ed snippets, Enter opens the hit on its branch and flashes it', async () => {
    const server = await ui.server();
    const target = branched();
    const hostile = linearConversation('Markup in a message', [
      'Is <img src=x onerror="window.__pwned=1"> a quokka?',
      'That is text, not an image.',
    ]);
    const other = linearConversation('Gardening', ['How do I grow tomatoes?', 'Sun, water and patience.']);
    await importThroughApi(server, server.alice, [target.conversation, hostile.conversation, other.conversation]);
    const { page, log } = await ui.page(server);
    await signIn(page, server.alice);

    await page.keyboard.press('Control+K');
    const dialog = page.getByRole('dialog', { name: 'Search chats' });
    const input = dialog.getByRole('combobox', { name: 'Search chats' });
    await input.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('role')), 'combobox');
    await input.pressSequentially('quokka', { delay: 25 });
    const options = dialog.getByRole('option');
    // A prefix's results may be drawn before the whole word's request leaves: wait for that request
    // and its answer before reading the log.
    await log.waitFor('/backend-api/conversations/search?query=quokka&', 'GET');
    await log.settled();
    await options.nth(1).waitFor();
    await dialog
      .locator('mark', { hasText: /^quokka$/i })
      .first()
      .waitFor();
    // Typed faster than the 150 ms debounce: keystrokes are merged (one request for the whole word when
    // the machine keeps up; a busy machine may pause long enough between two keys to send a prefix first),
    // and the last request is the whole word.
    const sent = log
      .requests('/backend-api/conversations/search')
      .map((request) => new URL(request.split(' ')[1] ?? '', 'http://x').searchParams.get('query') ?? '');
    assert.equal(sent.at(-1), 'quokka', `requests: ${sent.join(', ')}`);
    assert.ok(sent.length < 'quokka'.length, `one request per keystroke: ${sent.join(', ')}`);
    assert.ok(
      sent.every((query) => 'quokka'.startsWith(query)),
      `only what was typed is searched: ${sent.join(', ')}`,
    );
    assert.equal(await options.count(), 2);

    const hit = dialog.locator(`[role="option"][data-conversation-id="${target.id}"]`);
    assert.match((await hit.locator('mark').allTextContents()).join(' '), /quokka/i);
    assert.match((await hit.textContent()) ?? '', /Weekend in Western Australia/);
    // The snippet's markup is text: no element made from it, no script run.
    const markup = dialog.locator(`[role="option"][data-conversation-id="${hostile.id}"]`);
    assert.match((await markup.textContent()) ?? '', /<img src=x/);
    assert.equal(await dialog.locator('img').count(), 0);
    await screenshot(page, 'search-dialog-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'search-dialog-dark');
    await page.emulateMedia({ colorScheme: 'light' });

    // Arrow keys move the active option (aria-activedescendant); Enter opens it.
    const index = (await options.evaluateAll((nodes) => nodes.map((node) => node.dataset.conversationId))).indexOf(
      target.id,
    );
    for (let step = 0; step < index; step++) await input.press('ArrowDown');
    assert.equal(await hit.getAttribute('aria-selected'), 'true');
    assert.equal(await input.getAttribute('aria-activedescendant'), await hit.getAttribute('id'));
    await input.press('Enter');

    await page.waitForURL(`**/c/${target.id}`);
    await dialog.waitFor({ state: 'detached' });
    // The other branch is shown (its newest leaf), the message scrolled to and flashed.
    const message = page.locator(`article[data-message-id="${target.u2a}"]`);
    await page.locator(`article[data-message-id="${target.u2a}"][data-flash]`).waitFor();
    await page.locator(`article[data-message-id="${target.a2a}"]`).waitFor();
    assert.equal(await page.locator(`article[data-message-id="${target.a2b}"]`).count(), 0);
    assert.ok(await message.isVisible());
    const patch = await log.waitFor(`/backend-api/conversation/${target.id}`, 'PATCH');
    assert.deepEqual(patch.body, { current_node: target.a2a });
    await screenshot(page, 'search-hit-opened');
    assert.equal(await page.evaluate(() => (window as { __pwned?: number }).__pwned), undefined);
    assert.deepEqual(log.pageErrors, []);
  });

  test('the sidebar button; Load more by cursor; no results; Escape closes and focus goes back', async () => {
    const server = await ui.server();
    const many = Array.from(
      { length: 23 },
      (_, index) =>
        linearConversation(`Marsupials ${index + 1}`, [`Tell me about wombat ${index + 1}`, 'Burrows.']).conversation,
    );
    await importThroughApi(server, server.alice, many);
    const { page, log } = await ui.page(server);
    await signIn(page, server.alice);
    const button = page.getByRole('button', { name: 'Search chats' });
    await button.click();
    const dialog = page.getByRole('dialog', { name: 'Search chats' });
    await dialog.getByText('Search the titles and messages of your chats.').waitFor();
    const input = dialog.getByRole('combobox', { name: 'Search chats' });
    await input.fill('wombat');
    const options = dialog.getByRole('option');
    await options.nth(19).waitFor();
    assert.equal(await options.count(), 20);
    await dialog.getByRole('button', { name: 'Load more' }).click();
    await options.nth(22).waitFor();
    assert.equal(await options.count(), 23);
    await dialog.getByRole('button', { name: 'Load more' }).waitFor({ state: 'detached' });
    const pages = log.requests('/backend-api/conversations/search');
    assert.equal(pages.length, 2);
    assert.match(pages[1] ?? '', /[?&]cursor=[^&]+/);
    await input.fill('nothing-matches-this');
    await dialog.getByRole('status').filter({ hasText: 'No chats match “nothing-matches-this”.' }).waitFor();
    assert.equal(await options.count(), 0);
    await screenshot(page, 'search-dialog-no-results');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Search chats');
    // Escape closed the dialog only: nothing else happened.
    assert.deepEqual(log.pageErrors, []);
  });
});
