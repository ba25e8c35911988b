/**
 * The page's request flow, the same as ChatGPT's Dec-2023 web app (the table in docs/web-ui.md),
 * asserted from the page's own network log: a new chat asks for starter prompts and sends the "Show
 * Starter Prompts" batch; sending does the account check, the conversation stream, the history
 * refresh, the latency report and, after the first answer only, the title — in that order and with
 * ChatGPT's bodies.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { browserSuite, type LoggedRequest, screenshot, sendMessage, signIn } from '../helpers/browser.js';
import { seedFirstTurnKeys } from '../helpers/turns.js';

const uuidV4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const clientId = /^aaa[0-9a-f]{5}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const sendFlowSteps = [
  '/backend-api/accounts/check/',
  '/backend-api/conversation',
  '/backend-api/conversations',
  '/backend-api/lat/r',
  '/backend-api/conversation/gen_title/',
];

/** The requests a send makes, as `METHOD path`, in the order the page made them. */
function sendSteps(entries: LoggedRequest[]): string[] {
  return entries
    .filter((entry) => sendFlowSteps.some((step) => entry.path === step || entry.path.startsWith(step)))
    .filter((entry) => !/^\/backend-api\/conversation\/[0-9a-f-]{36}$/.test(entry.path))
    .map((entry) => `${entry.method} ${entry.path}`);
}

async function lastAnswerDone(page: Page): Promise<string> {
  const answer = page.locator('article[data-role="assistant"]').last();
  await answer.locator('[aria-label="Copy message"]').waitFor();
  return (await answer.getAttribute('data-message-id')) ?? '';
}

function body(entry: LoggedRequest | undefined): Record<string, unknown> {
  assert.ok(entry, 'request was made');
  return entry.body as Record<string, unknown>;
}

browserSuite('request flow', (ui) => {
  test('new chat, first turn and a second turn make ChatGPT’s requests in order', async () => {
    const server = await ui.server();
    const { page, log } = await ui.page(server);
    const promptsResponse = page.waitForResponse((response) => response.url().includes('/prompt_library/'));
    await signIn(page, server.alice);
    const prompts = (await (await promptsResponse).json()) as { items: Array<{ title: string; prompt: string }> };
    await log.waitFor('/ces/v1/b');
    await page.getByRole('list', { name: 'Starter prompts' }).getByRole('button').first().waitFor();
    await screenshot(page, 'new-chat-light');

    // On opening a new chat: prompt library, then the analytics batch.
    assert.deepEqual(log.requests('/backend-api/prompt_library/', '/ces/v1/b'), [
      'GET /backend-api/prompt_library/?limit=4&offset=0',
      'POST /ces/v1/b',
    ]);
    const batch = body(log.matching('/ces/v1/b')[0]) as { batch: Array<Record<string, unknown>>; sentAt: string };
    assert.equal(batch.batch.length, 1);
    const event = batch.batch[0] ?? {};
    assert.equal(event.type, 'track');
    assert.equal(event.event, 'Show Starter Prompts');
    assert.equal(event.userId, server.alice.id);
    assert.match(String(event.anonymousId), uuidV4);
    assert.deepEqual(event.integrations, { 'Segment.io': true });
    assert.deepEqual(event.properties, {
      prompt_count: 4,
      prompt_type: 'starter',
      titles: prompts.items.map((item) => item.title),
      origin: 'chat',
      openai_app: 'API',
    });
    const context = event.context as { page: Record<string, string>; library: { name: string }; locale: string };
    assert.equal(context.page.path, '/');
    assert.equal(context.page.url, `${server.url}/`);
    assert.deepEqual(Object.keys(context.page), ['path', 'referrer', 'search', 'title', 'url']);
    assert.equal(context.library.name, 'analytics.js');
    assert.ok(context.locale);
    assert.match(String(event.messageId), /^ajs-next-[0-9a-f]{32}$/);
    assert.ok(!Number.isNaN(Date.parse(String(event.timestamp))));
    assert.deepEqual(event._metadata, { bundled: ['Segment.io'], unbundled: [], bundledIds: [] });
    assert.ok(!Number.isNaN(Date.parse(batch.sentAt)));

    // First turn.
    log.clear();
    const conversationResponse = page.waitForResponse(
      (response) => response.url().endsWith('/backend-api/conversation') && response.request().method() === 'POST',
    );
    await page.getByRole('textbox', { name: 'Message' }).fill('Tell me a random fun fact about the Roman Empire');
    await page.keyboard.press('Enter');
    const firstAnswer = await lastAnswerDone(page);
    const titleRequest = await log.waitFor('/backend-api/conversation/gen_title/');
    const conversationId = titleRequest.path.split('/').at(-1) ?? '';
    const nav = page.getByRole('navigation', { name: 'Chat history' });
    await nav.locator(`a[href="/c/${conversationId}"]`, { hasText: 'Tell Me A Random Fun Fact' }).waitFor();
    assert.equal(new URL(page.url()).pathname, `/c/${conversationId}`);
    assert.deepEqual(sendSteps(log.entries), [
      'GET /backend-api/accounts/check/v4-2023-04-27',
      'POST /backend-api/conversation',
      'GET /backend-api/conversations?offset=0&limit=28&order=updated',
      'POST /backend-api/lat/r',
      `POST /backend-api/conversation/gen_title/${conversationId}`,
    ]);
    const first = body(
      log.matching('/backend-api/conversation').find((entry) => entry.path === '/backend-api/conversation'),
    );
    const timezone = await page.evaluate(() => new Date().getTimezoneOffset());
    assert.deepEqual(Object.keys(first), seedFirstTurnKeys);
    const [message] = first.messages as Array<{ id: string }>;
    assert.match(message?.id ?? '', clientId);
    assert.deepEqual(first.messages, [
      {
        id: message?.id,
        author: { role: 'user' },
        content: { content_type: 'text', parts: ['Tell me a random fun fact about the Roman Empire'] },
        metadata: {},
      },
    ]);
    assert.match(String(first.parent_message_id), clientId);
    assert.notEqual(first.parent_message_id, message?.id);
    assert.equal(first.model, 'demo');
    assert.equal(first.timezone_offset_min, timezone);
    assert.deepEqual(
      first.suggestions,
      prompts.items.map((item) => item.prompt),
    );
    assert.equal(first.history_and_training_disabled, false);
    assert.equal(first.arkose_token, null);
    assert.deepEqual(first.conversation_mode, { kind: 'primary_assistant' });
    assert.equal(first.force_paragen, false);
    assert.equal(first.force_rate_limit, false);

    const latency = body(log.matching('/backend-api/lat/r')[0]);
    const requestId = (await conversationResponse).headers()['x-request-id'];
    assert.ok(requestId);
    assert.equal(latency.server_request_id, requestId);
    assert.equal(latency.model, 'demo');
    for (const field of [
      'preflight_time_ms',
      'count_tokens',
      'ts_first_token_ms',
      'ts_max_token_time_ms',
      'ts_mean_token_without_first_ms',
      'ts_median_token_without_first_ms',
      'ts_min_token_time_ms',
      'ts_p95_token_without_first_ms',
      'ts_p99_token_without_first_ms',
      'ts_std_dev_token_ms',
      'ts_total_request_ms',
    ]) {
      assert.equal(typeof latency[field], 'number', `${field} is a number`);
    }
    assert.ok(Number(latency.count_tokens) > 10);
    assert.ok(Number(latency.ts_first_token_ms) > 0);
    assert.ok(Number(latency.ts_total_request_ms) >= Number(latency.ts_first_token_ms));
    assert.ok(Number(latency.ts_max_token_time_ms) >= Number(latency.ts_p95_token_without_first_ms));
    assert.ok(Number(latency.ts_p95_token_without_first_ms) >= Number(latency.ts_median_token_without_first_ms));
    assert.ok(Number(latency.ts_median_token_without_first_ms) >= Number(latency.ts_min_token_time_ms));
    assert.deepEqual(body(titleRequest), { message_id: firstAnswer });
    await screenshot(page, 'conversation-light');

    // Second turn: continues the conversation, no suggestions, no title.
    log.clear();
    await page.getByRole('textbox', { name: 'Message' }).fill('How true is that?');
    await page.getByRole('button', { name: 'Send message' }).click();
    await page.locator('article[data-role="assistant"]').nth(1).locator('[aria-label="Copy message"]').waitFor();
    await log.waitFor('/backend-api/lat/r');
    assert.deepEqual(sendSteps(log.entries), [
      'GET /backend-api/accounts/check/v4-2023-04-27',
      'POST /backend-api/conversation',
      'GET /backend-api/conversations?offset=0&limit=28&order=updated',
      'POST /backend-api/lat/r',
    ]);
    const second = body(
      log.matching('/backend-api/conversation').find((entry) => entry.path === '/backend-api/conversation'),
    );
    assert.equal(second.conversation_id, conversationId);
    assert.equal(second.parent_message_id, firstAnswer);
    assert.deepEqual(second.suggestions, []);
    assert.deepEqual(Object.keys(second).slice(0, 4), ['action', 'messages', 'conversation_id', 'parent_message_id']);
    assert.deepEqual(log.pageErrors, []);
    assert.deepEqual(log.consoleErrors, []);
  });

  test('choosing a starter prompt sends its prompt text', async () => {
    const server = await ui.server();
    const { page, log } = await ui.page(server);
    const promptsResponse = page.waitForResponse((response) => response.url().includes('/prompt_library/'));
    await signIn(page, server.alice);
    const prompts = (await (await promptsResponse).json()) as { items: Array<{ title: string; prompt: string }> };
    const chosen = prompts.items[2];
    assert.ok(chosen);
    await page.getByRole('list', { name: 'Starter prompts' }).getByRole('button', { name: chosen.title }).click();
    await page.locator('article[data-role="assistant"] [aria-label="Copy message"]').waitFor();
    const post = body(
      log.matching('/backend-api/conversation').find((entry) => entry.path === '/backend-api/conversation'),
    );
    const [message] = post.messages as Array<{ content: { parts: string[] } }>;
    assert.deepEqual(message?.content.parts, [chosen.prompt]);
    assert.deepEqual(
      post.suggestions,
      prompts.items.map((item) => item.prompt),
    );
    assert.equal((await page.locator('article[data-role="user"] .markdown').textContent())?.trim(), chosen.prompt);
  });

  test('what a person typed reads back exactly: plain text with its line breaks, not markdown', async () => {
    const server = await ui.server();
    const { page, log } = await ui.page(server);
    await signIn(page, server.alice);
    const typed = 'Match ^(?=.*\\d)(?=.*[a-z]).{8,}$ and call f(*args, **kwargs)\n# not a heading\n`x` <b>y</b>';
    await sendMessage(page, typed);
    await page.locator('article[data-role="assistant"] [aria-label="Copy message"]').waitFor();
    const shown = page.locator('article[data-role="user"] .markdown');
    // biome-ignore lint/performance/useDomNodeTextContent: the rendered text, line breaks included, is the point
    assert.equal(await shown.innerText(), typed);
    assert.equal(await shown.locator('em, strong, h1, code, b').count(), 0);
    assert.deepEqual(log.pageErrors, []);
  });
});
