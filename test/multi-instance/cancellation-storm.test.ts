/**
 * The cancellation storm, `npm test` tier (test/multi-instance/storm-suite.ts): three instances behind
 * fault proxies to PostgreSQL and Redis and behind nginx, 120 users with canaries, 10,000 operations
 * 48 at a time, about 30 % of them cut by the client at a random moment. No response may carry another
 * user's canary or be a 5xx other than a clean 503; afterwards T1–T7 hold and nothing is in progress.
 * Replay the draws with BACKCHAT_STORM_SEED=<n>; the soak tier (cancellation-storm.soak.ts) runs 100,000.
 */
import { registerCancellationStorm } from './storm-suite.js';

registerCancellationStorm({ operations: 10_000, users: 120, instances: 3, concurrency: 48, timeoutMs: 300_000 });
