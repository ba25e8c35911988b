/** Whether a CSS media query matches, kept up to date. */
import { useCallback, useSyncExternalStore } from 'react';

export function useMediaQuery(query: string): boolean {
  const subscribe = useCallback(
    (listener: () => void) => {
      const list = window.matchMedia(query);
      list.addEventListener('change', listener);
      return () => list.removeEventListener('change', listener);
    },
    [query],
  );
  return useSyncExternalStore(subscribe, () => window.matchMedia(query).matches);
}

/** The mobile layout (< 768 px): the sidebar becomes a drawer. */
export function useIsMobile(): boolean {
  return useMediaQuery('(max-width: 767.98px)');
}
