/**
 * The conversation: the current branch's messages (each a memoised row), a failed turn's error with
 * Retry, "Continue generating", and scrolling that follows a streaming answer. Renders only the
 * current branch; rows far from the viewport skip layout and paint (`content-visibility: auto`).
 * A long conversation is loaded a window at a time (thread-registry.ts): nearing the top of what is
 * loaded fetches the next-older window, which is put above without moving what is on screen.
 */
import { memo, type RefObject, useEffect, useLayoutEffect, useReducer, useRef, useState } from 'react';
import { memoDisabled } from '../../bench/render-counter.js';
import { useNearViewport } from '../../hooks/use-near-viewport.js';
import { type KeyChunk, useProgressiveChunks } from '../../hooks/use-progressive-chunks.js';
import { useStickToBottom } from '../../hooks/use-stick-to-bottom.js';
import { useThreadView } from '../../hooks/use-thread.js';
import { useServices } from '../../state/app-services.js';
import type { ThreadStore, ThreadView } from '../../state/thread-store.js';
import { ArrowDownIcon } from '../ui/icons.js';
import { MaskIcon } from '../ui/mask-icon.js';
import { handleCodeCopyClick } from './code-copy.js';
import { MessageRow } from './message-row.js';

/** Bench baseline only: re-render the whole thread whenever any message changes. */
function useNaiveRerender(store: ThreadStore, keys: readonly string[]): void {
  const [, force] = useReducer((count: number) => count + 1, 0);
  useEffect(() => {
    if (!memoDisabled) return;
    const unsubscribe = keys.map((key) => store.subscribeItem(key, force));
    return () => {
      for (const stop of unsubscribe) stop();
    };
  }, [store, keys]);
}

interface ChunkProps {
  store: ThreadStore;
  chunk: KeyChunk;
  /** The newest chunk renders fully at once. */
  newest: boolean;
}

function ThreadChunkView({ store, chunk, newest }: ChunkProps) {
  const ref = useRef<HTMLDivElement>(null);
  const near = useNearViewport(ref, newest);
  return (
    <div ref={ref} className="thread-chunk">
      {chunk.keys.map((key) => (
        <MessageRow key={key} store={store} itemKey={key} chunkNear={near} />
      ))}
    </div>
  );
}

function sameChunk(a: ChunkProps, b: ChunkProps): boolean {
  const sameKeys =
    a.chunk.keys.length === b.chunk.keys.length && a.chunk.keys.every((key, i) => key === b.chunk.keys[i]);
  return a.store === b.store && a.newest === b.newest && sameKeys;
}

/** A run of rows that re-renders only when its own keys change (see use-progressive-chunks). */
const ThreadChunk = memoDisabled ? ThreadChunkView : memo(ThreadChunkView, sameChunk);

/** Counts turns started (busy going on): each new turn pins the view to the bottom again. */
function useTurnCount(busy: boolean): number {
  const [count, setCount] = useState(0);
  const [wasBusy, setWasBusy] = useState(busy);
  if (busy !== wasBusy) {
    setWasBusy(busy);
    if (busy) setCount(count + 1);
  }
  return count;
}

function ThreadFooter({ store, view }: { store: ThreadStore; view: ThreadView }) {
  const { controller } = useServices();
  return (
    <>
      {view.threadError && (
        <div className="thread-error" role="alert">
          <MaskIcon name="alert" size={18} />
          <span className="thread-error-text">{view.threadError.text}</span>
          {view.threadError.retry && (
            <button type="button" className="button button-secondary small" onClick={view.threadError.retry}>
              Retry
            </button>
          )}
        </div>
      )}
      {view.canContinue && !view.busy && (
        <div className="continue-row">
          <button type="button" className="button button-secondary" onClick={() => controller.continueAnswer(store)}>
            Continue generating
          </button>
        </div>
      )}
    </>
  );
}

/** How far above the visible area the top of what is loaded may be when the next-older window is fetched. */
const olderMargin = '2000px 0px 0px 0px';

/**
 * At the top of the thread while older messages exist: fetches the next-older window once it comes
 * near the visible area, and again after each one while it stays near (a short window, a tall screen).
 */
function OlderMessages({
  store,
  scrollRef,
  armed,
}: {
  store: ThreadStore;
  scrollRef: RefObject<HTMLDivElement | null>;
  /** False while the loaded rows are still being mounted above (the top seen is not the loaded top). */
  armed: boolean;
}) {
  const { registry } = useServices();
  const { olderAbove } = useThreadView(store);
  const ref = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState<string | null>(null);
  useEffect(() => {
    const element = ref.current;
    if (olderAbove === null || !element || !armed) return;
    let active = true;
    const observer = new IntersectionObserver(
      (entries) => {
        if (!entries.some((entry) => entry.isIntersecting)) return;
        observer.disconnect();
        registry.loadOlder(store).then(
          () => setFailed(null),
          (error: unknown) => {
            if (active) setFailed(error instanceof Error ? error.message : String(error));
          },
        );
      },
      { root: scrollRef.current, rootMargin: olderMargin },
    );
    observer.observe(element);
    return () => {
      active = false;
      observer.disconnect();
    };
  }, [olderAbove, registry, store, scrollRef, armed]);
  if (olderAbove === null) return null;
  return (
    <div ref={ref} className="thread-older" role="status">
      {failed === null ? 'Loading earlier messages…' : `Earlier messages could not be loaded: ${failed}`}
    </div>
  );
}

/** A row and where it was in the scroll box, to be kept there. */
interface HeldRow {
  element: Element;
  offset: number;
  /** performance.now() after which it is let go. */
  until: number;
}

/** How long a row is held after older rows were put above it, and after each change while held. */
const holdFirstMs = 1000;
const holdMoreMs = 500;

function restoreOffset(held: HeldRow, box: HTMLElement): void {
  const moved = offsetIn(held.element, box) - held.offset;
  if (Math.abs(moved) >= 1) box.scrollTop += moved;
}

/**
 * Keeps the rows on screen still when older rows are put above them: the first row's offset in the
 * scroll box is taken before the update (during render, the DOM still old) and restored after it.
 * Chromium's scroll anchoring often does it already (then nothing moves here), but not at offset 0.
 * The rows above then settle for a few frames (their markdown replaces their plain text as they come
 * near; the renderer may still be loading), and the browser's anchoring does not always follow a row
 * whose content was replaced: so the row stays held, its offset restored after every size change of
 * the thread, until the thread has been still for a moment or the person scrolls, types or clicks.
 */
function useStillWhenPrepending(
  scrollRef: RefObject<HTMLDivElement | null>,
  contentRef: RefObject<HTMLDivElement | null>,
  firstPosition: number,
): void {
  const seen = useRef(firstPosition);
  const taken = useRef<{ element: Element; offset: number } | null>(null);
  const held = useRef<HeldRow | null>(null);
  if (firstPosition < seen.current && taken.current === null) {
    const element = contentRef.current?.querySelector('article[data-message-id]');
    const box = scrollRef.current;
    if (element && box) taken.current = { element, offset: offsetIn(element, box) };
  }
  useLayoutEffect(() => {
    seen.current = firstPosition;
    const row = taken.current;
    taken.current = null;
    const box = scrollRef.current;
    if (!row || !box || !row.element.isConnected) return;
    held.current = { ...row, until: performance.now() + holdFirstMs };
    restoreOffset(held.current, box);
  }, [firstPosition, scrollRef]);
  useEffect(() => {
    const box = scrollRef.current;
    const content = contentRef.current;
    if (!box || !content) return;
    const letGo = () => {
      held.current = null;
    };
    const observer = new ResizeObserver(() => {
      const row = held.current;
      if (!row) return;
      const now = performance.now();
      if (now > row.until || !row.element.isConnected) {
        letGo();
        return;
      }
      row.until = Math.max(row.until, now + holdMoreMs);
      restoreOffset(row, box);
    });
    observer.observe(content);
    // Keys go to the focused element, which is the page itself while someone reads (the keys then
    // scroll the thread clicked last): a key anywhere lets go, as in typing.
    const inputs = ['wheel', 'touchstart', 'pointerdown'] as const;
    const page = box.ownerDocument;
    for (const type of inputs) box.addEventListener(type, letGo, { passive: true });
    page.addEventListener('keydown', letGo, { passive: true });
    return () => {
      observer.disconnect();
      for (const type of inputs) box.removeEventListener(type, letGo);
      page.removeEventListener('keydown', letGo);
    };
  }, [scrollRef, contentRef]);
}

function offsetIn(element: Element, box: Element): number {
  return element.getBoundingClientRect().top - box.getBoundingClientRect().top;
}

export function Thread({ store }: { store: ThreadStore }) {
  const view = useThreadView(store);
  const { chunks, complete } = useProgressiveChunks(view.keys, view.firstPosition);
  useNaiveRerender(store, view.keys);
  const scrollRef = useRef<HTMLDivElement>(null);
  const contentRef = useRef<HTMLDivElement>(null);
  const turns = useTurnCount(view.busy);
  const { atBottom, scrollToBottom } = useStickToBottom(scrollRef, contentRef, turns);
  useStillWhenPrepending(scrollRef, contentRef, view.firstPosition);
  return (
    <div className="thread-scroll" ref={scrollRef}>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: delegated handler for the code blocks' own copy buttons */}
      {/* biome-ignore lint/a11y/useKeyWithClickEvents: the copy buttons are real buttons; Enter/Space click them */}
      <div className="thread" ref={contentRef} data-busy={view.busy || undefined} onClick={handleCodeCopyClick}>
        <OlderMessages store={store} scrollRef={scrollRef} armed={complete} />
        {chunks.map((chunk, index) => (
          <ThreadChunk key={chunk.index} store={store} chunk={chunk} newest={index === chunks.length - 1} />
        ))}
        <ThreadFooter store={store} view={view} />
      </div>
      {!atBottom && (
        <button
          type="button"
          className="scroll-to-bottom"
          aria-label="Scroll to bottom"
          onClick={() => scrollToBottom(true)}
        >
          <ArrowDownIcon size={18} />
        </button>
      )}
    </div>
  );
}
