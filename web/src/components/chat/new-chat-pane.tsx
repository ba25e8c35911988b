/** A new chat: greeting, starter prompts and the composer; the first message starts the conversation. */
import { useSyncExternalStore } from 'react';
import { useIsMobile } from '../../hooks/use-media-query.js';
import { useStarterPrompts } from '../../hooks/use-starter-prompts.js';
import { useServices } from '../../state/app-services.js';
import { isDemoModel } from '../../state/model-store.js';
import type { ThreadStore } from '../../state/thread-store.js';
import { Composer } from '../composer/composer.js';
import { NewChatScreen } from '../new-chat/new-chat-screen.js';
import { StarterPrompts } from '../new-chat/starter-prompts.js';
import { Disclaimer } from './disclaimer.js';

interface NewChatPaneProps {
  store: ThreadStore;
  temporary: boolean;
  serverAnalytics: Promise<boolean>;
}

export function NewChatPane({ store, temporary, serverAnalytics }: NewChatPaneProps) {
  const { controller, models, user } = useServices();
  const modelView = useSyncExternalStore(models.subscribe, models.getView);
  const mobile = useIsMobile();
  const prompts = useStarterPrompts(store, { userId: user.id, serverAnalytics });
  const current = models.find(modelView.selected);
  const send = (text: string) =>
    controller.send(store, text, {
      model: models.current(),
      suggestions: (prompts ?? []).map((prompt) => prompt.prompt),
      temporary,
    });
  return (
    <div className="chat-pane new-chat-pane">
      <div className="new-chat-center">
        <NewChatScreen temporary={temporary} demoModel={current !== undefined && isDemoModel(current)} />
      </div>
      <div className="composer-area">
        {!temporary && <StarterPrompts prompts={prompts} onChoose={(prompt) => send(prompt.prompt)} />}
        <Composer busy={false} autoFocus={!mobile} placeholder="Message backchat…" onSend={send} onStop={() => {}} />
        <Disclaimer />
      </div>
    </div>
  );
}
