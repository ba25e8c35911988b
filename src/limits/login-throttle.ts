/**
 * Sign-in throttling: attempts per client network and failures per account email, both in one
 * sliding window. `check` counts the attempt against both before the password is verified (so
 * parallel guesses cannot slip past the count); `recordSuccess` clears the account's count, which
 * leaves exactly the failures counted. Unknown emails are counted like known ones.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import { clientNetwork } from './client-network.js';
import type { CounterStore } from './counter-store.js';
import type { LimitsConfig } from './limits-config.js';
import { inMinutes, RateLimit } from './rate-limit.js';

const message = (retryAfterMs: number) => `Too many sign-in attempts. Try again in ${inMinutes(retryAfterMs)}.`;

/** Emails are keyed by a hash: case and spaces do not matter, and keys stay short and free of addresses. */
function accountSubject(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 32);
}

export class LoginThrottle {
  private readonly perIp: RateLimit;
  private readonly perAccount: RateLimit;

  constructor(deps: { store: CounterStore; clock: Clock; login: LimitsConfig['login'] }) {
    const windowMs = deps.login.windowMinutes * 60_000;
    this.perIp = new RateLimit(deps, { name: 'login-ip', limit: deps.login.perIp, windowMs, message });
    this.perAccount = new RateLimit(deps, { name: 'login-account', limit: deps.login.perAccount, windowMs, message });
  }

  /**
   * Call before verifying the password. Throws TooManyRequestsError (429, "Too many sign-in
   * attempts. Try again in N minutes.") when the network or the account is over its limit.
   */
  async check(email: string, ip: string): Promise<void> {
    await this.checkNetwork(ip);
    await this.perAccount.hit(accountSubject(email));
  }

  /** Counts an attempt against the client network only (sign-ups: the same network budget as sign-ins). */
  async checkNetwork(ip: string): Promise<void> {
    await this.perIp.hit(clientNetwork(ip));
  }

  /** Call after a successful sign-in: the account's failures are forgotten. */
  async recordSuccess(email: string): Promise<void> {
    await this.perAccount.clear(accountSubject(email));
  }
}
