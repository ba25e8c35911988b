/** This browser's settings (theme, analytics). */
import { useSyncExternalStore } from 'react';
import { type Settings, settingsStore } from '../state/settings-store.js';

export function useSettings(): Settings {
  return useSyncExternalStore(settingsStore.subscribe, settingsStore.get);
}
