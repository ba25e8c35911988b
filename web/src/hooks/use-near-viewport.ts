/**
 * Becomes true once an element comes within a screenful or two of its scroll container's visible
 * area, and stays true. Long threads render their markdown and actions lazily with it: far-off
 * messages stay light until they are about to be seen.
 *
 * - One IntersectionObserver per scroll container: the margin must apply to the container (a viewport
 *   margin would not reach past its clipping).
 * - Upgrades are spread over animation frames within a time budget, so a fast fling through a long
 *   thread shows plain text for a frame or two instead of dropping frames.
 */
import { type RefObject, useEffect, useState } from 'react';
import { flushSync } from 'react-dom';

const margin = '1500px 0px 1500px 0px';
const frameBudgetMs = 8;
const callbacks = new WeakMap<Element, () => void>();
const observers = new WeakMap<Element, IntersectionObserver>();
let viewportObserver: IntersectionObserver | null = null;
const queue = new Set<() => void>();
let frame: number | null = null;

/** Runs queued upgrades until this frame's budget is spent; the rest wait for the next frame. */
function drain(): void {
  frame = null;
  const started = performance.now();
  for (const upgrade of queue) {
    queue.delete(upgrade);
    flushSync(upgrade);
    if (performance.now() - started > frameBudgetMs) break;
  }
  if (queue.size > 0) frame = requestAnimationFrame(drain);
}

function enqueue(upgrade: () => void): void {
  queue.add(upgrade);
  frame ??= requestAnimationFrame(drain);
}

function notify(entries: IntersectionObserverEntry[]): void {
  for (const entry of entries) {
    const upgrade = entry.isIntersecting ? callbacks.get(entry.target) : undefined;
    if (upgrade) enqueue(upgrade);
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
    const upgrade = () => setNear(true);
    callbacks.set(element, upgrade);
    observer.observe(element);
    return () => {
      observer.unobserve(element);
      callbacks.delete(element);
      queue.delete(upgrade);
    };
  }, [ref, near]);
  return near || eager;
}
