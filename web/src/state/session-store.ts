/**
 * Who is signed in. The session comes from the HttpOnly cookie (`GET /api/auth/session`); its
 * `accessToken` is sent as the bearer token on backend-api calls. A 401 asks the session again once
 * (the token may simply have expired); if the cookie is gone too, the app shows the sign-in page.
 */

import type { Session } from '../api/auth-api.js';
import * as authApi from '../api/auth-api.js';
import { setAuthHooks } from '../api/http-client.js';

export type SessionState =
  | { status: 'loading' }
  | { status: 'signed-out'; needsSetup: boolean; notice: string | null }
  | { status: 'signed-in'; session: Session }
  | { status: 'unreachable'; message: string };

type Listener = () => void;

class SessionStore {
  private state: SessionState = { status: 'loading' };
  private readonly listeners = new Set<Listener>();
  private refreshing: Promise<boolean> | null = null;

  constructor() {
    setAuthHooks({
      token: () => (this.state.status === 'signed-in' ? this.state.session.accessToken : null),
      refresh: () => this.refresh(),
      signedOut: () => this.expire(),
    });
  }

  readonly subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly get = (): SessionState => this.state;

  private set(state: SessionState): void {
    this.state = state;
    for (const listener of [...this.listeners]) listener();
  }

  /** Reads the session at start-up. */
  async start(): Promise<void> {
    try {
      const session = await authApi.fetchSession();
      if (session) this.set({ status: 'signed-in', session });
      else await this.showSignIn(null);
    } catch (error) {
      this.set({ status: 'unreachable', message: error instanceof Error ? error.message : String(error) });
    }
  }

  private async showSignIn(notice: string | null): Promise<void> {
    const needsSetup = await authApi.needsSetup().catch(() => false);
    this.set({ status: 'signed-out', needsSetup, notice });
  }

  async signIn(email: string, password: string): Promise<void> {
    this.set({ status: 'signed-in', session: await authApi.signIn(email, password) });
  }

  async createAdmin(name: string, email: string, password: string): Promise<void> {
    this.set({ status: 'signed-in', session: await authApi.createAdmin(name, email, password) });
  }

  async signOut(): Promise<void> {
    await authApi.signOut().catch(() => {});
    this.set({ status: 'signed-out', needsSetup: false, notice: null });
  }

  /** A fresh token from the cookie session; false when there is none (single flight). */
  private refresh(): Promise<boolean> {
    this.refreshing ??= authApi
      .fetchSession()
      .then((session) => {
        if (session && this.state.status === 'signed-in') this.set({ status: 'signed-in', session });
        return session !== null;
      })
      .catch(() => false)
      .finally(() => {
        this.refreshing = null;
      });
    return this.refreshing;
  }

  private expire(): void {
    if (this.state.status !== 'signed-in') return;
    this.set({ status: 'signed-out', needsSetup: false, notice: 'Your session has ended. Please sign in again.' });
  }
}

export const sessionStore = new SessionStore();
