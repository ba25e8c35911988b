/** Entry point: theme, styles, session, then the React app. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.js';
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
void sessionStore.start();

const container = document.getElementById('root');
if (container) {
  createRoot(container).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
