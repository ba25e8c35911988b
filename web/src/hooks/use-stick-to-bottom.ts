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
    let lastTop = element.scrollTop;
    // Only a move up lets go of the bottom. A scroll event also comes when layout moves the view (the
    // browser's scroll anchoring as rows above grow, markdown replacing plain text): with more content
    // below at that moment the view is briefly off the bottom, and letting go then would leave a
    // freshly opened conversation stuck a screenful above its last message.
    const onScroll = () => {
      const top = element.scrollTop;
      if (distanceFromBottom(element) <= threshold) stick.current = true;
      else if (top < lastTop - 1) stick.current = false;
      lastTop = top;
      setAtBottom(stick.current);
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
      setAtBottom(stick.current || distanceFromBottom(element) <= threshold);
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
