/**
 * Cross-user isolation under concurrency and cancellation, PR tier (docs/security.md, pattern 6, after
 * redis-py's test_cwe_404): 40 users × 3 canary-carrying conversations, 10,000 mixed
 * operations over real loopback HTTP from 32 workers, a quarter aborted — on SQLite and PostgreSQL.
 * The soak tier (canary-isolation.soak.ts) runs 200 users × 5 and 100,000 operations.
 */
import { registerCanarySuite } from './canary-suite.js';

registerCanarySuite({ users: 40, conversationsPerUser: 3, operations: 10_000, workers: 32 });
