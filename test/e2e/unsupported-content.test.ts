/**
 * Content types the app does not render (kept verbatim by the importer): each shows as an
 * "Unsupported content (<type>)" block with its text as plain text — never dropped, never a crash.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { browserSuite, screenshot, signIn } from '../helpers/browser.js';
import { importThroughApi, linearConversation } from './export-fixtures.js';

browserSuite('unsupported content', (ui) => {
  test('code, multimodal and unknown content show as plain-text blocks in order', async () => {
    const server = await ui.server();
    const chat = linearConversation('Mixed content', [
      {
        content_type: 'multimodal_text',
        parts: [
          { content_type: 'image_asset_pointer', asset_pointer: 'file-service://file-abc', width: 10, height: 10 },
          'What is in this <b>picture</b>?',
        ],
      },
      { content_type: 'code', language: 'python', text: "print('<script>alert(1)</script>')" },
      'Plain text after them.',
      { content_type: 'tether_quote', url: 'https://example.com', domain: 'example.com', title: 'Example' },
    ]);
    await importThroughApi(server, server.alice, [chat.conversation]);
    const { page, log } = await ui.page(server);
    await signIn(page, server.alice);
    await page.goto(`/c/${chat.id}`);
    const [image, code, plain, quote] = chat.messageIds.map((id) => page.locator(`article[data-message-id="${id}"]`));
    await quote?.waitFor();

    const imageBlock = image?.locator('.unsupported-content');
    assert.equal(
      await imageBlock?.locator('.unsupported-label').textContent(),
      'Unsupported content (multimodal_text)',
    );
    assert.equal(await imageBlock?.locator('pre').textContent(), 'What is in this <b>picture</b>?');
    assert.equal(await image?.locator('b').count(), 0);

    assert.equal(await code?.locator('.unsupported-label').textContent(), 'Unsupported content (code)');
    assert.equal(await code?.locator('pre').textContent(), "print('<script>alert(1)</script>')");
    assert.equal(await page.locator('article script').count(), 0);

    assert.equal((await plain?.locator('.markdown').textContent())?.trim(), 'Plain text after them.');
    assert.equal(await quote?.locator('.unsupported-label').textContent(), 'Unsupported content (tether_quote)');
    assert.equal(await quote?.locator('pre').count(), 0);
    await screenshot(page, 'unsupported-content-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'unsupported-content-dark');
    assert.deepEqual(log.pageErrors, []);
  });
});
