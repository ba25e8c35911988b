/**
 * A message's text as sanitized markdown (renderMarkdown, web/src/markdown). A message far off-screen
 * (`near` false) keeps its plain text until it comes near the viewport, so opening a 2,000-message
 * conversation does not render 2,000 markdown documents up front. The HTML comes block by block and
 * only the blocks that changed are put in the DOM: a streaming answer's frame replaces its last block
 * or two, not the whole answer (re-parsing and laying out all of a long answer every frame made the
 * longest tasks of a stream).
 */
import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { mathArrival, useMarkdownRenderer } from '../../hooks/use-markdown.js';

interface MessageBodyProps {
  text: string;
  streaming: boolean;
  near: boolean;
}

/** What a `.markdown` element shows: each block's HTML and how many top-level nodes it made. */
interface ShownBlocks {
  html: readonly string[];
  nodeCounts: number[];
}

/** Brings `container` from `shown` to `blocks`: the unchanged leading blocks keep their nodes. */
function patchBlocks(container: HTMLElement, shown: ShownBlocks, blocks: readonly string[]): void {
  let same = 0;
  while (same < blocks.length && same < shown.html.length && blocks[same] === shown.html[same]) same++;
  const kept = shown.nodeCounts.slice(0, same);
  const keptNodes = kept.reduce((sum, count) => sum + count, 0);
  while (container.childNodes.length > keptNodes) container.lastChild?.remove();
  const template = container.ownerDocument.createElement('template');
  for (const html of blocks.slice(same)) {
    // The same sanitized HTML the page always set as innerHTML (renderMarkdown → DOMPurify), a block at a time.
    template.innerHTML = html;
    kept.push(template.content.childNodes.length);
    container.append(template.content);
  }
  shown.html = blocks;
  shown.nodeCounts = kept;
}

/**
 * The text's blocks, or null while it shows as plain text (the renderer not here, or the message far
 * off-screen); rendered again once KaTeX has arrived if they show a formula as its source.
 */
function useMarkdownBlocks(text: string, streaming: boolean, near: boolean): readonly string[] | null {
  const render = useMarkdownRenderer();
  const [mathArrivals, setMathArrivals] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the same text is rendered again when its math can be
  const blocks = useMemo(
    () => (render && near ? render(text, { streaming }) : null),
    [render, near, text, streaming, mathArrivals],
  );
  useEffect(() => {
    const arrival = blocks && mathArrival(blocks);
    if (!arrival) return;
    let live = true;
    arrival.then(
      () => {
        if (live) setMathArrivals((count) => count + 1);
      },
      // KaTeX could not be loaded: the formulas stay as their source (the next one drawn asks again).
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [blocks]);
  return blocks;
}

function MessageBodyView({ text, streaming, near }: MessageBodyProps) {
  const blocks = useMarkdownBlocks(text, streaming, near);
  const ref = useRef<HTMLDivElement>(null);
  const shown = useRef<ShownBlocks>({ html: [], nodeCounts: [] });
  useLayoutEffect(() => {
    if (blocks && ref.current) patchBlocks(ref.current, shown.current, blocks);
  }, [blocks]);
  if (blocks === null) return <div className="markdown markdown-pending">{text}</div>;
  // React renders no children here: the blocks' nodes are this component's own (patchBlocks).
  return <div ref={ref} className="markdown" />;
}

export const MessageBody = memo(MessageBodyView);

/**
 * What a person typed, shown as they typed it: plain text with its line breaks, never markdown. A
 * prompt full of `*`, `_` or backticks (a regular expression, `*args, **kwargs`, a path) must read back
 * exactly; ChatGPT shows the user's side the same way.
 */
export function UserText({ text }: { text: string }) {
  return <div className="markdown user-text">{text}</div>;
}
