import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { safetyProblems } from './html-safety.js';
import { newRenderer } from './test-renderer.js';

const render = newRenderer();
const copyButton = '<button type="button" class="copy-code" aria-label="Copy code">Copy</button>';

describe('markdown', () => {
  test('headings, emphasis, inline code', () => {
    const html = render('# Title\n\n## Sub\n\nSome **bold**, *italic*, ~~gone~~ and `a < b`.');
    assert.match(html, /<h1>Title<\/h1>/);
    assert.match(html, /<h2>Sub<\/h2>/);
    assert.match(html, /<strong>bold<\/strong>, <em>italic<\/em>, <del>gone<\/del> and <code>a &lt; b<\/code>/);
  });

  test('single line breaks are kept, like ChatGPT', () => {
    assert.match(render('one\ntwo'), /<p>one<br>two<\/p>/);
  });

  test('lists, nested and ordered, and task lists without inputs', () => {
    const html = render('- a\n  - b\n- c\n\n3. three\n4. four\n\n- [ ] todo\n- [x] done');
    assert.match(html, /<ul>\n<li>a<ul>\n<li>b<\/li>\n<\/ul>\n<\/li>\n<li>c<\/li>\n<\/ul>/);
    assert.match(html, /<ol start="3">/);
    assert.match(html, /<span class="task-checkbox">☐<\/span> todo/);
    assert.match(html, /<span class="task-checkbox checked">☑<\/span> done/);
    assert.doesNotMatch(html, /<input/);
  });

  test('tables with alignment', () => {
    const html = render('| a | b |\n|:--|--:|\n| 1 | 2 |');
    assert.match(html, /<table>/);
    assert.match(html, /<th align="left">a<\/th>/);
    assert.match(html, /<td align="right">2<\/td>/);
  });

  test('blockquotes and rules', () => {
    assert.match(render('> quoted\n\n---'), /<blockquote>\n<p>quoted<\/p>\n<\/blockquote>\n<hr>/);
  });

  test('code blocks: highlighted, with the language label and the copy button', () => {
    const html = render('```python\ndef f(x):\n    return "<b>"\n```');
    const expectedStart =
      '<div class="code-block"><div class="code-header"><span class="code-lang">python</span>' +
      `${copyButton}</div><pre><code class="hljs language-python"><span class="hljs-keyword">def</span>`;
    assert.ok(html.startsWith(expectedStart), html);
    assert.match(html, /<span class="hljs-string">"&lt;b&gt;"<\/span>\n<\/code><\/pre><\/div>/);
  });

  test('code blocks without or with an unknown language are plain "text"', () => {
    const plain = render('```\nx <y>\n```');
    assert.match(plain, /<span class="code-lang">text<\/span>/);
    assert.match(plain, /<code class="hljs language-text">x &lt;y&gt;\n<\/code>/);
    const unknown = render('```nosuchlang\nx\n```');
    assert.match(unknown, /<span class="code-lang">nosuchlang<\/span>/);
  });

  test('a hostile info string cannot break out of the class or the label', () => {
    const html = render('```"><img src=x onerror=alert(1)>\nx\n```');
    assert.deepEqual(safetyProblems(html), []);
    assert.doesNotMatch(html, /<img/);
  });

  test('one copy button per code block, even nested in lists and quotes', () => {
    const html = render('- item\n\n  ```js\n  a()\n  ```\n\n> ```sh\n> ls\n> ```\n\n```\nthird\n```');
    assert.equal(html.split(copyButton).length - 1, 3);
  });
});

describe('math', () => {
  test('inline \\( \\) and $ $, display \\[ \\] and $$ $$', () => {
    const html = render('Inline \\(a^2\\) and $b_1$.\n\n\\[\nE = mc^2\n\\]\n\n$$\\int_0^1 x\\,dx$$');
    assert.equal(html.match(/<span class="katex">/g)?.length, 4);
    assert.equal(html.match(/<span class="katex-display">/g)?.length, 2);
    assert.doesNotMatch(html, /math-slot/);
  });

  test('display math inside a paragraph', () => {
    const html = render('so $$x = 1$$ holds');
    assert.match(html, /<p>so <span class="katex-display">/);
  });

  test('prices and shell variables are not math', () => {
    for (const text of [
      'It costs $5 and $10.',
      'From $5.99 to $6.99 today',
      'US$5 or US$6',
      'between $20,000 and $30,000',
    ]) {
      const html = render(text);
      assert.doesNotMatch(html, /katex/, text);
    }
    assert.doesNotMatch(render('echo $HOME and $PATH'), /katex/);
  });

  test('a literal dollar can be escaped', () => {
    assert.doesNotMatch(render('\\$x\\$'), /katex/);
  });

  test('bad TeX renders an inline error, never throws', () => {
    const html = render('$\\frac{1}{$ and $$\\begin{x}$$');
    assert.doesNotMatch(html, /<span class="katex-display">/);
    assert.match(render('$\\unknowncommand{x}$'), /katex-error|color:#cc0000/);
  });

  test('KaTeX keeps trust off: \\href, \\url, \\includegraphics, \\htmlData make no link, image or attribute', () => {
    const html = render(
      '$\\href{javascript:alert(1)}{x}$ $\\url{https://example.com}$ $\\includegraphics{http://127.0.0.1:9/x}$ ' +
        '$\\htmlData{foo=bar}{x}$ $\\htmlClass{copy-code}{x}$',
    );
    assert.doesNotMatch(html, /<a |<img |data-foo|class="copy-code"/);
    assert.deepEqual(safetyProblems(html), []);
  });

  test('math in code stays code', () => {
    assert.doesNotMatch(render('`$x$` and\n\n```\n$$y$$\n```'), /katex/);
  });
});

describe('links', () => {
  test('http(s), mailto, relative and anchor links are kept and hardened', () => {
    const html = render(
      '[a](https://example.com/x?y=1) [b](mailto:me@example.com) [c](/c/123) [d](#part) <https://auto.link>',
    );
    for (const href of ['https://example.com/x?y=1', 'mailto:me@example.com', '/c/123', '#part', 'https://auto.link']) {
      assert.ok(
        html.includes(`<a href="${href}" target="_blank" rel="noopener noreferrer nofollow">`),
        `${href} in ${html}`,
      );
    }
  });

  test('javascript:, vbscript:, data: and obfuscated forms lose the href and keep the text', () => {
    const payloads = [
      '[one](javascript:alert(1))',
      '[one](JaVaScRiPt:alert(1))',
      '[one](vbscript:msgbox(1))',
      '[one](data:text/html,<script>alert(1)</script>)',
      '[one](&#x6A;avascript:alert(1))',
      '[one](javascript&colon;alert(1))',
      '[one](\u0001javascript:alert(1))',
      '[one](java\u200bscript:alert(1))',
      '[one](file:///etc/passwd)',
      '<javascript:alert(1)>',
    ];
    for (const payload of payloads) {
      const html = render(payload);
      assert.doesNotMatch(html, /href=/, payload);
      assert.match(html, /one|javascript:alert\(1\)/, payload);
    }
  });

  test('titles are escaped', () => {
    const html = render('[x](https://example.com "\\"><img src=x onerror=alert(1)>")');
    assert.deepEqual(safetyProblems(html), []);
    assert.match(html, /title="&quot;&gt;&lt;img|title="&quot;><img/);
  });
});

describe('images', () => {
  test('remote images become an inert placeholder naming the host', () => {
    const html = render('![a chart](http://127.0.0.1:9/leak?d=SECRET)');
    assert.equal(
      html,
      '<p><span class="blocked-image" title="Remote image not loaded: 127.0.0.1:9">' +
        '🖼 a chart (image from 127.0.0.1:9 not loaded)</span></p>\n',
    );
  });

  test('relative, reference and protocol-relative images are not loaded either', () => {
    const html = render('![x](/api/auth/logout) ![y][r] ![z](//evil.example/p.png)\n\n[r]: https://evil.example/r.png');
    assert.doesNotMatch(html, /<img/);
    assert.equal(html.match(/class="blocked-image"/g)?.length, 3);
    assert.match(html, /image from evil\.example not loaded/);
  });

  test('inline data: PNG/JPEG/GIF/WebP images are kept; data:SVG and others are not', () => {
    const png = render('![dot](data:image/png;base64,iVBORw0KGgo=)');
    assert.match(png, /<img class="inline-image" src="data:image\/png;base64,iVBORw0KGgo=" alt="dot">/);
    for (const type of ['image/svg+xml', 'text/html', 'image/png;charset=x']) {
      assert.doesNotMatch(render(`![x](data:${type};base64,PHN2Zz4=)`), /<img/, type);
    }
  });
});

describe('raw HTML', () => {
  test('is shown as text, block and inline', () => {
    const html = render('<div onclick="alert(1)">\nhi\n</div>\n\nsome <b>bold</b> <img src=x onerror=alert(1)>');
    assert.match(html, /<p>&lt;div onclick="alert\(1\)"&gt;<br>hi<br>&lt;\/div&gt;<\/p>/);
    assert.match(html, /some &lt;b&gt;bold&lt;\/b&gt; &lt;img src=x onerror=alert\(1\)&gt;/);
    assert.deepEqual(safetyProblems(html), []);
  });

  test('forged slots do nothing: a fake copy-button or math slot stays text', () => {
    const html = render('<span class="copy-code-slot"></span><span class="math-slot-0"></span>');
    assert.doesNotMatch(html, /<button|katex/);
  });
});
