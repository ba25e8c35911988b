/**
 * Who is signed in. The session comes from the HttpOnly cookie (`GET /api/auth/session`); its
 * `accessToken` is sent as the bearer token on backend-api calls. A 401 asks the session again once
 * (the token may simply have expired); if the cookie is gone too, the app shows the sign-in page.
 * Like ChatGPT's web app, the session is asked again when the tab becomes visible, so a session
 * ended elsewhere (another device, an administrator) shows the sign-in page as soon as the user is back.
 */

import type { Session, SignUpInput, SignupPolicy } from '../api/auth-api.js';
import * as authApi from '../api/auth-api.js';
import { setAuthHooks } from '../api/http-client.js';
import { currentRoute, navigate } from './router.js';

export type SessionState =
  | { status: 'loading' }
  | { status: 'signed-out'; needsSetup: boolean; signupPolicy: SignupPolicy; notice: string | null }
  | { status: 'signed-in'; session: Session }
  | { status: 'unreachable'; message: string };

type Listener = () => void;

class SessionStore {
  private state: SessionState = { status: 'loading' };
  private readonly listeners = new Set<Listener>();
  private refreshing: Promise<boolean> | null = null;
  /** The sign-up policy last heard from the server. */
  private policy: SignupPolicy = 'invite';

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
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') void this.recheck();
    });
    try {
      const session = await authApi.fetchSession();
      if (session) this.set({ status: 'signed-in', session });
      else await this.showSignIn(null);
    } catch (error) {
      this.set({ status: 'unreachable', message: error instanceof Error ? error.message : String(error) });
    }
  }

  private async showSignIn(notice: string | null): Promise<void> {
    const setup = await authApi.fetchSetup().catch(() => ({ needsSetup: false, signupPolicy: this.policy }));
    this.policy = setup.signupPolicy;
    this.set({ status: 'signed-out', ...setup, notice });
  }

  /** Shows sign-in at once, then updates it with the server's sign-up policy. */
  private showSignedOut(notice: string | null): void {
    this.set({ status: 'signed-out', needsSetup: false, signupPolicy: this.policy, notice });
    void authApi
      .fetchSetup()
      .then(({ signupPolicy }) => {
        this.policy = signupPolicy;
        if (this.state.status === 'signed-out') this.set({ ...this.state, signupPolicy });
      })
      .catch(() => {});
  }

  async signIn(email: string, password: string): Promise<void> {
    this.set({ status: 'signed-in', session: await authApi.signIn(email, password) });
  }

  async signUp(input: SignUpInput): Promise<void> {
    const session = await authApi.signUp(input);
    // The invite link has done its job: the app opens at `/`, not at the used link.
    if (currentRoute().name === 'invite') navigate({ name: 'new-chat' }, true);
    this.set({ status: 'signed-in', session });
  }

  async createAdmin(name: string, email: string, password: string): Promise<void> {
    this.set({ status: 'signed-in', session: await authApi.createAdmin(name, email, password) });
  }

  async signOut(): Promise<void> {
    await authApi.signOut().catch(() => {});
    this.showSignedOut(null);
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

  /** The tab is visible again: a session ended meanwhile signs out now (a network failure does not). */
  private async recheck(): Promise<void> {
    if (this.state.status !== 'signed-in') return;
    const session = await authApi.fetchSession().catch(() => undefined);
    if (session === null) this.expire();
  }

  private expire(): void {
    if (this.state.status !== 'signed-in') return;
    this.showSignedOut('Your session has ended. Please sign in again.');
  }
}

export const sessionStore = new SessionStore();
