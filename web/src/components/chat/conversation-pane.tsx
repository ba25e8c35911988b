/** An open conversation: its thread (or loading / not found) and the composer. */
import { useEffect } from 'react';
import { useMarkdownReady } from '../../hooks/use-markdown.js';
import { useIsMobile } from '../../hooks/use-media-query.js';
import { useThreadView } from '../../hooks/use-thread.js';
import { useServices } from '../../state/app-services.js';
import type { ThreadStore } from '../../state/thread-store.js';
import { Composer } from '../composer/composer.js';
import { Thread } from '../thread/thread.js';
import { Disclaimer } from './disclaimer.js';

/** How long an opened conversation may wait for the markdown renderer before it shows as plain text. */
const markdownWaitMs = 1000;

function Status({ store, onNewChat }: { store: ThreadStore; onNewChat: () => void }) {
  const view = useThreadView(store);
  // Anything but a failure: loading, or loaded and waiting a moment for the markdown renderer.
  if (view.phase !== 'not-found' && view.phase !== 'error') {
    return (
      <div className="pane-status" role="status" aria-label="Loading conversation">
        <span className="spinner large" />
      </div>
    );
  }
  return (
    <div className="pane-status">
      <h1>{view.phase === 'not-found' ? 'Conversation not found' : 'Couldn’t open this conversation'}</h1>
      <p className="muted">
        {view.phase === 'not-found'
          ? 'It may have been deleted, or it belongs to another account.'
          : (view.loadError ?? 'Please try again.')}
      </p>
      <button type="button" className="button button-primary" onClick={onNewChat}>
        Start a new chat
      </button>
    </div>
  );
}

export function ConversationPane({ store, onNewChat }: { store: ThreadStore; onNewChat: () => void }) {
  const { controller, models } = useServices();
  const view = useThreadView(store);
  const mobile = useIsMobile();
  const ready = view.phase === 'ready' || view.phase === 'draft';
  const markdownReady = useMarkdownReady(markdownWaitMs);
  useEffect(() => {
    if (view.lastModelSlug && models.find(view.lastModelSlug)) models.select(view.lastModelSlug, false);
  }, [view.lastModelSlug, models]);
  return (
    <div className="chat-pane">
      {ready && markdownReady ? (
        <Thread key={store.id} store={store} />
      ) : (
        <Status store={store} onNewChat={onNewChat} />
      )}
      <div className="composer-area">
        <Composer
          busy={view.busy}
          disabled={!ready}
          autoFocus={!mobile}
          placeholder="Message backchat…"
          onSend={(text) =>
            controller.send(store, text, { model: models.current(), suggestions: [], temporary: false })
          }
          onStop={() => controller.stop(store)}
        />
        <Disclaimer />
      </div>
    </div>
  );
}
