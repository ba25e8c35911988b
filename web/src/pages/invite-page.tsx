/**
 * `/invite/:token`: the invite is looked up (`GET /api/auth/invites/{token}`), then the sign-up form
 * with its email filled in; a used, expired or revoked link says so. Someone already signed in is
 * offered to continue, or to sign out and use the link.
 */
import { useEffect, useState } from 'react';
import { describeError } from '../api/api-error.js';
import { fetchInvite, type InviteInfo } from '../api/auth-api.js';
import { navigate } from '../state/router.js';
import { sessionStore } from '../state/session-store.js';
import { AuthLayout } from './auth-layout.js';
import { SignUpForm } from './sign-up-form.js';

type Lookup =
  | { state: 'loading' }
  | { state: 'usable'; invite: InviteInfo }
  | { state: 'unusable' | 'failed'; message?: string };

function useInvite(token: string): Lookup {
  const [lookup, setLookup] = useState<Lookup>({ state: 'loading' });
  useEffect(() => {
    let live = true;
    fetchInvite(token).then(
      (invite) => live && setLookup(invite ? { state: 'usable', invite } : { state: 'unusable' }),
      (error: unknown) => live && setLookup({ state: 'failed', message: describeError(error) }),
    );
    return () => {
      live = false;
    };
  }, [token]);
  return lookup;
}

function GoToSignIn() {
  return (
    <button
      type="button"
      className="button button-primary button-block"
      onClick={() => navigate({ name: 'new-chat' }, true)}
    >
      Go to sign in
    </button>
  );
}

export function InvitePage({ token }: { token: string }) {
  const lookup = useInvite(token);
  switch (lookup.state) {
    case 'loading':
      return (
        <AuthLayout title="You’re invited" subtitle="Checking your invite link…">
          <span className="spinner auth-spinner" role="status" aria-label="Checking the invite" />
        </AuthLayout>
      );
    case 'unusable':
      return (
        <AuthLayout
          title="Invite no longer valid"
          subtitle="It has already been used, has expired, or was revoked. Ask your administrator for a new one."
        >
          <GoToSignIn />
        </AuthLayout>
      );
    case 'failed':
      return (
        <AuthLayout title="Can’t check this invite" subtitle={lookup.message}>
          <button type="button" className="button button-primary button-block" onClick={() => window.location.reload()}>
            Try again
          </button>
        </AuthLayout>
      );
    case 'usable': {
      const { invite } = lookup;
      return (
        <AuthLayout
          title="You’re invited"
          subtitle={`Create your account to join this backchat server${invite.role === 'admin' ? ' as an administrator' : ''}.`}
        >
          <SignUpForm invite={{ token, email: invite.email }} />
          <p className="auth-hint">
            Already have an account?{' '}
            <button type="button" className="link-button" onClick={() => navigate({ name: 'new-chat' }, true)}>
              Sign in
            </button>
          </p>
        </AuthLayout>
      );
    }
  }
}

/** The invite link opened while signed in. */
export function InviteWhileSignedIn({ email }: { email: string }) {
  return (
    <AuthLayout
      title="You’re already signed in"
      subtitle={`You are signed in as ${email}. To create a new account with this invite, sign out first.`}
    >
      <div className="auth-actions">
        <button
          type="button"
          className="button button-primary button-block"
          onClick={() => navigate({ name: 'new-chat' }, true)}
        >
          Continue to backchat
        </button>
        <button
          type="button"
          className="button button-secondary button-block"
          onClick={() => void sessionStore.signOut()}
        >
          Sign out and use the invite
        </button>
      </div>
    </AuthLayout>
  );
}
