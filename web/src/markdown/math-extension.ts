/**
 * A marked extension for TeX math: display `$$…$$` and `\[…\]` (as blocks or inside a paragraph), inline `\(…\)`
 * and `$…$`. A single `$` is math only when unambiguous (pandoc's rule): the opening `$` is followed by a
 * non-space and not preceded by a letter or digit, the closing `$` is preceded by a non-space and not followed by
 * a digit — so "$5 and $10" stays text. Unterminated math stays text (what a stream shows until it closes).
 * The extension only finds math; `renderMath` decides what a token becomes.
 */
import type { MarkedExtension, Tokens } from 'marked';

/** A math token: the TeX source between the delimiters, and whether it is display math. */
export interface MathToken extends Tokens.Generic {
  type: 'math' | 'mathBlock';
  raw: string;
  tex: string;
  display: boolean;
}

/** Turns TeX into the HTML that replaces the token. */
export type MathRenderer = (tex: string, display: boolean) => string;

// No blank line inside display math: a stray `$$` must not swallow the rest of the answer.
const noBlankLine = '(?:(?!\\n[ \\t]*\\n)[\\s\\S])+?';
const blockDollars = new RegExp(`^ {0,3}\\$\\$(${noBlankLine})\\$\\$[ \\t]*(?:\\n|$)`);
const blockBrackets = new RegExp(`^ {0,3}\\\\\\[(${noBlankLine})\\\\\\][ \\t]*(?:\\n|$)`);
const blockStart = /^ {0,3}(?:\$\$|\\\[)/m;

const inlineDisplayDollars = /^\$\$((?:\\[\s\S]|[^\\$])+?)\$\$/;
const inlineDisplayBrackets = /^\\\[([\s\S]+?)\\\]/;
const inlineParentheses = /^\\\(([\s\S]+?)\\\)/;
const inlineDollar = /^\$(?![\s$])((?:\\[\s\S]|[^\\$\n])+?)(?<!\s)\$(?!\d)/;
const inlineStart = /\$|\\[([]/;

function mathToken(type: MathToken['type'], raw: string, tex: string | undefined, display: boolean) {
  const trimmed = (tex ?? '').trim();
  return trimmed ? { type, raw, tex: trimmed, display } : undefined;
}

/** True when the text just before a `$` or `\[` is a letter or digit ("US$5", "a\[i\]"): not math. */
function followsWord(tokens: readonly Tokens.Generic[]): boolean {
  const previous = tokens.at(-1);
  return previous?.type === 'text' && /[\p{L}\p{N}]$/u.test(previous.raw);
}

function blockMath(src: string): MathToken | undefined {
  const match = blockDollars.exec(src) ?? blockBrackets.exec(src);
  return match ? mathToken('mathBlock', match[0], match[1], true) : undefined;
}

function inlineMath(src: string, tokens: Tokens.Generic[]): MathToken | undefined {
  const parentheses = inlineParentheses.exec(src);
  if (parentheses) return mathToken('math', parentheses[0], parentheses[1], false);
  if (followsWord(tokens)) return undefined;
  const display = inlineDisplayDollars.exec(src) ?? inlineDisplayBrackets.exec(src);
  if (display) return mathToken('math', display[0], display[1], true);
  const dollar = inlineDollar.exec(src);
  return dollar ? mathToken('math', dollar[0], dollar[1], false) : undefined;
}

function isMathToken(token: Tokens.Generic): token is MathToken {
  return typeof token.tex === 'string' && typeof token.display === 'boolean';
}

/** The extension; `render` is called for every math token at render time. */
export function mathExtension(render: MathRenderer): MarkedExtension {
  const renderToken = (token: Tokens.Generic) => (isMathToken(token) ? render(token.tex, token.display) : false);
  return {
    extensions: [
      {
        name: 'mathBlock',
        level: 'block',
        start: (src) => src.match(blockStart)?.index,
        tokenizer: (src) => blockMath(src),
        renderer: (token) => {
          const html = renderToken(token);
          return html === false ? false : `<div class="math-display">${html}</div>\n`;
        },
      },
      {
        name: 'math',
        level: 'inline',
        start: (src) => src.match(inlineStart)?.index,
        tokenizer: (src, tokens) => inlineMath(src, tokens),
        renderer: renderToken,
      },
    ],
  };
}
