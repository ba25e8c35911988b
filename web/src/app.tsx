/** The app's root: shows sign-in, sign-up, first-run set-up or the chat, following the session and route. */
import { useMemo } from 'react';
import type { Session } from './api/auth-api.js';
import { useRoute } from './hooks/use-route.js';
import { useSession } from './hooks/use-session.js';
import { ChatPage } from './pages/chat-page.js';
import { InviteWhileSignedIn } from './pages/invite-page.js';
import { ShareContinuePage, SharePage } from './pages/share-page.js';
import { SignedOutPage } from './pages/signed-out-page.js';
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
  const route = useRoute();
  switch (session.status) {
    case 'loading':
      return <Splash />;
    case 'unreachable':
      return <Unreachable message={session.message} />;
    case 'signed-out':
      // A shared chat is public; continuing it needs an account (sign in, then the copy is made).
      if (route.name === 'share') return <SharePage key={route.shareId} shareId={route.shareId} signedIn={false} />;
      if (route.name === 'share-continue')
        return (
          <SignedOutPage
            route={route}
            {...session}
            notice={session.notice ?? 'Sign in to continue this shared chat.'}
          />
        );
      return <SignedOutPage route={route} {...session} />;
    case 'signed-in':
      if (route.name === 'share') return <SharePage key={route.shareId} shareId={route.shareId} signedIn />;
      if (route.name === 'share-continue') return <ShareContinuePage key={route.shareId} shareId={route.shareId} />;
      if (route.name === 'invite') return <InviteWhileSignedIn email={session.session.user.email} />;
      return <SignedIn session={session.session} />;
  }
}
