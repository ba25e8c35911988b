import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mixedDocument } from './mixed-document.js';
import { newRenderer } from './test-renderer.js';

describe('streaming', () => {
  test('an unterminated code fence renders as an open code block', () => {
    const html = newRenderer()('Here:\n\n```python\nprint("hi")\nfor x in', { streaming: true });
    assert.match(html, /<div class="code-block">.*<code class="hljs language-python">/s);
    assert.match(html, /<span class="hljs-keyword">in<\/span>\n<\/code><\/pre><\/div>\n$/);
  });

  test('a half-typed fence on the last line is held back instead of flashing as text', () => {
    const render = newRenderer();
    assert.equal(render('Text\n\n``', { streaming: true }), '<p>Text</p>\n');
    assert.equal(render('Text\n\n~', { streaming: true }), '<p>Text</p>\n');
    assert.match(render('Text\n\n``', { streaming: false }), /``/);
    assert.equal(render('Run `', { streaming: true }), '<p>Run `</p>\n');
  });

  test('unterminated display math stays text until it closes', () => {
    const render = newRenderer();
    const open = render('Formula:\n\n$$\n\\int_0^1 x', { streaming: true });
    assert.doesNotMatch(open, /katex/);
    assert.match(open, /\$\$<br>\\int_0\^1 x|\$\$\n?<br>/);
    assert.match(render('Formula:\n\n$$\n\\int_0^1 x\n$$', { streaming: true }), /katex-display/);
    assert.doesNotMatch(render('so \\[ x', { streaming: true }), /katex/);
  });

  test('every prefix renders without throwing, the same as a fresh render of that prefix', () => {
    const text = mixedDocument(3000);
    const render = newRenderer();
    for (let end = 0; end <= text.length; end += 13) {
      const prefix = text.slice(0, end);
      const streamed = render(prefix, { streaming: true });
      if (end % 299 === 0) assert.equal(streamed, newRenderer()(prefix, { streaming: true }), `prefix of ${end}`);
    }
  });

  test('switching between documents gives each its own output', () => {
    const render = newRenderer();
    const first = mixedDocument(3000, 1);
    const second = mixedDocument(3000, 2);
    const firstHtml = render(first);
    const secondHtml = render(second);
    assert.notEqual(firstHtml, secondHtml);
    assert.equal(render(first), firstHtml);
    assert.equal(
      render(`${first}\n\n[ref]: https://example.com`),
      newRenderer()(`${first}\n\n[ref]: https://example.com`),
    );
  });

  test('the same input twice is served from the memo', () => {
    const render = newRenderer();
    const text = mixedDocument(2000);
    const html = render(text);
    assert.equal(render(text), html);
  });

  test('timing: a 20 KB mixed answer (printed, not asserted)', () => {
    const text = mixedDocument(20_000);
    const time = (work: () => void) => {
      const started = performance.now();
      work();
      return performance.now() - started;
    };
    const render = newRenderer();
    const cold = time(() => render(text));
    const coldOther = time(() => newRenderer()(mixedDocument(20_000, 7)));
    const steps: number[] = [];
    const start = text.length - 4000;
    for (let end = start; end <= text.length; end += 16)
      steps.push(time(() => render(text.slice(0, end), { streaming: true })));
    render(text, { streaming: true });
    const memo = time(() => render(text, { streaming: true }));
    steps.sort((a, b) => a - b);
    const median = steps[Math.floor(steps.length / 2)] ?? 0;
    const p95 = steps[Math.floor(steps.length * 0.95)] ?? 0;
    console.log(
      `renderMarkdown on ${text.length} chars in Node+jsdom: first render ${cold.toFixed(1)} ms, ` +
        `another whole document ${coldOther.toFixed(1)} ms, streaming frame (16 chars appended) ` +
        `median ${median.toFixed(2)} ms / p95 ${p95.toFixed(2)} ms over ${steps.length}, memo hit ${memo.toFixed(3)} ms`,
    );
  });
});
