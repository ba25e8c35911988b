/**
 * A message's text as sanitized markdown (renderMarkdown → innerHTML). A message far off-screen
 * (`near` false) keeps its plain text until it comes near the viewport, so opening a 2,000-message
 * conversation does not render 2,000 markdown documents up front.
 */
import { memo, useMemo } from 'react';
import { useMarkdownRenderer } from '../../hooks/use-markdown.js';

interface MessageBodyProps {
  text: string;
  streaming: boolean;
  near: boolean;
}

function MessageBodyView({ text, streaming, near }: MessageBodyProps) {
  const render = useMarkdownRenderer();
  const html = useMemo(() => (render && near ? render(text, { streaming }) : null), [render, near, text, streaming]);
  if (html === null) return <div className="markdown markdown-pending">{text}</div>;
  // biome-ignore lint/security/noDangerouslySetInnerHtml: renderMarkdown returns DOMPurify-sanitized HTML (web/src/markdown); the only innerHTML in the app
  return <div className="markdown" dangerouslySetInnerHTML={{ __html: html }} />;
}

export const MessageBody = memo(MessageBodyView);
