/** Entry point: theme, styles, session, then the React app. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
import { loadMarkdown } from './hooks/use-markdown.js';
import './markdown/markdown.css';
import { sessionStore } from './state/session-store.js';
import { applyTheme } from './state/settings-store.js';
import './styles/base.css';
import './styles/layout.css';
import './styles/sidebar.css';
import './styles/thread.css';
import './styles/mask-icons.css';
import './styles/composer.css';
import './styles/buttons.css';
import './styles/menus.css';
import './styles/dialogs.css';
import './styles/forms.css';
import './styles/auth.css';
import './styles/tabs.css';
import './styles/accounts.css';
import './styles/history.css';

applyTheme();
// Signed in, the chat will need the markdown renderer for its first messages: start loading it the
// moment the session is known, before React renders the shell. Started later (when the chat mounts),
// it arrived after a conversation's messages, which were then drawn twice: as plain text, then again.
const stopWatching = sessionStore.subscribe(() => {
  if (sessionStore.get().status !== 'signed-in') return;
  stopWatching();
  void loadMarkdown();
});
void sessionStore.start();

const container = document.getElementById('root');
if (container) {
  createRoot(container).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
