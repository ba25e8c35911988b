/** Who a request acts as, and through which credential — routes decide what each credential may do. */
import type { UserRecord } from '../store/store.js';

/**
 * `cookie`: the browser session cookie. `access_token`: a JWT minted from a session (what the web app and
 * ChatGPT clients send). `personal_token`: a personal access token (`bc_pat_…`) of an API client.
 */
export type CredentialKind = 'cookie' | 'access_token' | 'personal_token';

export interface Identity {
  user: UserRecord;
  via: CredentialKind;
  /** The session behind a cookie or an access token; null for a personal access token. */
  sessionId: string | null;
  /** The credential's row (session or personal token) and when it was last marked used. */
  credential: { kind: 'session' | 'personal_token'; id: string; lastUsedTime: number | null };
}
