/** The app's root: shows sign-in, first-run set-up or the chat, following the session. */
import { useMemo } from 'react';
import type { Session } from './api/auth-api.js';
import { useSession } from './hooks/use-session.js';
import { ChatPage } from './pages/chat-page.js';
import { SetupPage } from './pages/setup-page.js';
import { SignInPage } from './pages/sign-in-page.js';
import { AppServicesContext, createAppServices } from './state/app-services.js';

function SignedIn({ session }: { session: Session }) {
  const userId = session.user.id;
  // biome-ignore lint/correctness/useExhaustiveDependencies: one set of services per signed-in user
  const services = useMemo(() => createAppServices(session.user), [userId]);
  return (
    <AppServicesContext.Provider value={services}>
      <ChatPage />
    </AppServicesContext.Provider>
  );
}

function Splash() {
  return (
    <div className="splash" role="status" aria-label="Loading backchat">
      <span className="spinner large" />
    </div>
  );
}

function Unreachable({ message }: { message: string }) {
  return (
    <main className="auth-page">
      <div className="auth-card">
        <h1>Can’t reach backchat</h1>
        <p className="auth-subtitle">{message}</p>
        <button type="button" className="button button-primary button-block" onClick={() => window.location.reload()}>
          Try again
        </button>
      </div>
    </main>
  );
}

export function App() {
  const session = useSession();
  switch (session.status) {
    case 'loading':
      return <Splash />;
    case 'unreachable':
      return <Unreachable message={session.message} />;
    case 'signed-out':
      return session.needsSetup ? <SetupPage /> : <SignInPage notice={session.notice} />;
    case 'signed-in':
      return <SignedIn session={session.session} />;
  }
}
