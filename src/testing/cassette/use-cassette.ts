/**
 * `useCassette` binds a cassette to the current vitest test: call it at the start of the test
 * body (`it('x', async () => { await useCassette(); ... })`). The cassette is named after the
 * test file and test, is active for the rest of the test, and is stopped when the test ends
 * (vitest's `onTestFinished`): recordings are written if the test passed, and leftovers or
 * mismatches fail the test. vitest is loaded lazily, so importing rehearse/testing does not
 * need it.
 */
import { basename, join } from 'node:path';
import { UserError } from '../../runtime/index.js';
import { Cassette, type CassetteOptions } from './with-cassette.js';

/** Options of {@link useCassette}. */
export interface UseCassetteOptions extends CassetteOptions {
  /** Root folder of cassettes. Default `<cwd>/fixtures/cassettes`. */
  dir?: string;
  /** File name (without `.yaml`) instead of the sanitised test name. */
  name?: string;
}

/** Makes a test name safe as a file name: runs of other characters become `-`; describe levels are joined with `__`. */
export function sanitizeTestName(testName: string): string {
  const out = testName
    .split(' > ')
    .map((s) => s.replace(/[^A-Za-z0-9._\-[\]]+/g, '-').replace(/^-+|-+$/g, ''))
    .filter((s) => s !== '')
    .join('__');
  return (out === '' ? 'unnamed' : out).slice(0, 150);
}

/**
 * The cassette path for a test: `<root>/<test file without .test.ts>/<sanitised test name>.yaml`.
 */
export function cassettePathForTest(args: { testPath: string; testName: string; root?: string; name?: string }): string {
  const file = basename(args.testPath).replace(/(\.(test|spec))?\.[cm]?[jt]sx?$/, '');
  const root = args.root ?? join(process.cwd(), 'fixtures', 'cassettes');
  return join(root, file, `${args.name ?? sanitizeTestName(args.testName)}.yaml`);
}

/**
 * Starts a cassette for the running vitest test and stops it when the test finishes.
 * Call it inside the test body, before the client makes requests (and create SDK clients
 * after it, so they pick up the intercepted `fetch`).
 * @returns the active {@link Cassette}.
 * @throws UserError when called outside a running test; the errors of `Cassette.start`.
 */
export async function useCassette(options: UseCassetteOptions = {}): Promise<Cassette> {
  const vitest = await import('vitest');
  const state = vitest.expect.getState();
  const testPath = state.testPath;
  const testName = state.currentTestName;
  if (testPath === undefined || testName === undefined)
    throw new UserError('useCassette() must be called inside a running vitest test body: it(\'…\', async () => { await useCassette(); … })');
  const { dir, name, ...cassetteOptions } = options;
  const path = cassettePathForTest({ testPath, testName, ...(dir === undefined ? {} : { root: dir }), ...(name === undefined ? {} : { name }) });
  const cassette = await Cassette.start(path, cassetteOptions);
  vitest.onTestFinished(async (ctx) => {
    const failed = ctx.task.result?.state === 'fail';
    await cassette.stop({ failed });
  });
  return cassette;
}
