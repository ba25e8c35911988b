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
