/** Signed out: first-run set-up, an invite link, sign-in, or (when the server allows it) sign-up. */
import { useState } from 'react';
import type { SignupPolicy } from '../api/auth-api.js';
import type { Route } from '../state/router.js';
import { InvitePage } from './invite-page.js';
import { SetupPage } from './setup-page.js';
import { SignInPage } from './sign-in-page.js';
import { SignUpPage } from './sign-up-page.js';

interface SignedOutPageProps {
  route: Route;
  needsSetup: boolean;
  signupPolicy: SignupPolicy;
  notice: string | null;
}

export function SignedOutPage({ route, needsSetup, signupPolicy, notice }: SignedOutPageProps) {
  const [signingUp, setSigningUp] = useState(false);
  if (needsSetup) return <SetupPage />;
  if (route.name === 'invite') return <InvitePage key={route.token} token={route.token} />;
  if (signingUp && signupPolicy === 'open') return <SignUpPage onSignIn={() => setSigningUp(false)} />;
  return <SignInPage notice={notice} signupPolicy={signupPolicy} onSignUp={() => setSigningUp(true)} />;
}
