/**
 * Keeps a scroll container pinned to the bottom while its content grows (a streaming answer),
 * unless the user scrolled up; reports whether it is at the bottom (for the ↓ button).
 */
import { type RefObject, useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';

const threshold = 48;

function distanceFromBottom(element: HTMLElement): number {
  return element.scrollHeight - element.scrollTop - element.clientHeight;
}

export function useStickToBottom(
  scrollRef: RefObject<HTMLElement | null>,
  contentRef: RefObject<HTMLElement | null>,
  /** Changes when the user starts a turn: the view pins to the bottom again. */
  pinKey: number,
) {
  const stick = useRef(true);
  const [atBottom, setAtBottom] = useState(true);

  const scrollToBottom = useCallback(
    (smooth = false) => {
      const element = scrollRef.current;
      if (!element) return;
      stick.current = true;
      element.scrollTo({ top: element.scrollHeight, behavior: smooth ? 'smooth' : 'instant' });
    },
    [scrollRef],
  );

  useEffect(() => {
    const element = scrollRef.current;
    if (!element) return;
    const onScroll = () => {
      const bottom = distanceFromBottom(element) <= threshold;
      stick.current = bottom;
      setAtBottom(bottom);
    };
    element.addEventListener('scroll', onScroll, { passive: true });
    return () => element.removeEventListener('scroll', onScroll);
  }, [scrollRef]);

  useEffect(() => {
    const content = contentRef.current;
    const element = scrollRef.current;
    if (!content || !element) return;
    const observer = new ResizeObserver(() => {
      if (stick.current) element.scrollTop = element.scrollHeight;
    });
    observer.observe(content);
    return () => observer.disconnect();
  }, [contentRef, scrollRef]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: re-pin at mount and whenever a turn starts
  useLayoutEffect(() => {
    scrollToBottom();
  }, [pinKey, scrollToBottom]);

  return { atBottom, scrollToBottom };
}
