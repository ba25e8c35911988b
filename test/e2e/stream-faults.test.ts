/**
 * Streams that do not simply finish, against a fake OpenAI-compatible upstream: an answer cut by the
 * token limit ("Continue generating", action `continue`); the connection lost mid-stream, which in
 * background mode (the default) is picked up again after the last event seen, and with "Keep
 * generating when I leave" off keeps the partial text with Retry.
 */
import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { after, test } from 'node:test';
import {
  browserSuite,
  conversationIdOf,
  messages,
  screenshot,
  sendMessage,
  serverConversation,
  signIn,
  waitForAnswers,
} from '../helpers/browser.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';

const longText =
  'Rome was not built in a day, and neither was this answer, which keeps going for quite a while ' +
  'so that a small token limit cuts it somewhere in the middle of a sentence about aqueducts.';

/** A TCP relay in front of the server whose connections can all be cut at once (a network loss). */
async function startCuttableProxy(target: string) {
  const { port, hostname } = new URL(target);
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const relay = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    track(client);
    track(upstream);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const address = relay.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    cut: () => {
      for (const socket of sockets) socket.destroy();
    },
    close: () => new Promise<void>((resolve) => relay.close(() => resolve())),
  };
}

const upstreams: FakeUpstream[] = [];
after(async () => {
  await Promise.all(upstreams.map((upstream) => upstream.close()));
});

async function fakeModel(maxOutputTokens?: number) {
  const upstream = await startFakeUpstream({ models: ['fake-model'] });
  upstreams.push(upstream);
  const model = { id: 'fake-model', title: 'Fake model', ...(maxOutputTokens && { maxOutputTokens }) };
  return {
    upstream,
    provider: { type: 'openai-compatible' as const, id: 'fake', baseUrl: upstream.url, models: [model] },
  };
}

browserSuite('stream faults', (ui) => {
  test('an answer cut by the token limit offers Continue generating; the continuation joins it', async () => {
    const { upstream, provider } = await fakeModel(12);
    upstream.script({ kind: 'reply', text: longText, tokenDelayMs: 2 });
    const server = await ui.server({ providers: [provider] });
    const { page, log } = await ui.page(server);
    await signIn(page, server.alice);
    await sendMessage(page, 'Tell me about Rome');
    const answerId = await waitForAnswers(page, 1);
    const button = page.getByRole('button', { name: 'Continue generating' });
    await button.waitFor();
    const before = (await messages(page, 'assistant').locator('.markdown').textContent()) ?? '';
    await screenshot(page, 'continue-generating-light');
    log.clear();
    await button.click();
    await log.waitFor('/backend-api/lat/r');
    const post = log.matching('/backend-api/conversation').find((entry) => entry.path === '/backend-api/conversation');
    const body = post?.body as Record<string, unknown>;
    assert.equal(body.action, 'continue');
    assert.deepEqual(body.messages, []);
    assert.equal(body.parent_message_id, answerId);
    assert.ok(body.conversation_id);
    await page.locator('article[data-role="assistant"]:not([data-status="streaming"])').waitFor();
    assert.equal(await messages(page, 'assistant').count(), 1, 'the continuation is shown as part of the answer');
    const after = (await messages(page, 'assistant').locator('.markdown').textContent()) ?? '';
    assert.ok(after.length > before.length && after.startsWith(before.trim().slice(0, 20)));
    await button.waitFor();
  });

  test('in background mode, a stream lost mid-answer is picked up after the last event and finishes', async () => {
    const { upstream, provider } = await fakeModel();
    upstream.script({ kind: 'reply', text: longText, tokenDelayMs: 25 });
    const server = await ui.server({ providers: [provider] });
    const proxy = await startCuttableProxy(server.url);
    const { page, log } = await ui.page(proxy);
    await signIn(page, server.alice);
    await sendMessage(page, 'Are you still there?');
    const answer = messages(page, 'assistant');
    await answer.getByText('Rome').waitFor();
    const before = ((await answer.locator('.markdown').textContent()) ?? '').trim();
    log.clear();
    proxy.cut();
    const reattach = await log.waitFor('/backend-api/conversation/', 'GET');
    await waitForAnswers(page, 1);
    const conversationId = conversationIdOf(page);
    assert.equal(reattach.path, `/backend-api/conversation/${conversationId}/stream`);
    assert.match(reattach.headers['last-event-id'] ?? '', /^[1-9]\d*$/, 'picked up after the last event seen');
    assert.equal(await answer.count(), 1);
    assert.equal(await answer.getAttribute('data-status'), 'complete');
    assert.equal(await answer.getByRole('alert').count(), 0, 'no error shown');
    const shown = ((await answer.locator('.markdown').textContent()) ?? '').trim();
    const stored = await serverConversation(server, server.alice, conversationId);
    assert.equal(shown, stored.mapping[stored.current_node]?.message?.content.parts[0]);
    assert.equal(shown, longText);
    assert.ok(shown.startsWith(before));
    await screenshot(page, 'connection-lost-picked-up-light');
    proxy.cut();
    await proxy.close();
  });

  test('with the setting off, the connection lost mid-stream keeps the partial answer and offers Retry', async () => {
    const { upstream, provider } = await fakeModel();
    upstream.script({ kind: 'stall', afterChunks: 6, text: longText });
    const server = await ui.server({ providers: [provider] });
    const proxy = await startCuttableProxy(server.url);
    const { page } = await ui.page(proxy, { storage: { 'backchat.keepGenerating': 'off' } });
    await signIn(page, server.alice);
    await sendMessage(page, 'Are you there?');
    const answer = messages(page, 'assistant');
    await answer.getByText('Rome').waitFor();
    proxy.cut();
    const alert = answer.getByRole('alert');
    await alert.getByText('The connection was lost before the answer finished.').waitFor();
    assert.match((await answer.locator('.markdown').textContent()) ?? '', /Rome/);
    await screenshot(page, 'connection-lost-light');
    upstream.script({ kind: 'reply', text: 'Back again.', tokenDelayMs: 2 });
    await alert.getByRole('button', { name: 'Retry' }).click();
    await answer.getByText('Back again.').waitFor();
    await waitForAnswers(page, 1);
    await answer.getByText('2 / 2').waitFor();
    proxy.cut();
    await proxy.close();
  });
});
