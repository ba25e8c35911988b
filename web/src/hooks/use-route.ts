/** The current client-side route. */
import { useSyncExternalStore } from 'react';
import { currentRoute, type Route, subscribeRoute } from '../state/router.js';

export function useRoute(): Route {
  return useSyncExternalStore(subscribeRoute, currentRoute);
}
