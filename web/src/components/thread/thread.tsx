/**
 * The conversation: the current branch's messages (each a memoised row), a failed turn's error with
 * Retry, "Continue generating", and scrolling that follows a streaming answer. Renders only the
 * current branch; rows far from the viewport skip layout and paint (`content-visibility: auto`).
 */
import { memo, useEffect, useReducer, useRef, useState } from 'react';
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

export function Thread({ store }: { store: ThreadStore }) {
  const view = useThreadView(store);
  const chunks = useProgressiveChunks(view.keys);
  useNaiveRerender(store, view.keys);
  const scrollRef = useRef<HTMLDivElement>(null);
  const contentRef = useRef<HTMLDivElement>(null);
  const turns = useTurnCount(view.busy);
  const { atBottom, scrollToBottom } = useStickToBottom(scrollRef, contentRef, turns);
  return (
    <div className="thread-scroll" ref={scrollRef}>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: delegated handler for the code blocks' own copy buttons */}
      {/* biome-ignore lint/a11y/useKeyWithClickEvents: the copy buttons are real buttons; Enter/Space click them */}
      <div className="thread" ref={contentRef} data-busy={view.busy || undefined} onClick={handleCodeCopyClick}>
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
