/**
 * Opening a search hit: `/c/<id>`, then — once the conversation is loaded — the branch holding the
 * message, scrolled to and flashed. Only the latest jump counts; leaving the page cancels it.
 */
import { useCallback, useEffect, useRef } from 'react';
import { flashMessage } from '../lib/flash-message.js';
import type { AppServices } from '../state/app-services.js';
import { navigate } from '../state/router.js';
import type { ThreadStore } from '../state/thread-store.js';

/** Calls `ready` once `store` has loaded (at once if it has); returns the unsubscribe. */
function whenLoaded(store: ThreadStore, ready: () => void): () => void {
  let done = false;
  const check = () => {
    const { phase } = store.getView();
    if (done || phase === 'loading') return;
    done = true;
    unsubscribe();
    if (phase === 'ready') ready();
  };
  const unsubscribe = store.subscribe(check);
  check();
  return unsubscribe;
}

export function useJumpToMessage(services: AppServices): (conversationId: string, messageId: string | null) => void {
  const cancel = useRef<() => void>(() => {});
  useEffect(() => () => cancel.current(), []);
  return useCallback(
    (conversationId, messageId) => {
      cancel.current();
      navigate({ name: 'conversation', conversationId });
      if (messageId === null) return;
      const store = services.registry.open(conversationId);
      let stopFlash = () => {};
      let cancelled = false;
      const stopWaiting = whenLoaded(store, () => {
        services.controller.reveal(store, messageId).then(
          (rowId) => {
            if (rowId !== null && !cancelled) stopFlash = flashMessage(rowId);
          },
          () => {},
        );
      });
      cancel.current = () => {
        cancelled = true;
        stopWaiting();
        stopFlash();
      };
    },
    [services],
  );
}
