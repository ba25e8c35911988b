/**
 * Becomes true once an element comes within a screenful or two of its scroll container's visible
 * area, and stays true. The thread observes its chunks of rows with it (about 50 targets for 2,000
 * messages: the browser recomputes every target's intersection on each frame, so observing every row
 * cost more than all the rendering). One IntersectionObserver per scroll container: the margin must
 * apply to the container, a viewport margin would not reach past its clipping.
 */
import { type RefObject, useEffect, useState } from 'react';

const margin = '1500px 0px 1500px 0px';
const callbacks = new WeakMap<Element, () => void>();
const observers = new WeakMap<Element, IntersectionObserver>();
let viewportObserver: IntersectionObserver | null = null;

function notify(entries: IntersectionObserverEntry[]): void {
  for (const entry of entries) {
    if (entry.isIntersecting) callbacks.get(entry.target)?.();
  }
}

/** The observer for `element`'s scroll container (the viewport if there is none). */
function observerFor(element: Element): IntersectionObserver {
  const root = element.closest('.thread-scroll');
  if (!root) {
    viewportObserver ??= new IntersectionObserver(notify, { rootMargin: margin });
    return viewportObserver;
  }
  let observer = observers.get(root);
  if (!observer) {
    observer = new IntersectionObserver(notify, { root, rootMargin: margin });
    observers.set(root, observer);
  }
  return observer;
}

export function useNearViewport(ref: RefObject<Element | null>, eager: boolean): boolean {
  const [near, setNear] = useState(eager);
  useEffect(() => {
    const element = ref.current;
    if (near || !element) return;
    const observer = observerFor(element);
    callbacks.set(element, () => setNear(true));
    observer.observe(element);
    return () => {
      observer.unobserve(element);
      callbacks.delete(element);
    };
  }, [ref, near]);
  return near || eager;
}
