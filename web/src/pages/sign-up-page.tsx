/** Open sign-up (the server's `signup_policy` is "open"): anyone who reaches the server can join. */
import { AuthLayout } from './auth-layout.js';
import { SignUpForm } from './sign-up-form.js';

export function SignUpPage({ onSignIn }: { onSignIn: () => void }) {
  return (
    <AuthLayout title="Create your account" subtitle="Sign up to start chatting on this backchat server.">
      <SignUpForm />
      <p className="auth-hint">
        Already have an account?{' '}
        <button type="button" className="link-button" onClick={onSignIn}>
          Sign in
        </button>
      </p>
    </AuthLayout>
  );
}
