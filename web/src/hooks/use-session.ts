/** The session state (loading, signed out, signed in). */
import { useSyncExternalStore } from 'react';
import { type SessionState, sessionStore } from '../state/session-store.js';

export function useSession(): SessionState {
  return useSyncExternalStore(sessionStore.subscribe, sessionStore.get);
}
