/**
 * Sign in with email and password (`POST /api/auth/login`; the server sets the session cookie).
 * Too many attempts: the server's 429 `detail` ("Too many sign-in attempts. Try again in N minutes.").
 */
import { useState } from 'react';
import type { SignupPolicy } from '../api/auth-api.js';
import { Field } from '../components/ui/field.js';
import { FormMessages } from '../components/ui/form-messages.js';
import { useAction } from '../hooks/use-action.js';
import { sessionStore } from '../state/session-store.js';
import { AuthLayout } from './auth-layout.js';

const policyHints: Record<Exclude<SignupPolicy, 'open'>, string> = {
  invite: 'New here? Ask an administrator of this server for an invite link.',
  closed: 'Accounts are created by this server’s administrator.',
};

function SignUpHint({ policy, onSignUp }: { policy: SignupPolicy; onSignUp: () => void }) {
  if (policy !== 'open') return <p className="auth-hint">{policyHints[policy]}</p>;
  return (
    <p className="auth-hint">
      Don’t have an account?{' '}
      <button type="button" className="link-button" onClick={onSignUp}>
        Create an account
      </button>
    </p>
  );
}

interface SignInPageProps {
  notice: string | null;
  signupPolicy: SignupPolicy;
  onSignUp: () => void;
}

export function SignInPage({ notice, signupPolicy, onSignUp }: SignInPageProps) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction();
  return (
    <AuthLayout title="Welcome back" subtitle="Sign in to backchat to continue.">
      {notice && !action.error && (
        <p className="form-notice" role="status">
          {notice}
        </p>
      )}
      <form
        className="auth-form"
        onSubmit={(event) => {
          event.preventDefault();
          void action.run(() => sessionStore.signIn(email, password));
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
        <FormMessages error={action.error} />
        <button type="submit" className="button button-primary button-block" disabled={action.busy}>
          {action.busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <SignUpHint policy={signupPolicy} onSignUp={onSignUp} />
    </AuthLayout>
  );
}
