/**
 * A message's text as sanitized markdown (renderMarkdown → innerHTML). Streaming text renders at
 * once; a message far off-screen keeps its plain text until it comes near the viewport, so opening a
 * 2,000-message conversation does not render 2,000 markdown documents up front.
 */
import { memo, useMemo, useRef } from 'react';
import { useMarkdownRenderer } from '../../hooks/use-markdown';
import { useNearViewport } from '../../hooks/use-near-viewport';

interface MessageBodyProps {
  text: string;
  streaming: boolean;
}

function MessageBodyView({ text, streaming }: MessageBodyProps) {
  const ref = useRef<HTMLDivElement>(null);
  const render = useMarkdownRenderer();
  const near = useNearViewport(ref, streaming);
  const html = useMemo(() => (render && near ? render(text, { streaming }) : null), [render, near, text, streaming]);
  if (html === null) {
    return (
      <div ref={ref} className="markdown markdown-pending">
        {text}
      </div>
    );
  }
  // biome-ignore lint/security/noDangerouslySetInnerHtml: renderMarkdown returns DOMPurify-sanitized HTML (web/src/markdown); the only innerHTML in the app
  return <div ref={ref} className="markdown" dangerouslySetInnerHTML={{ __html: html }} />;
}

export const MessageBody = memo(MessageBodyView);
