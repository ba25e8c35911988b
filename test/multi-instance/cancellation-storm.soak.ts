/**
 * The cancellation storm, soak tier (`npm run test:soak`): the workload and checks of
 * cancellation-storm.test.ts with 100,000 operations over 200 users, 64 at a time.
 */
import { registerCancellationStorm } from './storm-suite.js';

registerCancellationStorm({ operations: 100_000, users: 200, instances: 3, concurrency: 64, timeoutMs: 3_600_000 });
