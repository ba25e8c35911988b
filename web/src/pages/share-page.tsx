/**
 * A shared conversation at `/share/:id`, signed in or not: `GET /backend-api/share/{id}` rendered
 * read-only with the thread's own markdown renderer (the same sanitizer), its title and date, and
 * "Continue this conversation" (signed in: a copy in the user's history; signed out: sign in first,
 * then `/share/:id/continue` does it). A missing or revoked link shows a not-found page.
 */
import { useEffect, useState } from 'react';
import { ApiError, describeError } from '../api/api-error.js';
import { continueShare, getShare, type SharedConversation } from '../api/share-api.js';
import { MessageBody, UserText } from '../components/thread/message-body.js';
import { UnsupportedBlocks } from '../components/thread/message-row.js';
import { LogoMark } from '../components/ui/icons.js';
import { MaskIcon } from '../components/ui/mask-icon.js';
import { loadMarkdown } from '../hooks/use-markdown.js';
import { formatDate } from '../lib/relative-time.js';
import { navigate } from '../state/router.js';
import { type ThreadMessage, toThreadMessage } from '../state/thread-tree.js';
import { AuthLayout } from './auth-layout.js';

type Loaded =
  | { state: 'loading' }
  | { state: 'ready'; share: SharedConversation }
  | { state: 'not-found' }
  | { state: 'error'; message: string };

function SharedMessage({ message }: { message: ThreadMessage }) {
  const contents = message.unsupported ? [message.unsupported] : [];
  const hasText = message.text !== '' || contents.length === 0;
  if (message.role === 'user') {
    return (
      <article className="message message-user" data-message-id={message.id} data-role="user">
        <h3 className="sr-only">User said:</h3>
        <div className="user-bubble">
          {hasText && <UserText text={message.text} />}
          <UnsupportedBlocks contents={contents} />
        </div>
      </article>
    );
  }
  return (
    <article className="message message-assistant" data-message-id={message.id} data-role="assistant">
      <div className="assistant-avatar" aria-hidden="true">
        <MaskIcon name="logo" size={20} />
      </div>
      <div className="assistant-content">
        <h3 className="sr-only">backchat said:</h3>
        {hasText && <MessageBody text={message.text} streaming={false} near />}
        <UnsupportedBlocks contents={contents} />
      </div>
    </article>
  );
}

/** "This shared link has been removed or never existed." */
export function ShareNotFound() {
  return (
    <AuthLayout title="Shared link not found" subtitle="This shared link has been removed or never existed.">
      <a className="button button-primary button-block" href="/">
        Go to backchat
      </a>
    </AuthLayout>
  );
}

function ContinueButton({ shareId, signedIn }: { shareId: string; signedIn: boolean }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const onClick = async () => {
    // Signed out: the continue route asks to sign in, then makes the copy.
    if (!signedIn) return navigate({ name: 'share-continue', shareId });
    setBusy(true);
    setError(null);
    try {
      navigate({ name: 'conversation', conversationId: await continueShare(shareId) });
    } catch (failure) {
      setError(describeError(failure));
      setBusy(false);
    }
  };
  return (
    <div className="share-continue">
      <button type="button" className="button button-primary" disabled={busy} onClick={() => void onClick()}>
        Continue this conversation
      </button>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

export function SharePage({ shareId, signedIn }: { shareId: string; signedIn: boolean }) {
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });
  useEffect(() => {
    let live = true;
    void loadMarkdown();
    setLoaded({ state: 'loading' });
    getShare(shareId).then(
      (share) => {
        if (live) setLoaded({ state: 'ready', share });
      },
      (failure) => {
        if (!live) return;
        const missing = failure instanceof ApiError && (failure.status === 404 || failure.status === 400);
        setLoaded(missing ? { state: 'not-found' } : { state: 'error', message: describeError(failure) });
      },
    );
    return () => {
      live = false;
    };
  }, [shareId]);

  useEffect(() => {
    document.title = loaded.state === 'ready' ? `${loaded.share.title || 'Shared chat'} · backchat` : 'backchat';
  }, [loaded]);

  if (loaded.state === 'loading') {
    return (
      <div className="splash" role="status" aria-label="Loading shared chat">
        <span className="spinner large" />
      </div>
    );
  }
  if (loaded.state === 'not-found') return <ShareNotFound />;
  if (loaded.state === 'error') {
    return (
      <AuthLayout title="Can’t load this shared chat" subtitle={loaded.message}>
        <button type="button" className="button button-primary button-block" onClick={() => window.location.reload()}>
          Try again
        </button>
      </AuthLayout>
    );
  }
  const { share } = loaded;
  const messages = share.linear_conversation.flatMap((node) => {
    const message = node.message ? toThreadMessage(node.message) : null;
    return message ? [message] : [];
  });
  const shared = formatDate(new Date(share.create_time * 1000).toISOString());
  return (
    <div className="share-page">
      <header className="share-page-bar">
        <a className="share-page-brand" href="/">
          <LogoMark size={28} />
          <span>backchat</span>
        </a>
      </header>
      <main className="share-page-main">
        <div className="share-page-head">
          <h1>{share.title || 'Shared chat'}</h1>
          <p className="share-page-meta">
            {share.author_name ? `Shared by ${share.author_name} · ${shared}` : `Shared on ${shared}`}
          </p>
        </div>
        <div className="thread share-thread">
          {messages.map((message) => (
            <SharedMessage key={message.id} message={message} />
          ))}
        </div>
        <ContinueButton shareId={shareId} signedIn={signedIn} />
      </main>
    </div>
  );
}

/** One copy per visit of the continue route, even if the effect runs twice (StrictMode). */
const continuing = new Map<string, Promise<string>>();

/** `/share/:id/continue` signed in: copies the shared chat into the user's history and opens it. */
export function ShareContinuePage({ shareId }: { shareId: string }) {
  const [failure, setFailure] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    let copy = continuing.get(shareId);
    if (!copy) {
      copy = continueShare(shareId).finally(() => setTimeout(() => continuing.delete(shareId), 1_000));
      continuing.set(shareId, copy);
    }
    copy.then(
      (conversationId) => live && navigate({ name: 'conversation', conversationId }, true),
      (error) => live && setFailure(error ?? new Error('failed')),
    );
    return () => {
      live = false;
    };
  }, [shareId]);
  if (failure === null) {
    return (
      <div className="splash" role="status" aria-label="Copying the shared chat">
        <span className="spinner large" />
      </div>
    );
  }
  if (failure instanceof ApiError && failure.status === 404) return <ShareNotFound />;
  return (
    <AuthLayout title="Can’t continue this chat" subtitle={describeError(failure)}>
      <a className="button button-primary button-block" href={`/share/${encodeURIComponent(shareId)}`}>
        Back to the shared chat
      </a>
    </AuthLayout>
  );
}
