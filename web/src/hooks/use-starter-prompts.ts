/**
 * The new-chat screen's four random starter prompts (`GET /backend-api/prompt_library/`), and the
 * "Show Starter Prompts" analytics event once they are shown, when analytics is on here and on the
 * server (the order of both is in docs/web-ui.md).
 */
import { useEffect, useState } from 'react';
import type { WirePromptItem } from '../../../src/protocol/wire-types.js';
import { sendAnalyticsBatch, starterPromptsEvent } from '../api/analytics.js';
import { starterPrompts } from '../api/backend-api.js';
import { settingsStore } from '../state/settings-store.js';

export interface StarterPromptsOptions {
  userId: string;
  /** Resolves to the server's analytics switch. */
  serverAnalytics: Promise<boolean>;
}

/** Loads prompts once per `draftKey` (a new chat); null while loading. */
export function useStarterPrompts(draftKey: object, options: StarterPromptsOptions): WirePromptItem[] | null {
  const [prompts, setPrompts] = useState<{ key: object; items: WirePromptItem[] } | null>(null);
  const { userId, serverAnalytics } = options;
  useEffect(() => {
    let live = true;
    starterPrompts()
      .then(async (items) => {
        if (!live) return;
        setPrompts({ key: draftKey, items });
        if (items.length === 0 || !settingsStore.get().analytics || !(await serverAnalytics)) return;
        void sendAnalyticsBatch([
          starterPromptsEvent(
            userId,
            items.map((item) => item.title),
          ),
        ]);
      })
      .catch(() => {
        if (live) setPrompts({ key: draftKey, items: [] });
      });
    return () => {
      live = false;
    };
  }, [draftKey, userId, serverAnalytics]);
  return prompts?.key === draftKey ? prompts.items : null;
}
