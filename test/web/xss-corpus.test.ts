/**
 * The fast tier of the XSS tests: every corpus payload through the renderer (alone, streamed, and in a batch
 * as the browser test sends them) must come out with nothing that runs, loads or navigates.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSanitizer } from '../../web/src/markdown/sanitize-html.js';
import { loadXssCorpus } from '../fixtures/xss/load-corpus.js';
import { safetyProblems } from './html-safety.js';
import { newRenderer, testWindow } from './test-renderer.js';

const corpus = loadXssCorpus({ canaryPort: 45678, secret: 'SECRET-MARKER' });
const render = newRenderer();

const problemsOf = safetyProblems;

describe('XSS corpus through the renderer', () => {
  test('the corpus has more than 220 payloads', () => {
    assert.ok(corpus.length > 220, `${corpus.length} payloads`);
  });

  test('the checker finds what it looks for', () => {
    const unsafe =
      '<img src="http://x/y" onerror="alert(1)"><a href="javascript:alert(1)">x</a><p style="color:red">s</p>' +
      '<svg></svg><iframe></iframe><a href="https://ok">no rel</a><button>b</button>';
    assert.deepEqual(safetyProblems(unsafe), [
      'img has src="http://x/y"',
      'img has onerror',
      'link without target=_blank',
      'link without rel hardening',
      'a has href="javascript:alert(1)"',
      'p has a style attribute outside KaTeX output',
      '<svg> outside KaTeX',
      '<iframe> element',
      'link without target=_blank',
      'link without rel hardening',
      'unexpected button ',
    ]);
  });

  test('every payload straight into the sanitizer (the second line of defence, without markdown escaping)', () => {
    const sanitize = createSanitizer(testWindow);
    const failures = corpus.flatMap(({ id, text }) =>
      safetyProblems(sanitize(text)).map((problem) => `${id}: ${problem}`),
    );
    assert.deepEqual(failures, []);
  });

  test('every payload, alone', () => {
    const failures = corpus.flatMap(({ id, text }) => problemsOf(render(text)).map((problem) => `${id}: ${problem}`));
    assert.deepEqual(failures, []);
  });

  test('every payload, while streaming (each prefix of it)', () => {
    const failures: string[] = [];
    for (const { id, text } of corpus) {
      for (let end = 1; end <= text.length; end += Math.max(1, Math.floor(text.length / 6))) {
        const problems = problemsOf(render(text.slice(0, end), { streaming: true }));
        failures.push(...problems.map((problem) => `${id} [0, ${end}): ${problem}`));
      }
    }
    assert.deepEqual(failures, []);
  });

  test('batches of 20, one payload per paragraph (what the browser test sends)', () => {
    const failures: string[] = [];
    for (let start = 0; start < corpus.length; start += 20) {
      const batch = corpus.slice(start, start + 20);
      const problems = problemsOf(render(batch.map(({ text }) => text).join('\n\n')));
      failures.push(...problems.map((problem) => `batch ${start}: ${problem}`));
    }
    assert.deepEqual(failures, []);
  });
});
