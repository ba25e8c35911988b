/**
 * Becomes true once an element comes within a screenful or two of the viewport, and stays true.
 * Long threads render their markdown lazily with it: off-screen messages show plain text until
 * they are about to be seen. One IntersectionObserver serves every element.
 */
import { type RefObject, useEffect, useState } from 'react';

const callbacks = new WeakMap<Element, () => void>();
let observer: IntersectionObserver | null = null;

function sharedObserver(): IntersectionObserver {
  observer ??= new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        callbacks.get(entry.target)?.();
      }
    },
    { rootMargin: '1500px 0px 1500px 0px' },
  );
  return observer;
}

export function useNearViewport(ref: RefObject<Element | null>, eager: boolean): boolean {
  const [near, setNear] = useState(eager);
  useEffect(() => {
    const element = ref.current;
    if (near || !element) return;
    const seen = sharedObserver();
    callbacks.set(element, () => setNear(true));
    seen.observe(element);
    return () => {
      seen.unobserve(element);
      callbacks.delete(element);
    };
  }, [ref, near]);
  return near || eager;
}
