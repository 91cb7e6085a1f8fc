// capitals.test.ts — an eval inside a vitest test: fails with the printed report below 100%
import { evalTest } from 'rehearse/vitest';
import { capitals } from './evals/capitals.eval.js';

evalTest('capitals eval', capitals);
