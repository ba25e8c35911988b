import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { katexMath, lazyMathSource, pendingMath } from '../../web/src/markdown/math-source.js';
import { createBlockRenderer, mathArrival } from '../../web/src/markdown/render-markdown.js';
import { testWindow } from './test-renderer.js';

/** A math source whose renderer arrives when the test says so, counting its loads. */
function controlledSource() {
  const loads: Array<{ resolve(): void; reject(error: Error): void }> = [];
  const source = lazyMathSource(
    () =>
      new Promise((resolve, reject) => {
        loads.push({
          resolve: () => resolve((tex, display) => `<span class="fake-math">${display ? 'D' : 'I'}:${tex}</span>`),
          reject,
        });
      }),
  );
  return { source, loads };
}

describe('math loaded on first use', () => {
  test('before KaTeX is here a formula shows as its source, and the blocks say when to render again', async () => {
    const { source, loads } = controlledSource();
    const render = createBlockRenderer(testWindow, source);
    const text = 'Energy: $E = mc^2$.\n\nNo math here.';
    const before = render(text);
    assert.equal(loads.length, 1, 'the first formula starts the load');
    assert.equal(before[0], '<p>Energy: <span class="math-pending">$E = mc^2$</span>.</p>\n');
    assert.equal(before[1], '<p>No math here.</p>\n');
    const arrival = mathArrival(before);
    assert.ok(arrival, 'blocks with a pending formula have an arrival');
    // Rendered again before it arrives: still pending, and no second load.
    assert.match(render(text).join(''), /math-pending/);
    assert.equal(loads.length, 1);
    loads[0]?.resolve();
    await arrival;
    const after = render(text);
    assert.equal(after[0], '<p>Energy: <span class="fake-math">I:E = mc^2</span>.</p>\n');
    assert.equal(after[1], before[1]);
    assert.equal(mathArrival(after), null, 'final blocks have none');
  });

  test('display math waits the same way, inside its block', () => {
    const { source } = controlledSource();
    const html = createBlockRenderer(testWindow, source)('$$\n\\int_0^1 x\\,dx\n$$').join('');
    assert.equal(html, '<div class="math-display"><span class="math-pending">$$\\int_0^1 x\\,dx$$</span></div>\n');
  });

  test('text without math never loads it and its blocks are final', () => {
    const { source, loads } = controlledSource();
    const blocks = createBlockRenderer(testWindow, source)('Prices: $5 and $10.\n\n`$x$` in code.');
    assert.equal(loads.length, 0);
    assert.equal(mathArrival(blocks), null);
  });

  test('the pending source is escaped', () => {
    assert.equal(
      pendingMath('<img src=x onerror=alert(1)>', false),
      '<span class="math-pending">$&lt;img src=x onerror=alert(1)&gt;$</span>',
    );
    const { source } = controlledSource();
    const html = createBlockRenderer(testWindow, source)('$\\text{<script>alert(1)</script>}$').join('');
    assert.doesNotMatch(html, /<script/);
    assert.match(html, /math-pending">\$\\text\{&lt;script&gt;alert\(1\)&lt;\/script&gt;\}\$</);
  });

  test('a failed load rejects the arrival and the next formula asks again', async () => {
    const { source, loads } = controlledSource();
    const render = createBlockRenderer(testWindow, source);
    const first = render('$a$');
    const arrival = mathArrival(first);
    loads[0]?.reject(new Error('chunk failed'));
    await assert.rejects(arrival ?? Promise.resolve(), /chunk failed/);
    const again = render('$b$');
    assert.equal(loads.length, 2, 'a second load');
    loads[1]?.resolve();
    await mathArrival(again);
    assert.match(render('$b$').join(''), /fake-math">I:b</);
  });

  test('KaTeX itself, once loaded, renders at once', async () => {
    await katexMath.arrival();
    const blocks = createBlockRenderer(testWindow)('$x^2$');
    assert.match(blocks.join(''), /<span class="katex">/);
    assert.equal(mathArrival(blocks), null);
  });
});
