/**
 * Lexes a document that grows at its end (a streaming answer) without re-lexing what cannot change.
 *
 * In markdown, appending text only changes the blocks still open at the end; every earlier top-level block is
 * final. So the tokens of a render are kept, minus the last `reopenable` blocks, and the next source that starts
 * with their text only lexes what follows. Reference definitions are document-global, so a document that has any
 * is always lexed whole.
 */
import type { Marked, Token, TokensList } from 'marked';

/** How many trailing non-space top-level blocks are lexed again, since appended text may still change them. */
const reopenable = 2;

interface StablePrefix {
  source: string;
  tokens: Token[];
}

function stablePrefix(tokens: Token[]): StablePrefix {
  let kept = tokens.length;
  let open = 0;
  while (kept > 0 && open < reopenable) {
    kept -= 1;
    if (tokens[kept]?.type !== 'space') open += 1;
  }
  const stable = tokens.slice(0, kept);
  return { source: stable.map((token) => token.raw).join(''), tokens: stable };
}

/** A lexed document: top-level tokens, and its reference definitions (`[label]: url`) by label. */
export interface LexedDocument {
  tokens: Token[];
  links: TokensList['links'];
}

/** A lexer function that reuses the stable prefix of the previous call. */
export function createIncrementalLexer(marked: Marked): (source: string) => LexedDocument {
  let previous: StablePrefix = { source: '', tokens: [] };

  // Reusable only if the tokens cover the source exactly (so their text marks a true boundary) and nothing is
  // defined by reference.
  function reusable(source: string, tokens: TokensList): boolean {
    return Object.keys(tokens.links).length === 0 && tokens.map((token) => token.raw).join('') === source;
  }

  function lexWhole(source: string): LexedDocument {
    const tokens = marked.lexer(source);
    previous = reusable(source, tokens) ? stablePrefix(tokens) : { source: '', tokens: [] };
    return { tokens, links: tokens.links };
  }

  return (source) => {
    if (!previous.source || !source.startsWith(previous.source)) return lexWhole(source);
    const tailSource = source.slice(previous.source.length);
    const tail = marked.lexer(tailSource);
    if (!reusable(tailSource, tail)) return lexWhole(source);
    const tokens = [...previous.tokens, ...tail];
    previous = stablePrefix(tokens);
    return { tokens, links: tail.links };
  };
}
