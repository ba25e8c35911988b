/**
 * Settings kept in this browser: the theme (light / dark / system), whether usage analytics
 * (`/ces/v1/b`) may be sent, and whether answers keep being written when the page goes away.
 * The theme is applied to <html data-theme>.
 */
import { readStorage, writeStorage } from '../lib/local-storage.js';

export type ThemeChoice = 'system' | 'light' | 'dark';

export interface Settings {
  theme: ThemeChoice;
  analytics: boolean;
  /** "Keep generating when I leave": turns carry `X-Backchat-Background: 1` and Stop goes through the server. */
  keepGenerating: boolean;
}

const themeKey = 'backchat.theme';
const analyticsKey = 'backchat.analytics';
const keepGeneratingKey = 'backchat.keepGenerating';

function readTheme(): ThemeChoice {
  const stored = readStorage(themeKey);
  return stored === 'light' || stored === 'dark' ? stored : 'system';
}

type Listener = () => void;

class SettingsStore {
  private settings: Settings = {
    theme: readTheme(),
    analytics: readStorage(analyticsKey) !== 'off',
    keepGenerating: readStorage(keepGeneratingKey) !== 'off',
  };
  private readonly listeners = new Set<Listener>();

  readonly subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly get = (): Settings => this.settings;

  setTheme(theme: ThemeChoice): void {
    writeStorage(themeKey, theme === 'system' ? null : theme);
    this.update({ theme });
    applyTheme(theme);
  }

  setAnalytics(enabled: boolean): void {
    writeStorage(analyticsKey, enabled ? null : 'off');
    this.update({ analytics: enabled });
  }

  setKeepGenerating(enabled: boolean): void {
    writeStorage(keepGeneratingKey, enabled ? null : 'off');
    this.update({ keepGenerating: enabled });
  }

  private update(patch: Partial<Settings>): void {
    this.settings = { ...this.settings, ...patch };
    for (const listener of [...this.listeners]) listener();
  }
}

export const settingsStore = new SettingsStore();

/** Puts the theme on <html>; "system" follows prefers-color-scheme through CSS alone. */
export function applyTheme(theme: ThemeChoice = settingsStore.get().theme): void {
  const root = document.documentElement;
  if (theme === 'system') root.removeAttribute('data-theme');
  else root.dataset.theme = theme;
}
