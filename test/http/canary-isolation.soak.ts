/**
 * Cross-user isolation under concurrency and cancellation, soak tier (`npm run test:soak`):
 * 200 users × 5 canary-carrying conversations, 100,000 mixed operations over real loopback HTTP from
 * 32 workers, a quarter aborted — on SQLite and PostgreSQL. See canary-suite.ts.
 */
import { registerCanarySuite } from './canary-suite.js';

registerCanarySuite({ users: 200, conversationsPerUser: 5, operations: 100_000, workers: 32 });
