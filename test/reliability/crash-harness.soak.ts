/**
 * The crash harness, soak tier (`npm run test:soak`): 1,000 SIGKILL/restart cycles on SQLite and 1,000 on
 * PostgreSQL, the same workload and checks as crash-harness.test.ts.
 */
import { registerCrashHarness } from './crash-suite.js';

registerCrashHarness({ cycles: 1000 });
