/** Client disconnects, soak tier (`npm run test:soak`): 1,000 random-point aborts and 100 background aborts per database. */
import { registerDisconnectSuite } from './disconnect-suite.js';

registerDisconnectSuite({ aborts: 1000, backgroundAborts: 100, workers: 4 });
