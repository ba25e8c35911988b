/**
 * The crash harness, PR tier (docs/reliability.md "The crash harness"): a real server process under a
 * seeded random workload, SIGKILLed at a random moment and restarted on the same database, 50 cycles
 * on SQLite and 50 on PostgreSQL (the two side by side). After every cycle: storage integrity, T1–T7
 * with every acknowledged user message present, no copy of a retried turn, delivered answers stored as
 * delivered, nothing `in_progress` once its lease ran out, and a follow-up turn. The soak tier
 * (crash-harness.soak.ts) runs 1,000 cycles per database. Replay a seed with BACKCHAT_CRASH_SEED=<n>.
 */
import { registerCrashHarness } from './crash-suite.js';

registerCrashHarness({ cycles: 50 });
