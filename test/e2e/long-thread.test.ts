/**
 * A long conversation in the browser, loaded a window at a time (docs/web-ui.md, "Long conversations"):
 * it opens with the last 100 messages of its branch and never the whole tree; scrolling up loads the
 * older windows without moving what is on screen, down to the first message, each message once; the
 * ‹ 1 / 2 › arrows on a message whose sibling branch is not loaded fetch that branch (`anchor`) and
 * show it, and the server's current_node follows.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MessageRecord } from '../../src/store/store.js';
import { browserSuite, screenshot, sendMessage, signIn, waitForAnswers } from '../helpers/browser.js';
import type { TestServer } from '../helpers/test-server.js';
import { insertLinearConversation, message, newConversation, rootMessage } from '../store/store-fixtures.js';

const mainLength = 330;
/** The main-line user message that gets an edited sibling (with an answer below it). */
const editedAt = 4;

interface Seeded {
  id: string;
  main: string[];
  sibling: string;
  siblingAnswer: string;
}

async function seedLong(server: TestServer): Promise<Seeded> {
  const { store } = server.deps;
  const owner = server.alice.id;
  const id = crypto.randomUUID();
  await store.createConversation(newConversation(owner, id, { title: 'A long one' }));
  const records: MessageRecord[] = [rootMessage(id)];
  const main: string[] = [];
  let sibling = '';
  let siblingAnswer = '';
  let parent = `${id}-root`;
  for (let index = 0; index < mainLength; index++) {
    const role = index % 2 ? 'assistant' : 'user';
    const record = message(id, crypto.randomUUID(), parent, { role, parts: [`Message number ${index}`] });
    records.push(record);
    main.push(record.id);
    if (index === editedAt) {
      const edit = message(id, crypto.randomUUID(), parent, { role: 'user', parts: ['The edited question'] });
      const answer = message(id, crypto.randomUUID(), edit.id, { role: 'assistant', parts: ['The other answer'] });
      records.push(edit, answer);
      sibling = edit.id;
      siblingAnswer = answer.id;
    }
    parent = record.id;
  }
  for (let start = 0; start < records.length; start += 200) {
    assert.equal(await store.insertMessages(owner, records.slice(start, start + 200)), true);
  }
  await store.updateConversation(owner, id, { currentNode: parent });
  return { id, main, sibling, siblingAnswer };
}

/** The message ids shown, top to bottom. */
function shownIds(page: import('playwright-core').Page): Promise<string[]> {
  return page
    .locator('article[data-message-id]')
    .evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-message-id') ?? ''));
}

/** Sets the thread's scroll offset to 0 from a script (not a person's input: see scrollUpUntil). */
function scrollToTop(page: import('playwright-core').Page): Promise<void> {
  return page.locator('.thread-scroll').evaluate((box) => {
    box.scrollTop = 0;
  });
}

/**
 * Scrolls the thread to its top until the row `id` is in the page. A scroll set from a script is not a
 * person's input, so a row still held after older rows came above it (thread.tsx) may pull the view
 * back once; a person would scroll again, and so does this, a bounded number of times.
 */
async function scrollUpUntil(page: import('playwright-core').Page, id: string): Promise<void> {
  const row = page.locator(`article[data-message-id="${id}"]`);
  for (let round = 0; (await row.count()) === 0; round++) {
    assert.ok(round < 100, `message ${id} arrives on scrolling up`);
    await scrollToTop(page);
    await page.waitForTimeout(50);
  }
}

browserSuite('long thread', (ui) => {
  test('opens with the last window, loads older ones on scrolling up without a jump, switches to an unloaded branch', async () => {
    const server = await ui.server();
    const seeded = await seedLong(server);
    const { page, log } = await ui.page(server, { viewport: { width: 1100, height: 800 } });
    await signIn(page, server.alice);
    log.clear();
    await page.goto(`${server.url}/c/${seeded.id}`);
    const last = seeded.main.at(-1) ?? '';
    await page.locator(`article[data-message-id="${last}"] .markdown`).waitFor();
    await log.settled();

    // Only a window: the last 100 messages, and never the whole tree.
    const gets = log
      .requests(`/backend-api/conversation/${seeded.id}`)
      .filter((line) => line.startsWith('GET') && !line.includes('/feedback'));
    assert.equal(gets.length, 1, gets.join('\n'));
    assert.ok(
      gets.every((line) => line.includes('tail=')),
      gets.join('\n'),
    );
    assert.deepEqual(await shownIds(page), seeded.main.slice(-100));
    const scroller = page.locator('.thread-scroll');
    const atBottom = await scroller.evaluate((box) => box.scrollHeight - box.scrollTop - box.clientHeight);
    assert.ok(atBottom < 50, `opened at the bottom (${atBottom} px above it)`);
    await screenshot(page, 'long-thread-opened');

    // Scrolling to the top: the next-older window comes in above, the rows on screen stay where they were.
    const firstShown = seeded.main.at(-100) ?? '';
    const before = await scroller.evaluate((box, id) => {
      box.scrollTop = 0;
      const row = box.querySelector(`article[data-message-id="${id}"]`);
      return (row?.getBoundingClientRect().top ?? 0) - box.getBoundingClientRect().top;
    }, firstShown);
    await page.locator(`article[data-message-id="${seeded.main.at(-101)}"]`).waitFor({ state: 'attached' });
    await page.waitForTimeout(100);
    const after = await scroller.evaluate((box, id) => {
      const row = box.querySelector(`article[data-message-id="${id}"]`);
      return (row?.getBoundingClientRect().top ?? 0) - box.getBoundingClientRect().top;
    }, firstShown);
    assert.ok(Math.abs(after - before) <= 2, `the row on screen stayed put (${before} → ${after})`);
    const older = log.requests(`/backend-api/conversation/${seeded.id}`).filter((line) => line.includes('before='));
    assert.equal(older.length, 1, older.join('\n'));
    await screenshot(page, 'long-thread-scrolled-up');

    // On to the first message: every message of the branch once, in order.
    const first = seeded.main[0] ?? '';
    await scrollUpUntil(page, first);
    await log.settled();
    assert.deepEqual(await shownIds(page), seeded.main);
    assert.equal(await page.locator('.thread-older').count(), 0, 'nothing more to load');

    // The edited sibling of message 4 was never loaded: its arrows fetch its branch and show it.
    const edited = page.locator(`article[data-message-id="${seeded.main[editedAt]}"]`);
    await edited.scrollIntoViewIfNeeded();
    await edited.hover();
    assert.equal((await edited.locator('.branch-position').textContent())?.replace(/\s/g, ''), '1/2');
    log.clear();
    await edited.getByRole('button', { name: 'Next response' }).click();
    await page.locator(`article[data-message-id="${seeded.siblingAnswer}"]`).waitFor();
    assert.deepEqual(await shownIds(page), [...seeded.main.slice(0, editedAt), seeded.sibling, seeded.siblingAnswer]);
    assert.ok(log.requests('/backend-api/conversation/').some((line) => line.includes(`anchor=${seeded.sibling}`)));
    const patch = await log.waitFor(`/backend-api/conversation/${seeded.id}`, 'PATCH');
    assert.deepEqual(patch.body, { current_node: seeded.sibling });
    // And back: the main branch is loaded already, nothing is fetched for it.
    log.clear();
    const siblingRow = page.locator(`article[data-message-id="${seeded.sibling}"]`);
    await siblingRow.hover();
    await siblingRow.getByRole('button', { name: 'Previous response' }).click();
    await page.locator(`article[data-message-id="${last}"]`).waitFor({ state: 'attached' });
    await log.settled();
    assert.equal(log.requests('/backend-api/conversation/').filter((line) => line.startsWith('GET')).length, 0);
    assert.deepEqual(await shownIds(page), seeded.main);

    // An answer streamed block by block into the DOM ends as the same HTML as the stored one rendered whole.
    await sendMessage(page, 'One more, please');
    const answer = page.locator(`article[data-message-id="${await waitForAnswers(page, mainLength / 2 + 1)}"]`);
    const streamed = await answer.locator('.markdown').innerHTML();
    await page.reload();
    await answer.locator('.markdown:not(.markdown-pending)').waitFor();
    assert.equal(await answer.locator('.markdown').innerHTML(), streamed);
    assert.ok((await answer.locator('.markdown > *').count()) > 1, 'the answer has several blocks');
    assert.deepEqual(log.pageErrors, []);
  });

  test('opening a conversation fetches its first window and the markdown renderer before the app runs, the sign-in page never', async () => {
    const server = await ui.server();
    const seeded = await seedLong(server);
    const { context, page, log } = await ui.page(server);
    await page.getByLabel('Email').waitFor();
    assert.deepEqual(log.requests('/assets/render-markdown-'), [], 'the sign-in page does without it');

    const login = await context.request.post('/api/auth/login', {
      data: { email: server.alice.email, password: server.alice.password },
    });
    assert.equal(login.status(), 200);
    log.clear();
    await page.goto(`/c/${seeded.id}`);
    await page.locator(`article[data-message-id="${seeded.main.at(-1)}"] .markdown:not(.markdown-pending)`).waitFor();
    // Hinted by the page's response (a Link header), so both are on their way while the app's script
    // loads and starts; the app's own request for the window reuses that response (one request).
    const order = log
      .requests('/assets/', `/backend-api/conversation/${seeded.id}?`)
      .filter((line) => /index-[\w-]{8}\.js$|render-markdown-|conversation/.test(line))
      .map((line) => line.replace(/-[\w-]{8}\.js$/, '.js'));
    assert.deepEqual(
      order,
      [`GET /backend-api/conversation/${seeded.id}?tail=100`, 'GET /assets/render-markdown.js', 'GET /assets/index.js'],
      order.join('\n'),
    );
    assert.deepEqual(log.pageErrors, []);
  });

  test('an opened conversation is drawn once, with its markdown; without the renderer, as plain text', async () => {
    const server = await ui.server();
    const seeded = await seedLong(server);
    const last = seeded.main.at(-1) ?? '';
    const { context, page, log } = await ui.page(server);
    await signIn(page, server.alice);
    // Every time the last message is put on the page as plain text (the renderer not there yet).
    await context.addInitScript((id: string) => {
      const seen = { plain: 0 };
      (window as unknown as { plainDraws: typeof seen }).plainDraws = seen;
      new MutationObserver(() => {
        const body = document.querySelector(`article[data-message-id="${id}"] .markdown`);
        if (body?.classList.contains('markdown-pending') && !body.hasAttribute('data-counted')) {
          body.setAttribute('data-counted', '');
          seen.plain++;
        }
      }).observe(document, { subtree: true, childList: true });
    }, last);
    const plainDraws = () =>
      page.evaluate(() => (window as unknown as { plainDraws: { plain: number } }).plainDraws.plain);

    await page.goto(`/c/${seeded.id}`);
    await page.locator(`article[data-message-id="${last}"] .markdown:not(.markdown-pending)`).waitFor();
    assert.equal(await plainDraws(), 0, 'drawn with its markdown the first time');

    // The renderer's chunk cannot load: after a moment the messages show as plain text, nothing breaks.
    const fresh = await context.newPage();
    await fresh.route(/\/assets\/render-markdown-[^/]*\.js$/, (route) => route.abort());
    const errors: string[] = [];
    fresh.on('pageerror', (error) => errors.push(error.message));
    await fresh.goto(`/c/${seeded.id}`);
    await fresh.locator(`article[data-message-id="${last}"] .markdown-pending`).waitFor();
    const lastText = `Message number ${mainLength - 1}`;
    assert.equal(await fresh.locator(`article[data-message-id="${last}"] .markdown`).textContent(), lastText);
    await fresh.getByRole('textbox', { name: 'Message' }).waitFor();
    assert.deepEqual(errors, []);
    assert.deepEqual(log.pageErrors, []);
  });

  test('scrolling up fetches the next older window ahead and shows it only when the top comes near', async () => {
    const server = await ui.server();
    // Windows from the bottom: 100 on opening, then 500, 500 and the last 150.
    const texts = Array.from({ length: 1250 }, (_, index) => `Line ${index}`);
    const { id, ids } = await insertLinearConversation(
      server.deps.store,
      server.alice.id,
      texts,
      'Read it from the top',
    );

    const { page, log } = await ui.page(server, { viewport: { width: 1100, height: 800 } });
    await signIn(page, server.alice);
    log.clear();
    await page.goto(`${server.url}/c/${id}`);
    await page.locator(`article[data-message-id="${ids.at(-1)}"] .markdown`).waitFor();
    await log.settled();
    const older = () => log.requests(`/backend-api/conversation/${id}`).filter((line) => line.includes('before='));
    assert.deepEqual(older(), [], 'nothing older before anyone scrolls');

    // The first scroll up: one window shown, and the one above it asked for at once, without scrolling.
    await scrollToTop(page);
    await page.locator(`article[data-message-id="${ids.at(-600)}"]`).waitFor({ state: 'attached' });
    await log.settled();
    assert.equal(older().length, 2, older().join('\n'));
    assert.deepEqual(await shownIds(page), ids.slice(-600), 'the window fetched ahead is not shown yet');

    // Up to the first message: every window once, each with its own cursor, none asked for twice.
    await scrollUpUntil(page, ids[0] ?? '');
    await log.settled();
    assert.deepEqual(await shownIds(page), ids);
    const cursors = older().map((line) => new URL(line.split(' ')[1] ?? '', server.url).searchParams.get('before'));
    assert.equal(cursors.length, 3, older().join('\n'));
    assert.equal(new Set(cursors).size, 3, 'each window asked for once');
    assert.equal(await page.locator('.thread-older').count(), 0, 'nothing more to load');
  });

  test('a window fetched ahead is asked for again if fetching it failed or if a message was added since', async () => {
    const server = await ui.server();
    const texts = Array.from({ length: 1250 }, (_, index) => `Line ${index}`);
    const { id, ids } = await insertLinearConversation(server.deps.store, server.alice.id, texts, 'Read it again');
    const { page, log } = await ui.page(server, { viewport: { width: 1100, height: 800 } });
    // The second older window asked for (the first one fetched ahead) fails.
    let olderAsked = 0;
    await page.route(/\/backend-api\/conversation\/[^/?]+\?[^#]*before=/, (route) =>
      ++olderAsked === 2 ? route.abort() : route.continue(),
    );
    await signIn(page, server.alice);
    log.clear();
    await page.goto(`${server.url}/c/${id}`);
    await page.locator(`article[data-message-id="${ids.at(-1)}"] .markdown`).waitFor();
    await log.settled();
    const scroller = page.locator('.thread-scroll');

    // Scrolling up: the first older window shown, the one above it fetched ahead — and failing.
    await scrollToTop(page);
    await page.locator(`article[data-message-id="${ids.at(-600)}"]`).waitFor({ state: 'attached' });
    await log.settled();
    // Up again, with the wheel as a person would (a scroll set from a script does not let go of the row
    // held since the last window came): the failed one is asked for again and shown, the next fetched ahead.
    await scroller.hover();
    await page.mouse.wheel(0, -(await scroller.evaluate((box) => box.scrollTop + box.clientHeight)));
    await page.locator(`article[data-message-id="${ids.at(-1100)}"]`).waitFor({ state: 'attached' });
    await log.settled();
    assert.deepEqual(await shownIds(page), ids.slice(-1100));

    // A turn adds two messages: the window fetched ahead is not used, but asked for again.
    await sendMessage(page, 'One more question');
    await page.locator('article[data-role="assistant"]').last().locator('[aria-label="Copy message"]').waitFor();
    await scrollUpUntil(page, ids[0] ?? '');
    await log.settled();
    const shown = await shownIds(page);
    assert.equal(shown.length, ids.length + 2);
    assert.deepEqual(shown.slice(0, ids.length), ids);
    const cursors = log
      .requests(`/backend-api/conversation/${id}`)
      .filter((line) => line.includes('before='))
      .map((line) => new URL(line.split(' ')[1] ?? '', server.url).searchParams.get('before'));
    const [first, second, third] = [...new Set(cursors)];
    assert.deepEqual(cursors, [first, second, second, third, third]);
    assert.equal(new Set(cursors).size, 3);
    assert.deepEqual(log.pageErrors, []);
  });

  test('scrolling up with the keyboard while older rows are held still is not pulled back', async () => {
    const server = await ui.server();
    // Two windows: the last 100 on opening, the 200 above them in one more.
    const texts = Array.from({ length: 300 }, (_, index) => `Line ${index}`);
    const { id, ids } = await insertLinearConversation(server.deps.store, server.alice.id, texts, 'Keys');
    const { page, log } = await ui.page(server, { viewport: { width: 1100, height: 800 } });
    await signIn(page, server.alice);
    await page.goto(`${server.url}/c/${id}`);
    const newest = page.locator(`article[data-message-id="${ids.at(-1)}"] .markdown`);
    await newest.waitFor();
    // A click in the thread makes it what the keys scroll; the focus stays on the page, not in the thread.
    await newest.click();
    const scroller = page.locator('.thread-scroll');
    await scrollToTop(page);
    // The older window comes above: the row that was on top is held where it was, for a moment.
    await page.locator(`article[data-message-id="${ids[0]}"]`).waitFor({ state: 'attached' });
    const held = await scroller.evaluate((box) => box.scrollTop);
    assert.ok(held > 1000, `the view stayed on the rows it showed (${held})`);
    await page.keyboard.press('Home');
    await page.waitForFunction(() => document.querySelector('.thread-scroll')?.scrollTop === 0);
    // The thread changes size while the row would still be held (its markdown, a late image): the
    // person's scroll stands.
    await scroller.evaluate(async (box) => {
      const spacer = document.createElement('div');
      spacer.style.height = '40px';
      box.querySelector('.thread')?.append(spacer);
      await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    });
    assert.equal(await scroller.evaluate((box) => box.scrollTop), 0);
    assert.deepEqual(log.pageErrors, []);
  });
});
