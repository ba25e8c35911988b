/** Narrow subscriptions to a ThreadStore: the view (branch shape, status) or one display item. */
import { useCallback, useSyncExternalStore } from 'react';
import type { DisplayItem } from '../state/display-items.js';
import type { ThreadStore, ThreadView } from '../state/thread-store.js';

export function useThreadView(store: ThreadStore): ThreadView {
  return useSyncExternalStore(store.subscribe, store.getView);
}

export function useThreadItem(store: ThreadStore, key: string): DisplayItem | undefined {
  const subscribe = useCallback((listener: () => void) => store.subscribeItem(key, listener), [store, key]);
  const get = useCallback(() => store.getItem(key), [store, key]);
  return useSyncExternalStore(subscribe, get);
}
