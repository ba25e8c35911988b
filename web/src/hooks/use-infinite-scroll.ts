/** Calls `loadMore` whenever the sentinel element scrolls into (or near) view inside `root`. */
import { type RefObject, useEffect } from 'react';

export function useInfiniteScroll(
  sentinel: RefObject<Element | null>,
  root: RefObject<Element | null>,
  enabled: boolean,
  loadMore: () => void,
): void {
  useEffect(() => {
    const element = sentinel.current;
    if (!enabled || !element) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) loadMore();
      },
      { root: root.current, rootMargin: '0px 0px 300px 0px' },
    );
    observer.observe(element);
    return () => observer.disconnect();
  }, [sentinel, root, enabled, loadMore]);
}
