/**
 * Property-based fuzzing, soak tier (`npm run test:soak`): 100,000 generated requests over real
 * loopback HTTP (paths go on the wire unnormalised) — 5 rounds of 10,000 on SQLite and 5 on
 * PostgreSQL, each round on a fresh database. See fuzz-suite.ts for what each one is checked for.
 */
import { registerFuzzSuite } from './fuzz-suite.js';

registerFuzzSuite({ rounds: { sqlite: 5, postgres: 5 }, runsPerRound: 10_000, via: 'http' });
