/**
 * Math in the browser: KaTeX is a chunk of its own, loaded the first time a formula is drawn. A
 * conversation without math never asks for it; one with math gets its formulas typeset (after a
 * reload too), with no formula left as its source.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { browserSuite, screenshot, signIn } from '../helpers/browser.js';
import type { TestServer } from '../helpers/test-server.js';
import { insertLinearConversation } from '../store/store-fixtures.js';

const euler = 'Euler: $e^{i\\pi} + 1 = 0$, and the area:\n\n$$\n\\int_0^1 x\\,dx = \\frac{1}{2}\n$$\n\nDone.';

/** A conversation of one question and `answer`, straight in the store; returns its id and the answer's. */
async function seedAnswer(server: TestServer, answer: string): Promise<{ id: string; answerId: string }> {
  const { id, ids } = await insertLinearConversation(server.deps.store, server.alice.id, ['A question', answer]);
  return { id, answerId: ids[1] ?? '' };
}

/** The paths of the KaTeX chunk the page asked for. */
function katexRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (/^\/assets\/katex-render-[\w-]+\.js$/.test(path)) seen.push(path);
  });
  return seen;
}

/** Waits until the answer is drawn as markdown (not its plain text while the renderer loads). */
async function renderedAnswer(page: Page, answerId: string) {
  const body = page.locator(`article[data-message-id="${answerId}"] .markdown:not(.markdown-pending)`);
  await body.waitFor();
  return body;
}

browserSuite('math', (ui) => {
  test('KaTeX loads only for a conversation with math, and typesets every formula', async () => {
    const server = await ui.server();
    const plain = await seedAnswer(server, 'Prices went from $5 to $10.\n\n```sh\necho $HOME\n```');
    const withMath = await seedAnswer(server, euler);
    const { page } = await ui.page(server);
    const katex = katexRequests(page);
    await signIn(page, server.alice);

    await page.goto(`${server.url}/c/${plain.id}`);
    const plainBody = await renderedAnswer(page, plain.answerId);
    assert.match((await plainBody.textContent()) ?? '', /Prices went from \$5 to \$10\./);
    assert.equal(await page.locator('.katex').count(), 0);
    assert.deepEqual(katex, [], 'no math: KaTeX is never asked for');

    await page.goto(`${server.url}/c/${withMath.id}`);
    const body = await renderedAnswer(page, withMath.answerId);
    await body.locator('.katex-display').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('.math-pending').length === 0);
    assert.equal(await body.locator('.katex').count(), 2, 'the inline formula and the display one');
    assert.equal(await body.locator('.math-display .katex-display').count(), 1);
    // The formulas written, typeset (KaTeX's HTML: π and ∫ are its glyphs for \pi and \int).
    const formulas = (await body.locator('.katex').allTextContents()).map((text) => text.replace(/\u200b/g, ''));
    assert.match(formulas[0] ?? '', /^eiπ\+1=0$/);
    assert.match(formulas[1] ?? '', /^∫01xdx=21$/);
    assert.match((await body.textContent()) ?? '', /Done\./);
    assert.equal(katex.length, 1, 'loaded once');
    await screenshot(page, 'math-typeset');

    await page.reload();
    const again = await renderedAnswer(page, withMath.answerId);
    await again.locator('.katex-display').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('.math-pending').length === 0);
    assert.equal(await again.locator('.katex').count(), 2);
  });

  test('when KaTeX cannot load, formulas stay as their source and the rest of the answer renders', async () => {
    const server = await ui.server();
    const withMath = await seedAnswer(server, euler);
    const { page, log } = await ui.page(server);
    await page.route(/\/assets\/katex-render-[^/]*\.js$/, (route) => route.abort());
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await signIn(page, server.alice);
    await page.goto(`${server.url}/c/${withMath.id}`);
    const body = await renderedAnswer(page, withMath.answerId);
    await page.waitForFunction(() => document.querySelectorAll('.math-pending').length === 2);
    assert.deepEqual(await body.locator('.math-pending').allTextContents(), [
      '$e^{i\\pi} + 1 = 0$',
      '$$\\int_0^1 x\\,dx = \\frac{1}{2}$$',
    ]);
    assert.equal(await body.locator('.katex').count(), 0);
    assert.match((await body.textContent()) ?? '', /Euler: .*Done\./s);
    assert.deepEqual(errors, []);
    assert.deepEqual(log.pageErrors, []);
  });
});
