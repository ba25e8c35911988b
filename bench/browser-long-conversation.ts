/**
 * Browser benchmarks of a long conversation in real Chromium, each with a baseline in the same run:
 * - open: navigation start → the last of 2,000 messages rendered (markdown done), vs the same thread's
 *   final HTML served as a static page (no JavaScript at all);
 * - scroll: top → bottom of that thread, frame times and long tasks, vs the same static page;
 * - stream: React renders of the messages that are NOT streaming while a 500-token answer streams into
 *   the thread, vs the same build with memoisation off (every row re-renders on every update).
 * Run by `npm run bench` (bench/run.ts) or alone: `node --import tsx bench/browser-long-conversation.ts`.
 */
import { pathToFileURL } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromiumUnavailable, launchBrowser } from '../test/helpers/browser.js';
import {
  type BenchServer,
  benchStylesheet,
  buildBenchUi,
  type SeededConversation,
  seedLongConversation,
  signedInContext,
  startBenchServer,
  startStaticPage,
} from './browser-setup.js';

const quick = process.argv.includes('--quick');
const messageCount = 2000;
const streamTokens = 500;
const openRounds = quick ? 2 : 5;
const scrollRounds = quick ? 1 : 3;
const scrollStepPx = 600;

export interface BrowserResult {
  name: string;
  subject: string;
  baseline: string;
  ratio: string;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

interface OpenTimes {
  /** Navigation start → the last message is on screen with its markdown rendered (ms, page clock). */
  lastMessageMs: number;
  /** Navigation start → every message of the thread is in the DOM. */
  allMessagesMs: number;
}

async function openThread(page: Page, url: string, lastId: string, count: number): Promise<OpenTimes> {
  await page.goto(url, { waitUntil: 'commit' });
  const last = await page.waitForFunction(
    (id) => {
      const body = document.querySelector(`article[data-message-id="${id}"] .markdown`);
      return body && !body.classList.contains('markdown-pending') ? performance.now() : false;
    },
    lastId,
    { polling: 'raf', timeout: 120_000 },
  );
  const all = await page.waitForFunction(
    (expected) => document.querySelectorAll('article[data-message-id]').length >= expected && performance.now(),
    count,
    { polling: 'raf', timeout: 120_000 },
  );
  return { lastMessageMs: Number(await last.jsonValue()), allMessagesMs: Number(await all.jsonValue()) };
}

async function medianOpen(context: BrowserContext, url: string, thread: SeededConversation): Promise<OpenTimes> {
  const runs: OpenTimes[] = [];
  for (let round = 0; round <= openRounds; round++) {
    const page = await context.newPage();
    const times = await openThread(page, url, thread.lastMessageId, messageCount);
    if (round > 0) runs.push(times); // round 0 warms the HTTP cache
    await page.close();
  }
  return {
    lastMessageMs: median(runs.map((run) => run.lastMessageMs)),
    allMessagesMs: median(runs.map((run) => run.allMessagesMs)),
  };
}

interface ScrollStats {
  frames: number;
  p95FrameMs: number;
  maxFrameMs: number;
  slowFrames: number;
  longTasks: number;
  longTaskMs: number;
  totalMs: number;
}

/** Scrolls the thread from top to bottom by a fixed step per animation frame; frame and long-task stats. */
async function scrollThrough(page: Page, step: number): Promise<ScrollStats> {
  return page.evaluate(async (stepPx) => {
    // No named functions in here: tsx would wrap them in a `__name` helper the page does not have.
    const scroller = document.querySelector('.thread-scroll') as HTMLElement;
    scroller.scrollTop = 0;
    await new Promise<number>((resolve) => requestAnimationFrame(resolve));
    await new Promise<number>((resolve) => requestAnimationFrame(resolve));
    const longTasks: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) longTasks.push(entry.duration);
    });
    observer.observe({ type: 'longtask' });
    const gaps: number[] = [];
    const start = performance.now();
    let last = start;
    while (scroller.scrollTop + scroller.clientHeight < scroller.scrollHeight - 1) {
      scroller.scrollTop += stepPx;
      const now = await new Promise<number>((resolve) => requestAnimationFrame(resolve));
      gaps.push(now - last);
      last = now;
    }
    await new Promise<number>((resolve) => requestAnimationFrame(resolve));
    observer.disconnect();
    gaps.sort((a, b) => a - b);
    return {
      frames: gaps.length,
      p95FrameMs: gaps[Math.floor(gaps.length * 0.95)] ?? 0,
      maxFrameMs: gaps.at(-1) ?? 0,
      slowFrames: gaps.filter((gap) => gap > 50).length,
      longTasks: longTasks.length,
      longTaskMs: longTasks.reduce((sum, duration) => sum + duration, 0),
      totalMs: performance.now() - start,
    };
  }, step);
}

/** Median of each scroll figure over `scrollRounds` fresh pages; also the thread's final HTML. */
async function medianScroll(
  context: BrowserContext,
  url: string,
  thread: SeededConversation,
): Promise<{ stats: ScrollStats; html: string }> {
  const runs: ScrollStats[] = [];
  let html = '';
  for (let round = 0; round < scrollRounds; round++) {
    const page = await context.newPage();
    await openThread(page, url, thread.lastMessageId, messageCount);
    runs.push(await scrollThrough(page, scrollStepPx));
    html = await page.locator('.thread').evaluate((element) => element.outerHTML);
    await page.close();
  }
  const of = (field: keyof ScrollStats) => median(runs.map((run) => run[field]));
  const stats: ScrollStats = {
    frames: of('frames'),
    p95FrameMs: of('p95FrameMs'),
    maxFrameMs: of('maxFrameMs'),
    slowFrames: of('slowFrames'),
    longTasks: of('longTasks'),
    longTaskMs: of('longTaskMs'),
    totalMs: of('totalMs'),
  };
  return { stats, html };
}

/** The static twin of the app's thread: its rendered HTML and stylesheet, no script. */
function staticHtml(threadHtml: string, stylesheet: string): string {
  return `<!doctype html><html lang="en" data-theme="light"><head><meta charset="utf-8"><link rel="stylesheet" href="${stylesheet}"></head><body><div id="root"><div class="app-shell"><main class="main"><div class="chat-pane"><div class="thread-scroll">${threadHtml}</div></div></main></div></div></body></html>`;
}

/** What the bench build of the UI exposes on `window` (web/src/bench/render-counter.ts), plus our task log. */
type BenchWindow = Window & { __backchatBench?: { renders: Record<string, number> }; __benchTasks?: number[] };

interface RenderStats {
  otherRenders: number;
  streamingRenders: number;
  longTaskMs: number;
  streamMs: number;
}

/** Sends a message into the open thread and counts renders of the rows that did not stream. */
async function streamIntoThread(page: Page, count: number): Promise<RenderStats> {
  await page.evaluate(() => {
    const bench = window as BenchWindow;
    bench.__backchatBench = { renders: {} };
    bench.__benchTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) bench.__benchTasks?.push(entry.duration);
    }).observe({ type: 'longtask' });
  });
  const started = Date.now();
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill('Stream five hundred tokens, please');
  await box.press('Enter');
  const last = page.locator('article[data-role="assistant"]').nth(count / 2);
  await last.locator('[aria-label="Copy message"]').waitFor({ timeout: 120_000 });
  const streamMs = Date.now() - started;
  return page.evaluate(
    ({ ms }) => {
      const bench = window as BenchWindow;
      const renders = bench.__backchatBench?.renders ?? {};
      const articles = [...document.querySelectorAll('article[data-message-id]')];
      const fresh = new Set(articles.slice(-2).map((article) => article.getAttribute('data-message-id')));
      let otherRenders = 0;
      let streamingRenders = 0;
      for (const [key, value] of Object.entries(renders)) {
        if (fresh.has(key) || key.startsWith('pending-')) streamingRenders += value;
        else otherRenders += value;
      }
      const longTaskMs = (bench.__benchTasks ?? []).reduce((sum, duration) => sum + duration, 0);
      return { otherRenders, streamingRenders, longTaskMs, streamMs: ms };
    },
    { ms: streamMs },
  );
}

async function renderBench(context: BrowserContext, path: string, count: number, lastId: string): Promise<RenderStats> {
  const page = await context.newPage();
  await openThread(page, path, lastId, count);
  const stats = await streamIntoThread(page, count);
  await page.close();
  return stats;
}

const fixed = (value: number, digits = 0) => value.toFixed(digits);

async function openAndScroll(
  context: BrowserContext,
  setup: BenchServer,
  thread: SeededConversation,
): Promise<BrowserResult[]> {
  const path = `/c/${thread.conversationId}`;
  const open = await medianOpen(context, path, thread);
  const app = await medianScroll(context, path, thread);
  const appScroll = app.stats;
  const staticPage = await startStaticPage(staticHtml(app.html, benchStylesheet()), setup.server.url);
  const staticOpen = await medianOpen(context, staticPage.url, thread);
  const staticScroll = (await medianScroll(context, staticPage.url, thread)).stats;
  await staticPage.close();
  return [
    openRow('navigation → last message rendered', open.lastMessageMs, staticOpen.lastMessageMs),
    openRow(`navigation → all ${messageCount} messages in the DOM`, open.allMessagesMs, staticOpen.allMessagesMs),
    scrollRow('scroll top → bottom: p95 frame ms', appScroll.p95FrameMs, staticScroll.p95FrameMs),
    scrollRow(
      'scroll top → bottom: frames over 50 ms',
      appScroll.slowFrames,
      staticScroll.slowFrames,
      appScroll.frames,
    ),
    scrollRow('scroll top → bottom: long-task ms in total', appScroll.longTaskMs, staticScroll.longTaskMs),
  ];
}

function openRow(what: string, subject: number, baseline: number): BrowserResult {
  return {
    name: `open a ${messageCount}-message conversation: ${what} (median ms)`,
    subject: fixed(subject),
    baseline: `${fixed(baseline)} (static HTML)`,
    ratio: `${fixed(subject / baseline, 2)}×`,
  };
}

function scrollRow(name: string, subject: number, baseline: number, frames?: number): BrowserResult {
  return {
    name: frames === undefined ? name : `${name} (of ${frames})`,
    subject: fixed(subject, 1),
    baseline: `${fixed(baseline, 1)} (static HTML)`,
    ratio: baseline > 0 ? `${fixed(subject / baseline, 2)}×` : '—',
  };
}

async function streamRows(context: BrowserContext, thread: SeededConversation): Promise<BrowserResult[]> {
  const path = `/c/${thread.conversationId}`;
  const memoised = await renderBench(context, path, messageCount, thread.lastMessageId);
  const lastAfterStream = await lastAssistantId(context, thread.conversationId);
  const naive = await renderBench(context, `${path}?nomemo`, messageCount + 2, lastAfterStream);
  return [
    {
      name: `${streamTokens}-token stream into the thread: renders of non-streaming messages`,
      subject: String(memoised.otherRenders),
      baseline: `${naive.otherRenders} (memoisation off)`,
      ratio: naive.otherRenders > 0 ? `${fixed(memoised.otherRenders / naive.otherRenders, 4)}×` : '—',
    },
    {
      name: `${streamTokens}-token stream: renders of the streaming message / long-task ms`,
      subject: `${memoised.streamingRenders} / ${fixed(memoised.longTaskMs)}`,
      baseline: `${naive.streamingRenders} / ${fixed(naive.longTaskMs)} (memoisation off)`,
      ratio: naive.longTaskMs > 0 ? `${fixed(memoised.longTaskMs / naive.longTaskMs, 2)}× long-task ms` : '—',
    },
  ];
}

/** The conversation's current node (the answer the first stream added). */
async function lastAssistantId(context: BrowserContext, conversationId: string): Promise<string> {
  const session = (await (await context.request.get('/api/auth/session')).json()) as { accessToken: string };
  const response = await context.request.get(`/backend-api/conversation/${conversationId}`, {
    headers: { authorization: `Bearer ${session.accessToken}` },
  });
  return ((await response.json()) as { current_node: string }).current_node;
}

async function runAll(browser: Browser): Promise<BrowserResult[]> {
  const setup = await startBenchServer(streamTokens, 10);
  try {
    const thread = await seedLongConversation(setup.server, messageCount);
    const context = await signedInContext(browser, setup.server);
    const rows = await openAndScroll(context, setup, thread);
    rows.push(...(await streamRows(context, thread)));
    await context.close();
    return rows;
  } finally {
    await setup.close();
  }
}

/** Builds the bench UI, runs every browser benchmark and prints a markdown table. */
export async function runBrowserBenchmarks(): Promise<void> {
  const missing = chromiumUnavailable();
  if (missing) {
    console.log(`\nbrowser benchmarks skipped: ${missing}`);
    return;
  }
  process.stderr.write('bench: browser (building the bench UI)…\n');
  buildBenchUi();
  const browser = await launchBrowser();
  try {
    const rows = await runAll(browser);
    console.log('\n| browser benchmark (Chromium, 1280×900) | backchat | baseline | ratio |');
    console.log('|---|---|---|---|');
    for (const row of rows) console.log(`| ${row.name} | ${row.subject} | ${row.baseline} | ${row.ratio} |`);
  } finally {
    await browser.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runBrowserBenchmarks();
