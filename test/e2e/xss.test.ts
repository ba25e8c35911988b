/**
 * The XSS corpus (test/fixtures/xss, 400+ payloads) rendered by the real app in real Chromium, in every sink:
 * the assistant's answer while it streams and after a reload, the user's message, and the conversation title in
 * the sidebar. Instrumented for anything that runs or leaves: alert/confirm/prompt/print calls, dialogs, CSP
 * violations, requests to any other origin (a loopback canary server stands in for "elsewhere"), navigations
 * away and pop-ups. Targets: all zero, and the app still works afterwards. Also asserts the CSP and security
 * headers on the HTML routes.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { loadXssCorpus, type XssPayload } from '../fixtures/xss/load-corpus.js';
import { browserSuite, messages, screenshot, seedConversations, signIn } from '../helpers/browser.js';
import { type CanaryServer, startCanaryServer } from '../helpers/canary-server.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';
import type { TestServer } from '../helpers/test-server.js';
import { fakeProvider } from '../helpers/upstream-server.js';

const batchSize = 24;
const answerTimeoutMs = 60_000;
const secret = 'XSS-SECRET-MARKER';
const titleLimit = 200;

/** Everything the instrumentation saw; every list must stay empty. */
interface Findings {
  calls: string[];
  cspViolations: string[];
  dialogs: string[];
  foreignRequests: string[];
  navigationsAway: string[];
  popups: string[];
  unsafeElements: string[];
}

// Runs in the page before any of its scripts, on every document: records calls to the dialog functions and CSP
// violations into window.__xssCalls (and reports them to the test at once, so a reload loses nothing).
const instrumentation = `(() => {
  window.__xssCalls = [];
  const report = (kind, detail) => {
    window.__xssCalls.push(kind + ': ' + detail);
    try { window.__xssReport(kind, detail); } catch {}
  };
  for (const name of ['alert', 'confirm', 'prompt', 'print']) {
    window[name] = function (...args) { report('call', name + '(' + args.map(String).join(', ') + ')'); return null; };
  }
  document.addEventListener('securitypolicyviolation', (event) => {
    report('csp', event.violatedDirective + ' blocked ' + event.blockedURI + ' ' + (event.sample || ''));
  }, true);
})();`;

// A scan of the rendered content for anything the renderer must never leave (run as a string: no helpers).
const scanRenderedContent = `(() => {
  const found = [];
  const forbidden = ['script','iframe','frame','object','embed','base','meta','form','style','link','input','textarea','select','math','template','video','audio','source','picture'];
  const urlAttributes = ['src','srcset','action','formaction','background','poster','xlink:href','data','ping'];
  const check = (element, strict) => {
    const tag = element.localName;
    if (forbidden.includes(tag)) found.push('<' + tag + '>');
    if (strict && tag === 'svg' && !element.closest('.katex')) found.push('<svg> outside KaTeX');
    for (const attribute of element.attributes) {
      const name = attribute.name.toLowerCase();
      const value = attribute.value;
      if (name.startsWith('on')) found.push(tag + ' ' + name);
      if (strict && name === 'style' && !element.closest('.katex, .katex-error')) found.push(tag + ' style=' + value);
      if (urlAttributes.includes(name) && !(tag === 'img' && name === 'src' && /^data:image\\/(png|jpeg|gif|webp);base64,/i.test(value))) found.push(tag + ' ' + name + '=' + value);
      if (name === 'href' && /^[\\s\\u0000-\\u001f]*(javascript|vbscript|data):/i.test(value)) found.push(tag + ' href=' + value);
    }
  };
  for (const root of document.querySelectorAll('.markdown')) for (const element of root.querySelectorAll('*')) check(element, true);
  for (const root of document.querySelectorAll('nav[aria-label="Chat history"]')) for (const element of root.querySelectorAll('*')) check(element, false);
  return found;
})()`;

function emptyFindings(): Findings {
  return {
    calls: [],
    cspViolations: [],
    dialogs: [],
    foreignRequests: [],
    navigationsAway: [],
    popups: [],
    unsafeElements: [],
  };
}

function batches(corpus: XssPayload[]): XssPayload[][] {
  const result: XssPayload[][] = [];
  for (let start = 0; start < corpus.length; start += batchSize) result.push(corpus.slice(start, start + batchSize));
  return result;
}

/** One payload per paragraph. */
function batchText(batch: XssPayload[]): string {
  return batch.map((payload) => payload.text).join('\n\n');
}

async function instrumentedContext(context: BrowserContext, appOrigin: string, findings: Findings): Promise<void> {
  await context.exposeBinding('__xssReport', (_source, kind: string, detail: string) => {
    (kind === 'csp' ? findings.cspViolations : findings.calls).push(detail);
  });
  await context.addInitScript({ content: instrumentation });
  let opened = 0;
  context.on('page', (page) => {
    opened += 1;
    if (opened > 1) findings.popups.push(page.url() || 'a new window');
    watchPage(page, appOrigin, findings);
  });
}

function watchPage(page: Page, appOrigin: string, findings: Findings): void {
  page.on('dialog', (dialog) => {
    findings.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss().catch(() => {});
  });
  page.on('request', (request) => {
    const url = request.url();
    if (url.startsWith('data:') || url.startsWith('blob:')) return;
    if (new URL(url).origin !== appOrigin) findings.foreignRequests.push(`${request.method()} ${url}`);
  });
  page.on('framenavigated', (frame) => {
    if (frame !== page.mainFrame()) return;
    const url = frame.url();
    if (url !== 'about:blank' && new URL(url).origin !== appOrigin) findings.navigationsAway.push(url);
  });
}

/** Scans the rendered content; returns how many elements it looked at inside `.markdown`. */
async function scan(page: Page, findings: Findings, label: string): Promise<number> {
  const found = (await page.evaluate(scanRenderedContent)) as string[];
  findings.unsafeElements.push(...found.map((problem) => `${label}: ${problem}`));
  // What the answers rendered (a user's message is plain text, never markup: no elements to count).
  return (await page.evaluate(
    `document.querySelectorAll('article[data-role="assistant"] .markdown *').length`,
  )) as number;
}

/** Waits until the last answer has finished streaming and is rendered as markdown (not the plain-text stand-in). */
async function waitForRenderedAnswer(page: Page, timeoutMs = answerTimeoutMs): Promise<void> {
  const answer = messages(page, 'assistant').last();
  await answer.locator('[aria-label="Copy message"]').waitFor({ timeout: timeoutMs });
  await answer.locator('.markdown:not(.markdown-pending)').first().waitFor({ timeout: timeoutMs });
}

function assertClean(findings: Findings, canary: CanaryServer): void {
  assert.deepEqual(
    { ...findings, canaryHits: canary.hits.map((hit) => `${hit.method} ${hit.path}`) },
    { ...emptyFindings(), canaryHits: [] },
  );
}

function cspDirectives(header: string | null): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of (header ?? '').split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) directives.set(name.toLowerCase(), values);
  }
  return directives;
}

browserSuite('XSS corpus in Chromium', (ui) => {
  let canary: CanaryServer;
  let upstream: FakeUpstream;
  let server: TestServer;
  let corpus: XssPayload[];
  let page: Page;
  const findings = emptyFindings();
  const conversationIds: string[] = [];
  const timings: string[] = [];

  before(async () => {
    canary = await startCanaryServer();
    upstream = await startFakeUpstream({ models: ['fake-model'] });
    server = await ui.server({
      providers: [fakeProvider(upstream, ['fake-model'])],
    });
    corpus = loadXssCorpus({ canaryPort: canary.port, secret });
    const context = await ui.browser().newContext({ baseURL: server.url, viewport: { width: 1280, height: 900 } });
    await instrumentedContext(context, new URL(server.url).origin, findings);
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto('/');
    await signIn(page, server.alice);
  });

  after(async () => {
    if (timings.length) console.log(`XSS corpus: ${corpus.length} payloads; ${timings.join('; ')}`);
    await page?.context().close();
    await upstream?.close();
    await canary?.close();
  });

  test('CSP and security headers on every HTML route', async () => {
    const response = await server.request('/backend-api/conversations?offset=0&limit=1', { as: server.alice });
    assert.equal(response.status, 200);
    for (const path of ['/', '/index.html', `/c/${crypto.randomUUID()}`]) {
      const html = await server.request(path);
      assert.equal(html.status, 200, path);
      assert.match(html.headers.get('content-type') ?? '', /^text\/html/, path);
      const csp = cspDirectives(html.headers.get('content-security-policy'));
      assert.deepEqual(csp.get('default-src'), ["'self'"], path);
      assert.ok(csp.get('script-src')?.includes("'self'"), path);
      for (const unsafe of ["'unsafe-inline'", "'unsafe-eval'"])
        assert.ok(!csp.get('script-src')?.includes(unsafe), path);
      assert.deepEqual(csp.get('object-src'), ["'none'"], path);
      assert.deepEqual(csp.get('base-uri'), ["'none'"], path);
      assert.deepEqual(csp.get('frame-ancestors'), ["'none'"], path);
      assert.deepEqual(csp.get('img-src'), ["'self'", 'data:', 'blob:'], path);
      assert.equal(html.headers.get('x-content-type-options'), 'nosniff', path);
      assert.match(
        html.headers.get('referrer-policy') ?? '',
        /^(no-referrer|strict-origin-when-cross-origin|same-origin)$/,
      );
    }
  });

  test('the instrumentation catches what it looks for (probes, in a context of their own)', async () => {
    const probeFindings = emptyFindings();
    const context = await ui.browser().newContext({ baseURL: server.url });
    try {
      await instrumentedContext(context, new URL(server.url).origin, probeFindings);
      const probe = await context.newPage();
      await probe.goto('/');
      await probe.evaluate('alert("probe")');
      await probe.evaluate(`document.body.insertAdjacentHTML('beforeend', '<img src="${canary.origin}/probe-csp">')`);
      await probe.waitForTimeout(300);
      await probe.goto(`${canary.origin}/probe-navigation`);
      assert.deepEqual(probeFindings.calls, ['alert(probe)']);
      assert.equal(probeFindings.cspViolations.length, 1, probeFindings.cspViolations.join('\n'));
      assert.match(probeFindings.cspViolations[0] ?? '', /^img-src blocked http:\/\/127\.0\.0\.1:\d+\/probe-csp/);
      // Chromium reports the CSP-blocked image as a request too (it never reaches the canary): attempts count.
      assert.deepEqual(probeFindings.foreignRequests, [
        `GET ${canary.origin}/probe-csp`,
        `GET ${canary.origin}/probe-navigation`,
      ]);
      assert.deepEqual(probeFindings.navigationsAway, [`${canary.origin}/probe-navigation`]);
      assert.ok(
        canary.hits.some((hit) => hit.path === '/probe-navigation'),
        'the canary counted the probe',
      );
    } finally {
      await context.close();
      // The navigated-to canary page may still ask for its favicon: let that land before forgetting the probes.
      await new Promise((resolve) => setTimeout(resolve, 500));
      canary.hits.length = 0;
    }
  });

  test('assistant answers while streaming, and the user messages that asked for them', async () => {
    const started = performance.now();
    let blockedImages = 0;
    for (const [index, batch] of batches(corpus).entries()) {
      const text = batchText(batch);
      upstream.script({ kind: 'reply', text, tokenDelayMs: 1 });
      await page.goto('/');
      const box = page.getByRole('textbox', { name: 'Message' });
      await box.fill(text);
      await page.getByRole('button', { name: 'Send message' }).click();
      await waitForRenderedAnswer(page);
      await page.waitForURL(/\/c\/[0-9a-f-]{36}$/);
      conversationIds.push(new URL(page.url()).pathname.slice(3));
      const scanned = await scan(page, findings, `streamed batch ${index} (${batch[0]?.id}…)`);
      assert.ok(scanned >= batch.length, `batch ${index} rendered as markdown (${scanned} elements)`);
      assert.equal(await page.locator('article[data-role="user"] .markdown *').count(), 0, 'the prompt is plain text');
      blockedImages += await page.locator('article[data-role="assistant"] .markdown .blocked-image').count();
      if (index === 0) await screenshot(page, 'xss-assistant-streamed');
    }
    // The answers' remote images (32 in this corpus), each a placeholder.
    assert.ok(blockedImages >= 30, `remote images shown as placeholders (${blockedImages})`);
    timings.push(
      `streamed ${conversationIds.length} batches in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    assertClean(findings, canary);
  });

  test('the same conversations after a reload (/c/<id>)', async () => {
    assert.ok(conversationIds.length > 0, 'the streaming test made conversations');
    const started = performance.now();
    for (const [index, id] of conversationIds.entries()) {
      await page.goto(`/c/${id}`);
      await waitForRenderedAnswer(page);
      // Rendering is lazy for messages far off-screen: scroll the whole answer through the viewport.
      await messages(page, 'user').first().scrollIntoViewIfNeeded();
      await messages(page, 'assistant').last().scrollIntoViewIfNeeded();
      const scanned = await scan(page, findings, `reloaded conversation ${index}`);
      const payloads = batches(corpus)[index]?.length ?? batchSize;
      assert.ok(scanned >= payloads, `conversation ${index} rendered as markdown after reload (${scanned} elements)`);
    }
    await screenshot(page, 'xss-after-reload');
    timings.push(`reloaded ${conversationIds.length} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    assertClean(findings, canary);
  });

  test('conversation titles in the sidebar', async () => {
    const started = performance.now();
    const titles = corpus.map((payload) => payload.text.slice(0, titleLimit));
    const ids = await seedConversations(
      server,
      server.alice,
      titles.map((_title, index) => `placeholder ${index}`),
    );
    for (const [index, id] of ids.entries()) {
      const response = await server.request(`/backend-api/conversation/${id}`, {
        method: 'PATCH',
        as: server.alice,
        json: { title: titles[index] },
      });
      assert.equal(response.status, 200, `PATCH title ${corpus[index]?.id}: ${await response.text()}`);
    }
    await page.goto('/');
    const history = page.getByRole('navigation', { name: 'Chat history' });
    const links = history.locator('a[href^="/c/"]');
    const expected = ids.length + conversationIds.length;
    const deadline = Date.now() + 60_000;
    while ((await links.count()) < expected && Date.now() < deadline) {
      await links.last().scrollIntoViewIfNeeded();
      await page.waitForTimeout(100);
    }
    assert.equal(await links.count(), expected, 'every conversation is listed');
    await scan(page, findings, 'sidebar');
    await screenshot(page, 'xss-sidebar');
    timings.push(`${ids.length} titles in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    assertClean(findings, canary);
  });

  test('the app still works afterwards', async () => {
    upstream.script({ kind: 'reply', text: 'Still **working**.', tokenDelayMs: 1 });
    await page.goto('/');
    await page.getByRole('textbox', { name: 'Message' }).fill('Are you still there?');
    await page.getByRole('button', { name: 'Send message' }).click();
    await waitForRenderedAnswer(page);
    assert.match(await messages(page, 'assistant').last().innerHTML(), /<strong>working<\/strong>/);
    assertClean(findings, canary);
  });
});
