#!/usr/bin/env node
/**
 * Entry point of the `rehearse` command. Ctrl-C (SIGINT, also when the whole process group gets
 * it, as under `npm run`) and SIGTERM abort the eval run: runs in flight are cancelled at once
 * and the partial reports printed and written (exit 130). Repeated signals never lose the
 * report: a later signal, or a first one whose run has not wound down within `GRACE_MS`, writes
 * the reports synchronously from the run's state and exits 130.
 */
import type { EvalRun } from './eval-run.js';

const GRACE_MS = 700;
const controller = new AbortController();
let run: EvalRun | undefined;
let signals = 0;

function finishNow(): never {
  let code = 130;
  try {
    if (run) {
      const c = run.finish(true);
      if (c !== 130) code = c;
    }
  } finally {
    process.exit(code);
  }
}

function onSignal(signal: NodeJS.Signals): void {
  signals++;
  if (signals === 1) {
    controller.abort(new Error(`interrupted by ${signal}`));
    // a task blocking the event loop, or a slow exit path: do not wait longer than this
    setTimeout(finishNow, GRACE_MS).unref();
    return;
  }
  finishNow();
}

process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

import('./main.js')
  .then(({ main }) =>
    main(process.argv.slice(2), {
      signal: controller.signal,
      onRun: (r) => {
        run = r;
      },
    }),
  )
  .then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`rehearse: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
