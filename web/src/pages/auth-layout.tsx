/** The frame of the sign-in and set-up pages: the mark, a heading, a card. */
import type { ReactNode } from 'react';
import { LogoMark } from '../components/ui/icons.js';

export function AuthLayout({ title, subtitle, children }: { title: string; subtitle: ReactNode; children: ReactNode }) {
  return (
    <main className="auth-page">
      <div className="auth-card">
        <LogoMark size={44} className="auth-logo" />
        <h1>{title}</h1>
        <p className="auth-subtitle">{subtitle}</p>
        {children}
      </div>
      <footer className="auth-footer">backchat · self-hosted chat</footer>
    </main>
  );
}

/** Runs a form submission, keeping "busy" and the error message. */
export async function submitting(
  setBusy: (busy: boolean) => void,
  setError: (error: string | null) => void,
  work: () => Promise<void>,
): Promise<void> {
  setBusy(true);
  setError(null);
  try {
    await work();
  } catch (error) {
    setError(error instanceof Error ? error.message : String(error));
    setBusy(false);
  }
}
