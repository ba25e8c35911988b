/**
 * Answers that outlive the page (docs/web-ui.md, "Answers that outlive the page"), in Chromium: a
 * reload mid-answer picks the same answer up and watches it finish; a second page follows the answer
 * live and can stop it for both; a page closed mid-answer finds the whole answer when it comes back;
 * and with "Keep generating when I leave" off, closing the page stops the answer as before.
 *
 * The model is a fake OpenAI-compatible upstream writing plain prose slowly (a few seconds per
 * answer), so that text shown at any moment is a prefix of the final text.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Page } from 'playwright-core';
import { pollUntil } from '../helpers/bounded.js';
import {
  type BrowserUi,
  browserSuite,
  conversationIdOf,
  defaultWaitMs,
  messages,
  type OpenedPage,
  screenshot,
  sendMessage,
  serverConversation,
  signIn,
} from '../helpers/browser.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';
import type { TestServer } from '../helpers/test-server.js';

/** About 150 chunks: at 40 ms each the answer takes some 6 s. */
const slowText = Array.from(
  { length: 8 },
  (_, index) => `Sentence ${index + 1} of the slow answer keeps it going for a while longer.`,
).join(' ');
const tokenDelayMs = 40;

const upstreams: FakeUpstream[] = [];
after(async () => {
  await Promise.all(upstreams.map((upstream) => upstream.close()));
});

/** A server whose only model is a fake upstream, writing `slowText` slowly unless told otherwise. */
async function fakeModelServer(ui: BrowserUi): Promise<{ server: TestServer; upstream: FakeUpstream }> {
  const upstream = await startFakeUpstream({ models: ['slow-model'] });
  upstreams.push(upstream);
  upstream.script({ kind: 'reply', text: slowText, tokenDelayMs });
  const model = { id: 'slow-model', title: 'Slow model' };
  const provider = { type: 'openai-compatible' as const, id: 'slow', baseUrl: upstream.url, models: [model] };
  return { server: await ui.server({ providers: [provider] }), upstream };
}

async function slowServer(ui: BrowserUi): Promise<TestServer> {
  return (await fakeModelServer(ui)).server;
}

/** The last answer on the page as shown now: its status and text (read at once, without waiting). */
async function answerNow(page: Page): Promise<{ status: string | null; text: string }> {
  return page.evaluate(() => {
    const last = [...document.querySelectorAll('article[data-role="assistant"]')].at(-1);
    const text = last?.querySelector('.markdown')?.textContent ?? '';
    return { status: last?.getAttribute('data-status') ?? null, text: text.trim() };
  });
}

/** The text of the last answer on the page, as shown. */
async function shownAnswer(page: Page): Promise<string> {
  return (await answerNow(page)).text;
}

/** Waits until the answer on the page is streaming and shows at least `length` characters. */
async function waitForStreamedText(page: Page, length: number): Promise<string> {
  return pollUntil(
    async () => {
      const { status, text } = await answerNow(page);
      return status === 'streaming' && text.length >= length ? text : undefined;
    },
    `an answer streaming past ${length} characters`,
    { timeoutMs: defaultWaitMs },
  );
}

interface StoredAnswer {
  id: string;
  text: string;
  status: string;
  finish: string | undefined;
}

/** The conversation's current-node message as the server stores it. */
async function storedAnswer(server: TestServer, conversationId: string): Promise<StoredAnswer> {
  const conversation = await serverConversation(server, server.alice, conversationId);
  const node = conversation.mapping[conversation.current_node];
  const message = node?.message as
    | { content: { parts: string[] }; status: string; metadata: { finish_details?: { type?: string } } }
    | null
    | undefined;
  return {
    id: conversation.current_node,
    text: message?.content.parts[0] ?? '',
    status: message?.status ?? '',
    finish: message?.metadata.finish_details?.type,
  };
}

/** Polls the server until the answer is no longer being written; returns it. */
async function waitForStoredEnd(server: TestServer, conversationId: string): Promise<StoredAnswer> {
  return pollUntil(
    async () => {
      const stored = await storedAnswer(server, conversationId);
      return stored.status === 'in_progress' ? undefined : stored;
    },
    'the stored answer to end',
    { timeoutMs: 15_000, intervalMs: 100 },
  );
}

/** Samples the shown answer until it stops streaming: every sample must be a prefix of the next. */
async function watchUntilDone(page: Page): Promise<string[]> {
  const samples: string[] = [];
  const deadline = Date.now() + 15_000;
  for (;;) {
    const { status, text } = await answerNow(page);
    samples.push(text);
    if (status !== 'streaming') return samples;
    if (Date.now() > deadline) throw new Error('the answer was still streaming after 15 s');
    await page.waitForTimeout(100);
  }
}

function assertContinuous(samples: string[], final: string): void {
  for (const [index, sample] of samples.entries()) {
    assert.ok(final.startsWith(sample), `sample ${index} (${sample.length} chars) is a prefix of the final text`);
  }
}

/** A second page, signed in as the same user (in its own browser context, like another browser). */
async function anotherPage(ui: BrowserUi, server: TestServer): Promise<OpenedPage> {
  const opened = await ui.page(server);
  await signIn(opened.page, server.alice);
  return opened;
}

/**
 * Sends `prompt` on one page and, once its answer streams, opens the conversation on a second page
 * of the same user (signed in beforehand, so the answer is still young when it gets there).
 */
async function twoPagesOnOneAnswer(ui: BrowserUi, prompt: string) {
  const server = await slowServer(ui);
  const { page } = await ui.page(server);
  await signIn(page, server.alice);
  const second = await anotherPage(ui, server);
  await sendMessage(page, prompt);
  await waitForStreamedText(page, 20);
  const conversationId = conversationIdOf(page);
  await second.page.goto(`/c/${conversationId}`);
  return { server, page, second, conversationId };
}

browserSuite('answers that outlive the page', (ui) => {
  test('a reload mid-answer shows the same answer going on, then finished', async () => {
    const server = await slowServer(ui);
    const { page, log } = await ui.page(server);
    await signIn(page, server.alice);
    await sendMessage(page, 'Write slowly, please');
    const beforeReload = await waitForStreamedText(page, 60);
    const post = await log.waitFor('/backend-api/conversation');
    assert.equal(post.headers['x-backchat-background'], '1', 'the turn asks to outlive the page');
    assert.equal(post.headers['x-backchat-deltas'], '1', 'the turn asks for delta events');
    await screenshot(page, 'resume-before-reload');
    const conversationId = conversationIdOf(page);
    log.clear();
    const streamed = page.waitForResponse((response) => response.url().endsWith(`/${conversationId}/stream`));
    await page.reload();
    await waitForStreamedText(page, beforeReload.length);
    await page.getByRole('button', { name: 'Stop generating' }).waitFor();
    await screenshot(page, 'resume-after-reload-streaming');
    const samples = await watchUntilDone(page);
    const stored = await waitForStoredEnd(server, conversationId);
    assert.equal(stored.status, 'finished_successfully');
    assert.equal(stored.text, slowText);
    // The stream it picked up carried delta events (docs/api.md, "Delta events"): the page asked for
    // them, got the first event whole and most of the rest as insertions, and spliced them back.
    const stream = await streamed;
    assert.equal(stream.request().headers()['x-backchat-deltas'], '1');
    const wire = await stream.text();
    const deltas = wire.match(/^event: delta$/gm)?.length ?? 0;
    const whole = wire.match(/^data: \{"message"/gm)?.length ?? 0;
    assert.ok(whole >= 1, 'the first event is whole');
    assert.ok(deltas > 10 && deltas > whole * 5, `${deltas} delta events, ${whole} whole ones`);
    assert.equal(await messages(page, 'assistant').count(), 1, 'one answer, not a copy');
    assert.equal(await messages(page, 'assistant').getAttribute('data-message-id'), stored.id);
    assert.equal(await messages(page, 'assistant').getAttribute('data-status'), 'complete');
    const final = await shownAnswer(page);
    assert.equal(final, stored.text);
    assert.ok(final.startsWith(beforeReload), 'what was shown before the reload is where the answer went on from');
    assertContinuous(samples, final);
    await page.getByRole('button', { name: 'Send message' }).waitFor();
    // The conversation (its last window), the answer's stream (no new turn), the thumbs; then the title it still lacked.
    assert.deepEqual(log.requests('/backend-api/conversation/').sort(), [
      `GET /backend-api/conversation/${conversationId}/feedback`,
      `GET /backend-api/conversation/${conversationId}/stream`,
      `GET /backend-api/conversation/${conversationId}?tail=100`,
      `POST /backend-api/conversation/gen_title/${conversationId}`,
    ]);
    const turns = log
      .matching('/backend-api/conversation')
      .filter((entry) => entry.path === '/backend-api/conversation');
    assert.deepEqual(turns, [], 'no turn was sent again');
    await screenshot(page, 'resume-after-reload-finished');
    assert.deepEqual(log.pageErrors, []);
  });

  test('a second page shows the answer streaming, and both end with the same text', async () => {
    const { server, page, second, conversationId } = await twoPagesOnOneAnswer(ui, 'Write slowly for two pages');
    const seen = await waitForStreamedText(second.page, 40);
    await second.page.getByRole('button', { name: 'Stop generating' }).waitFor();
    await screenshot(second.page, 'resume-second-page-streaming');
    const samples = await watchUntilDone(second.page);
    const stored = await waitForStoredEnd(server, conversationId);
    await messages(page, 'assistant').and(page.locator('[data-status="complete"]')).waitFor();
    assert.equal(await shownAnswer(second.page), stored.text);
    assert.equal(await shownAnswer(page), stored.text);
    assert.ok(stored.text.startsWith(seen));
    assertContinuous(samples, stored.text);
    assert.equal(await messages(second.page, 'assistant').count(), 1);
  });

  test('Stop on the second page stops the answer for both pages', async () => {
    const { server, page, second, conversationId } = await twoPagesOnOneAnswer(ui, 'Write slowly until stopped');
    await waitForStreamedText(second.page, 40);
    second.log.clear();
    await second.page.getByRole('button', { name: 'Stop generating' }).click();
    for (const each of [page, second.page]) {
      await messages(each, 'assistant').getByText('Stopped').waitFor();
      await each.getByRole('button', { name: 'Send message' }).waitFor();
    }
    assert.deepEqual(second.log.requests(`/backend-api/conversation/${conversationId}/stop`), [
      `POST /backend-api/conversation/${conversationId}/stop`,
    ]);
    await screenshot(page, 'resume-stopped-first-page');
    await screenshot(second.page, 'resume-stopped-second-page');
    const stored = await waitForStoredEnd(server, conversationId);
    assert.equal(stored.status, 'finished_partial_completion');
    assert.equal(stored.finish, 'interrupted');
    assert.ok(stored.text.length < slowText.length, 'the answer was cut');
    assert.equal(await shownAnswer(page), stored.text);
    assert.equal(await shownAnswer(second.page), stored.text);
  });

  test('a page closed mid-answer finds the whole answer when it comes back', async () => {
    const server = await slowServer(ui);
    const { page, context } = await ui.page(server);
    await signIn(page, server.alice);
    await sendMessage(page, 'Write slowly while I am away');
    const shown = await waitForStreamedText(page, 30);
    const conversationId = conversationIdOf(page);
    await context.close();
    const stored = await waitForStoredEnd(server, conversationId);
    assert.equal(stored.status, 'finished_successfully');
    assert.equal(stored.finish, 'stop');
    assert.equal(stored.text, slowText);
    const back = await anotherPage(ui, server);
    await back.page.goto(`/c/${conversationId}`);
    const answer = messages(back.page, 'assistant');
    await answer.and(back.page.locator('[data-status="complete"]')).waitFor();
    assert.equal(await shownAnswer(back.page), slowText);
    assert.ok(slowText.startsWith(shown));
    assert.deepEqual(back.log.requests(`/backend-api/conversation/${conversationId}/stream`), []);
    // The page that sent the first answer left before it ended: the page coming back asks for the title.
    await back.log.waitFor(`/backend-api/conversation/gen_title/${conversationId}`);
    await back.page.locator(`nav[aria-label="Chat history"] a[href="/c/${conversationId}"]`).waitFor();
    await pollUntil(
      async () =>
        (await back.page.locator(`nav[aria-label="Chat history"] a[href="/c/${conversationId}"]`).textContent()) !==
        'New chat'
          ? true
          : undefined,
      'the sidebar shows the new title',
    );
    await screenshot(back.page, 'resume-back-later');
  });

  test('with "Keep generating when I leave" off, closing the page stops the answer', async () => {
    const server = await slowServer(ui);
    const { page, context, log } = await ui.page(server);
    await signIn(page, server.alice);
    await page.getByRole('button', { name: 'Account' }).click();
    await page.getByRole('menuitem', { name: 'Settings' }).click();
    const keep = page.getByRole('switch', { name: 'Keep generating when I leave' });
    assert.equal(await keep.getAttribute('aria-checked'), 'true', 'on by default');
    await keep.click();
    assert.equal(await keep.getAttribute('aria-checked'), 'false');
    await screenshot(page, 'settings-keep-generating-off');
    assert.equal(await page.evaluate(() => localStorage.getItem('backchat.keepGenerating')), 'off');
    await page.keyboard.press('Escape');
    await sendMessage(page, 'Write slowly, but stop when I go');
    await waitForStreamedText(page, 30);
    const post = await log.waitFor('/backend-api/conversation');
    assert.equal(post.headers['x-backchat-background'], undefined, 'a plain turn');
    const conversationId = conversationIdOf(page);
    await context.close();
    const stored = await waitForStoredEnd(server, conversationId);
    assert.equal(stored.status, 'finished_partial_completion');
    assert.equal(stored.finish, 'interrupted');
    assert.ok(stored.text.length < slowText.length, 'the answer was cut when the page went away');
  });

  test('Retry after a failure before any answer sends the same message again: one copy on the server', async () => {
    const { server, upstream } = await fakeModelServer(ui);
    upstream.script({ kind: 'status', status: 500, message: 'The model is resting' });
    const { page, log } = await ui.page(server);
    await signIn(page, server.alice);
    await sendMessage(page, 'Are you awake?');
    const alert = page.locator('.thread-error');
    await alert.getByRole('button', { name: 'Retry' }).waitFor();
    upstream.script({ kind: 'reply', text: 'Awake now.', tokenDelayMs: 2 });
    await alert.getByRole('button', { name: 'Retry' }).click();
    await messages(page, 'assistant').getByText('Awake now.').waitFor();
    await messages(page, 'assistant').locator('[aria-label="Copy message"]').waitFor();
    const posts = log
      .matching('/backend-api/conversation')
      .filter((entry) => entry.path === '/backend-api/conversation');
    const sent = posts.map((entry) => {
      const body = entry.body as { messages: Array<{ id: string }>; parent_message_id: string };
      return [body.messages[0]?.id, body.parent_message_id];
    });
    assert.equal(sent.length, 2);
    assert.deepEqual(sent[1], sent[0], 'the same message id under the same parent');
    const stored = await serverConversation(server, server.alice, conversationIdOf(page));
    const users = Object.values(stored.mapping).filter(
      (node) => (node.message as { author?: { role?: string } } | null)?.author?.role === 'user',
    );
    assert.equal(users.length, 1, 'one copy of the question');
    const list = await server.request('/backend-api/conversations?offset=0&limit=28', { as: server.alice });
    assert.equal(((await list.json()) as { total: number }).total, 1, 'one conversation, not one per attempt');
    assert.equal(await messages(page, 'user').count(), 1);
    await screenshot(page, 'retry-same-turn');
  });
});
