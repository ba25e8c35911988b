/**
 * Client disconnects, program semantics, PR tier: 100 random-point client aborts per database (4 at a
 * time) against a fake upstream, plus 10 aborted background turns. See disconnect-suite.ts; the soak tier
 * (client-disconnects.soak.ts) runs 1,000. Replay a seed with BACKCHAT_DISCONNECT_SEED=<n>.
 */
import { registerDisconnectSuite } from './disconnect-suite.js';

registerDisconnectSuite({ aborts: 100, backgroundAborts: 10, workers: 4 });
