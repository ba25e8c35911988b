/** The in-process AnswerHub against the AnswerHub contract. */
import { MemoryAnswerHub } from '../../src/generation/memory-answer-hub.js';
import { answerHubContract } from './answer-hub-contract.js';

answerHubContract('memory', (retentionMs) => ({ hub: new MemoryAnswerHub(retentionMs) }));
