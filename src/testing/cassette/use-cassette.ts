/**
 * Cassettes bound to vitest tests, named `fixtures/cassettes/<test-file>/<test-name>.yaml`:
 *
 * - `useCassette()` at the start of a test body (`it('x', async () => { await useCassette(); ... })`);
 * - `useCassettePerTest()` once in a `describe` body (or at the top of a file): every test in
 *   it gets its own cassette, started before the test (a `beforeEach`) and stopped after it.
 *
 * A cassette is stopped when its test finishes (vitest's `onTestFinished`): recordings are
 * written if the test passed, and leftovers or mismatches fail the test. rehearse does not
 * depend on vitest: it is loaded only when this module is imported inside a vitest worker.
 */
import { basename, join } from 'node:path';
import { UserError } from '../../runtime/index.js';
import { Cassette, type CassetteOptions } from './with-cassette.js';

/** The parts of vitest used here, typed structurally so rehearse's types do not need vitest. */
interface VitestTask {
  name: string;
  result?: { state?: string };
  suite?: VitestTask;
  file?: { filepath: string };
}
interface VitestTestContext {
  task: VitestTask;
  onTestFinished(fn: (ctx: { task: VitestTask }) => unknown): void;
}
interface VitestApi {
  beforeEach(fn: (ctx: VitestTestContext) => unknown): void;
}

// Inside a vitest worker, vitest is already loaded and publishes its module as
// `globalThis.__vitest_index__` (what `import.meta.vitest` reads): take it synchronously, so
// `useCassettePerTest` can register hooks while a describe body is being collected, with no
// top-level await (which `require()` cannot load). Elsewhere, nothing.
const vitestInWorker = (): VitestApi | undefined => (globalThis as { __vitest_index__?: VitestApi }).__vitest_index__;

/** Options of {@link useCassette} (and, without `name`, of {@link useCassettePerTest}). */
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
  return startTestCassette({ testPath, testName, options, onTestFinished: (fn) => vitest.onTestFinished(fn) });
}

/**
 * Gives every test of the enclosing `describe` (or, at the top level, of the file) its own
 * cassette, `fixtures/cassettes/<test-file>/<describe names and test name, sanitised>.yaml`,
 * as if each test began with `await useCassette(options)`: a `beforeEach` starts it, and when
 * the test finishes it is stopped — recordings written if the test passed, and unplayed
 * interactions or mismatches fail that test. Nested describes inherit it. The running test's
 * cassette is {@link activeCassette}`()`.
 *
 * Call it in the describe body before other `beforeEach` hooks that create SDK clients, so
 * they are created after interception began.
 *
 * ```ts
 * describe('weather agent', () => {
 *   useCassettePerTest({ mode: 'none' });
 *   it('answers', async () => { ... });  // fixtures/cassettes/<file>/weather-agent__answers.yaml
 * });
 * ```
 * @param options as {@link useCassette}'s, without `name` (each test is named after itself).
 * @throws UserError when not called while vitest collects a test file.
 */
export function useCassettePerTest(options: Omit<UseCassetteOptions, 'name'> = {}): void {
  const vitest = vitestInWorker();
  if (vitest === undefined)
    throw new UserError('useCassettePerTest() must be called in a vitest test file, inside describe() or at its top level.');
  vitest.beforeEach(async (ctx) => {
    const testPath = ctx.task.file?.filepath;
    if (testPath === undefined) throw new UserError('useCassettePerTest(): the running test has no file path');
    await startTestCassette({ testPath, testName: testNameOf(ctx.task), options, onTestFinished: (fn) => ctx.onTestFinished(fn) });
  });
}

/** vitest's full test name: describe names and the test name joined with ` > ` (the file left out). */
function testNameOf(task: VitestTask): string {
  const names = [task.name];
  for (let s = task.suite; s !== undefined && s !== (task.file as unknown); s = s.suite) names.unshift(s.name);
  return names.join(' > ');
}

async function startTestCassette(args: {
  testPath: string;
  testName: string;
  options: UseCassetteOptions;
  onTestFinished: (fn: (ctx: { task: VitestTask }) => Promise<void>) => void;
}): Promise<Cassette> {
  const { dir, name, ...cassetteOptions } = args.options;
  const path = cassettePathForTest({
    testPath: args.testPath,
    testName: args.testName,
    ...(dir === undefined ? {} : { root: dir }),
    ...(name === undefined ? {} : { name }),
  });
  const cassette = await Cassette.start(path, cassetteOptions);
  args.onTestFinished(async (ctx) => {
    await cassette.stop({ failed: ctx.task.result?.state === 'fail' });
  });
  return cassette;
}
