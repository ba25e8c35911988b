/**
 * Property-based fuzzing, PR tier (docs/security.md, pattern 2): 10,000 generated requests to
 * every route, in process through `app.inject` — 5,000 on SQLite, 5,000 on PostgreSQL. See
 * fuzz-suite.ts for what each one is checked for; the soak tier (requests.soak.ts) sends 100,000.
 */
import { registerFuzzSuite } from './fuzz-suite.js';

registerFuzzSuite({ rounds: { sqlite: 1, postgres: 1 }, runsPerRound: 5000, via: 'inject' });
