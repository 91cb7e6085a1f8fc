/**
 * Test setup: real model requests are blocked (DEVELOPERS' rule: tests never reach a real
 * provider; cassette tests opt in with withAllowModelRequests), and property tests run with a
 * fixed seed so CI is reproducible (override with FC_SEED).
 */
import fc from 'fast-check';
import { setAllowModelRequests } from './src/runtime/request-guard.js';

setAllowModelRequests(false);
fc.configureGlobal({ seed: Number(process.env['FC_SEED'] ?? 42), numRuns: 100 });
