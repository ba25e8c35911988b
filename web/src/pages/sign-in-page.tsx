/** Sign in with email and password (`POST /api/auth/login`; the server sets the session cookie). */
import { useState } from 'react';
import { sessionStore } from '../state/session-store.js';
import { AuthLayout, Field, submitting } from './auth-layout.js';

export function SignInPage({ notice }: { notice: string | null }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <AuthLayout title="Welcome back" subtitle="Sign in to backchat to continue.">
      {notice && !error && (
        <p className="form-notice" role="status">
          {notice}
        </p>
      )}
      <form
        className="auth-form"
        onSubmit={(event) => {
          event.preventDefault();
          void submitting(setBusy, setError, () => sessionStore.signIn(email, password));
        }}
      >
        <Field label="Email" type="email" autoComplete="username" value={email} onChange={setEmail} autoFocus />
        <Field
          label="Password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={setPassword}
        />
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="button button-primary button-block" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p className="auth-hint">Accounts are created by this server’s administrator.</p>
    </AuthLayout>
  );
}
