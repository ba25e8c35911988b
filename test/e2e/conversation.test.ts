/**
 * Conversations in the browser: three turns and a reload of the deep link; regenerate, edit and
 * `< 2 / 2 >` switching (the server's current_node follows); stop mid-stream; copy and feedback.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pollUntil } from '../helpers/bounded.js';
import {
  browserSuite,
  conversationIdOf,
  type LoggedRequest,
  messages,
  screenshot,
  sendMessage,
  serverConversation,
  signIn,
  waitForAnswers,
} from '../helpers/browser.js';

function conversationPosts(entries: LoggedRequest[]): Array<Record<string, unknown>> {
  return entries
    .filter((entry) => entry.method === 'POST' && entry.path === '/backend-api/conversation')
    .map((entry) => entry.body as Record<string, unknown>);
}

function firstMessageId(body: Record<string, unknown> | undefined): string {
  return (body?.messages as Array<{ id: string }> | undefined)?.[0]?.id ?? '';
}

browserSuite('conversation', (ui) => {
  test('three turns chain their parents, and the deep link shows the same thread after a reload', async () => {
    const server = await ui.server();
    const { page, log } = await ui.page(server);
    await signIn(page, server.alice);
    const answers: string[] = [];
    for (const [index, text] of ['First question', 'Second question', 'Third question'].entries()) {
      await sendMessage(page, text);
      answers.push(await waitForAnswers(page, index + 1));
    }
    const posts = conversationPosts(log.entries);
    assert.equal(posts.length, 3);
    const conversationId = conversationIdOf(page);
    assert.equal(posts[1]?.conversation_id, conversationId);
    assert.equal(posts[1]?.parent_message_id, answers[0]);
    assert.equal(posts[2]?.parent_message_id, answers[1]);
    const prompts = await messages(page, 'user').locator('.markdown').allTextContents();
    assert.deepEqual(
      prompts.map((text) => text.trim()),
      ['First question', 'Second question', 'Third question'],
    );

    await page.reload();
    await waitForAnswers(page, 3);
    assert.deepEqual(
      await messages(page, 'assistant').evaluateAll((nodes) =>
        nodes.map((node) => node.getAttribute('data-message-id')),
      ),
      answers,
    );
    assert.equal(await messages(page, 'user').count(), 3);
    await page.getByRole('textbox', { name: 'Message' }).focus();
    await screenshot(page, 'three-turns-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'three-turns-dark');
  });

  test('regenerate and edit make branches; < 2 / 2 > switches them and moves current_node', async () => {
    const server = await ui.server();
    const { page, log } = await ui.page(server);
    await signIn(page, server.alice);
    await sendMessage(page, 'Branch me');
    const firstAnswer = await waitForAnswers(page, 1);
    const conversationId = conversationIdOf(page);
    const [first] = conversationPosts(log.entries);
    const userId = firstMessageId(first);

    // Regenerate: action variant, same user message, its parent.
    await messages(page, 'assistant').hover();
    await page.getByRole('button', { name: 'Regenerate' }).click();
    await page.locator(`article[data-role="assistant"]:not([data-message-id="${firstAnswer}"])`).waitFor();
    const secondAnswer = await waitForAnswers(page, 1);
    assert.notEqual(secondAnswer, firstAnswer);
    const variant = conversationPosts(log.entries)[1];
    assert.equal(variant?.action, 'variant');
    assert.equal(firstMessageId(variant), userId);
    assert.equal(variant?.parent_message_id, first?.parent_message_id);
    assert.equal(variant?.conversation_id, conversationId);
    const answer = messages(page, 'assistant');
    await answer.getByText('2 / 2').waitFor();

    // Back to the first answer: the server's current_node follows.
    await answer.getByRole('button', { name: 'Previous response' }).click();
    await page.locator(`article[data-message-id="${firstAnswer}"]`).getByText('1 / 2').waitFor();
    await log.waitFor(`/backend-api/conversation/${conversationId}`, 'PATCH');
    const patch = log.matching(`/backend-api/conversation/${conversationId}`).find((entry) => entry.method === 'PATCH');
    assert.deepEqual(patch?.body, { current_node: firstAnswer });
    assert.equal((await serverConversation(server, server.alice, conversationId)).current_node, firstAnswer);

    // Edit the prompt: a new user message beside the old one (action next, new id, same parent).
    await messages(page, 'user').hover();
    await page.getByRole('button', { name: 'Edit message' }).click();
    await page.getByRole('textbox', { name: 'Edit message text' }).fill('Branch me differently');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await messages(page, 'user').getByText('2 / 2').waitFor();
    const editedAnswer = await waitForAnswers(page, 1);
    const edit = conversationPosts(log.entries)[2];
    assert.equal(edit?.action, 'next');
    assert.notEqual(firstMessageId(edit), userId);
    assert.match(firstMessageId(edit), /^aaa/);
    assert.equal(edit?.parent_message_id, first?.parent_message_id);
    assert.equal((await messages(page, 'user').locator('.markdown').textContent())?.trim(), 'Branch me differently');
    await screenshot(page, 'branch-edited-light');

    // Back to the original prompt: its newest answer (the regenerated one) shows, on the server too.
    await messages(page, 'user').getByRole('button', { name: 'Previous response' }).click();
    await messages(page, 'user').getByText('1 / 2').waitFor();
    await page.locator(`article[data-message-id="${secondAnswer}"]`).waitFor();
    assert.equal((await messages(page, 'user').locator('.markdown').textContent())?.trim(), 'Branch me');
    await pollUntil(
      async () =>
        (await serverConversation(server, server.alice, conversationId)).current_node === secondAnswer
          ? true
          : undefined,
      `current_node becomes ${secondAnswer}`,
    );
    await page.reload();
    await page.locator(`article[data-message-id="${secondAnswer}"]`).getByText('2 / 2').waitFor();
    assert.notEqual(editedAnswer, secondAnswer);
  });

  test('stop mid-stream keeps the partial answer, marked Stopped, also after a reload', async () => {
    const server = await ui.server({ providers: [{ type: 'demo', id: 'demo', tokenDelayMs: 40 }] });
    const { page } = await ui.page(server);
    await signIn(page, server.alice);
    await sendMessage(page, 'Please write slowly');
    const streaming = page.locator('article[data-role="assistant"][data-status="streaming"] .markdown');
    await streaming.getByText('You asked').waitFor();
    await page.getByRole('button', { name: 'Stop generating' }).waitFor();
    await screenshot(page, 'streaming-light');
    await page.keyboard.press('Escape');
    const answer = messages(page, 'assistant');
    await answer.getByText('Stopped').waitFor();
    await page.getByRole('button', { name: 'Send message' }).waitFor();
    const partial = (await answer.locator('.markdown').textContent()) ?? '';
    assert.match(partial, /You asked/);
    assert.doesNotMatch(partial, /restart backchat/, 'the answer was cut before its end');
    await screenshot(page, 'stopped-light');
    const conversationId = conversationIdOf(page);
    const id = (await answer.getAttribute('data-message-id')) ?? '';
    const stored = await serverConversation(server, server.alice, conversationId);
    const finish = stored.mapping[id]?.message?.metadata.finish_details as { type: string } | undefined;
    assert.deepEqual(finish?.type, 'interrupted');
    await page.reload();
    await messages(page, 'assistant').getByText('Stopped').waitFor();
  });

  test('copy and feedback on an answer', async () => {
    const server = await ui.server();
    const { page, context, log } = await ui.page(server);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await signIn(page, server.alice);
    await page.getByRole('button', { name: 'Model' }).click();
    const demo = page.getByRole('menuitemradio', { name: /Demo/ });
    await demo.getByText('Demo', { exact: true }).waitFor();
    await demo.getByText(/not an LLM/).waitFor();
    assert.equal(await demo.getAttribute('aria-checked'), 'true');
    await screenshot(page, 'model-menu-light');
    await page.keyboard.press('Escape');
    await sendMessage(page, 'Copy this');
    const answerId = await waitForAnswers(page, 1);
    await page.getByRole('button', { name: 'Copy message' }).click();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert.match(copied, /^\*\*Demo reply\*\*/, 'the markdown source is copied');
    await page.getByRole('button', { name: 'Good response' }).click();
    const feedback = await log.waitFor('/backend-api/conversation/message_feedback');
    assert.deepEqual(feedback.body, {
      message_id: answerId,
      conversation_id: conversationIdOf(page),
      rating: 'thumbsUp',
    });
    assert.equal(await page.getByRole('button', { name: 'Good response' }).getAttribute('aria-pressed'), 'true');
    await page.locator('.copy-code').first().click();
    const code = await page.evaluate(() => navigator.clipboard.readText());
    assert.ok(code.length > 0 && !code.includes('Copy'), 'a code block copies its code');
    // The rating survives a reload.
    await log.settled();
    await page.reload();
    await waitForAnswers(page, 1);
    await page.locator('button[aria-label="Good response"][aria-pressed="true"]').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Bad response' }).getAttribute('aria-pressed'), 'false');
  });
});
