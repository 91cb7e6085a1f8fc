#!/usr/bin/env node
/**
 * Entry point of the `rehearse` command (`rehearse eval [paths...]`, `rehearse cassette ...`). It
 * registers tsx, so `*.eval.ts` suites load without a build step. Ctrl-C stops scheduling cases and prints the
 * partial reports; a second Ctrl-C exits at once.
 */
import { register } from 'tsx/esm/api';

// `*.eval.ts` suites are TypeScript: load them through tsx, also when this file runs from dist/.
register();
const { main } = await import('./cli.js');

const controller = new AbortController();
const onSigint = () => {
  if (controller.signal.aborted) process.exit(130);
  controller.abort();
};
process.on('SIGINT', onSigint);
process.exitCode = await main(process.argv.slice(2), { signal: controller.signal });
process.off('SIGINT', onSigint);
