/**
 * Cassettes bound to vitest tests, named `fixtures/cassettes/<test-file>/<test-name>.yaml`:
 *
 * - `useCassette()` at the start of a test body (`it('x', async () => { await useCassette(); ... })`);
 * - `useCassettePerTest()` once in a `describe` body (or at the top of a file): every test in
 *   it gets its own cassette, wrapped around the test and its hooks (an `aroundEach`).
 *
 * A cassette is stopped when its test finishes (vitest's `onTestFinished`): recordings are
 * written if the test passed, and leftovers or mismatches fail the test. Tests of a
 * `describe.concurrent` each get their own cassette: the cassette is bound to the test's async
 * context. rehearse does not depend on vitest: it is looked up only when these functions are
 * called, from the vitest worker that runs them (no top-level await, so `require()` of
 * rehearse/testing works).
 */
import { basename, join } from 'node:path';
import { UserError } from '../../runtime/index.js';
import { enterCassetteContext, runWithCassette } from './routing.js';
import { Cassette, type CassetteOptions } from './with-cassette.js';

/** The parts of vitest used here, typed structurally so rehearse's types do not need vitest. */
interface VitestTask {
  name: string;
  result?: { state?: string; errors?: readonly unknown[] };
  suite?: VitestTask;
  file?: { filepath: string };
}
interface VitestTestContext {
  task: VitestTask;
  onTestFinished(fn: (ctx: { task: VitestTask }) => unknown): void;
}
interface VitestApi {
  beforeEach(fn: (ctx: VitestTestContext) => unknown): void;
  /** vitest ≥ 4.1 */
  aroundEach?(fn: (runTest: () => Promise<void>, ctx: VitestTestContext) => Promise<void>): void;
  onTestFinished(fn: (ctx: { task: VitestTask }) => unknown): void;
  expect: { getState(): { testPath?: string | undefined; currentTestName?: string | undefined } };
}

const OUTSIDE_VITEST =
  'useCassette() works only inside a vitest test: it(\'…\', async () => { await useCassette(); … }). ' +
  'Elsewhere (node:test, scripts, evals) use withCassette(path, options, fn).';

/**
 * The vitest API of the running worker, without importing vitest: vitest publishes its module
 * namespace as `globalThis.__vitest_index__` in its workers (what `import.meta.vitest` reads).
 * `undefined` outside a vitest worker.
 */
function vitestOfWorker(): VitestApi | undefined {
  if (!('__vitest_worker__' in globalThis)) return undefined;
  const index = (globalThis as { __vitest_index__?: unknown }).__vitest_index__;
  return typeof index === 'object' && index !== null && typeof (index as Partial<VitestApi>).beforeEach === 'function' ? (index as VitestApi) : undefined;
}

/** Options of {@link useCassette} (and, without `name`, of {@link useCassettePerTest}). */
export interface UseCassetteOptions extends CassetteOptions {
  /** Root folder of cassettes. Default `<cwd>/fixtures/cassettes`. */
  dir?: string;
  /** File name (without the extension) instead of the sanitised test name. */
  name?: string;
  /**
   * File format, which gives the extension: `'yaml'` (default, `.yaml`: readable diffs) or
   * `'json'` (`.json`: loads faster, for cassettes of many thousands of interactions).
   */
  format?: 'yaml' | 'json';
  /**
   * The running test's context (`it('x', async (ctx) => { await useCassette({ test: ctx }) })`).
   * Needed in concurrent tests (`describe.concurrent`, `it.concurrent`), where vitest cannot
   * tell which test is running from outside it (as for `expect`). Default: vitest's current test.
   */
  test?: UseCassetteTestContext;
}

/** The parts of a vitest test context `useCassette` reads (a vitest `TestContext` fits). */
export interface UseCassetteTestContext {
  task: { name: string; suite?: unknown; file?: { filepath: string } | undefined };
  onTestFinished(fn: (ctx: { task: { result?: { state?: string; errors?: readonly unknown[] } | undefined } }) => unknown): void;
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
 * The cassette path for a test: `<root>/<test file without .test.ts>/<sanitised test name>.yaml`
 * (`.json` with `format: 'json'`).
 */
export function cassettePathForTest(args: { testPath: string; testName: string; root?: string; name?: string; format?: 'yaml' | 'json' }): string {
  const file = basename(args.testPath).replace(/(\.(test|spec))?\.[cm]?[jt]sx?$/, '');
  const root = args.root ?? join(process.cwd(), 'fixtures', 'cassettes');
  return join(root, file, `${args.name ?? sanitizeTestName(args.testName)}.${args.format === 'json' ? 'json' : 'yaml'}`);
}

/**
 * Starts a cassette for the running vitest test and stops it when the test finishes.
 * Call it inside the test body, before the client makes requests (and create SDK clients
 * after it, so they pick up the intercepted `fetch`).
 * @returns the active {@link Cassette}.
 * @throws UserError when called outside a running test; the errors of `Cassette.start`.
 */
export async function useCassette(options: UseCassetteOptions = {}): Promise<Cassette> {
  // bind synchronously, before the first await, so the rest of the test body sees the cassette
  const binding = enterCassetteContext();
  try {
    let vitest = vitestOfWorker();
    if (vitest === undefined && '__vitest_worker__' in globalThis) vitest = (await import('vitest').catch(() => undefined)) as VitestApi | undefined;
    if (vitest === undefined) throw new UserError(OUTSIDE_VITEST);
    const { test, ...rest } = options;
    const cassette = await startTestCassette({ ...runningTest(vitest, test), options: rest });
    binding.bind(cassette);
    return cassette;
  } catch (e) {
    binding.release();
    throw e;
  }
}

/** The running test: from its context when given, else from vitest's global state (not for concurrent tests). */
function runningTest(
  vitest: VitestApi,
  test: UseCassetteTestContext | undefined,
): { testPath: string; testName: string; onTestFinished: (fn: (ctx: { task: VitestTask }) => Promise<void>) => void } {
  if (test !== undefined) {
    const testPath = test.task.file?.filepath;
    if (testPath === undefined) throw new UserError('useCassette({ test }): the test context has no file path');
    return { testPath, testName: testNameOf(test.task as VitestTask), onTestFinished: (fn) => test.onTestFinished(fn as never) };
  }
  const { testPath, currentTestName: testName } = vitest.expect.getState();
  if (testPath === undefined || testName === undefined || testName === '')
    throw new UserError('useCassette() must be called inside a running vitest test body: it(\'…\', async () => { await useCassette(); … })');
  return {
    testPath,
    testName,
    onTestFinished: (fn) => {
      try {
        vitest.onTestFinished(fn);
      } catch (e) {
        throw new UserError(
          'useCassette(): vitest cannot tell which test is running (concurrent tests). Pass the test context: ' +
            "it.concurrent('…', async (ctx) => { await useCassette({ test: ctx }); … }), or use useCassettePerTest().",
          { cause: e },
        );
      }
    },
  };
}

/**
 * Gives every test of the enclosing `describe` (or, at the top level, of the file) its own
 * cassette, `fixtures/cassettes/<test-file>/<describe names and test name, sanitised>.yaml`,
 * bound to the test's `beforeEach` hooks, body and `afterEach` hooks (an `aroundEach`, so
 * `describe.concurrent` tests each get theirs). When the test finishes it is stopped —
 * recordings written if the test passed, and unplayed interactions or mismatches fail that
 * test. Nested describes inherit it. The running test's cassette is {@link activeCassette}`()`.
 *
 * ```ts
 * describe('weather agent', () => {
 *   useCassettePerTest({ mode: 'none' });
 *   it('answers', async () => { ... });  // fixtures/cassettes/<file>/weather-agent__answers.yaml
 * });
 * ```
 * @param options as {@link useCassette}'s, without `name` (each test is named after itself)
 *   and `test`.
 * @throws UserError when not called while vitest collects a test file, or with a vitest older
 *   than 4.1 (no `aroundEach`).
 */
export function useCassettePerTest(options: Omit<UseCassetteOptions, 'name' | 'test'> = {}): void {
  const vitest = vitestOfWorker();
  if (vitest === undefined)
    throw new UserError('useCassettePerTest() must be called in a vitest test file, inside describe() or at its top level.');
  const start = async (ctx: VitestTestContext): Promise<Cassette> => {
    const testPath = ctx.task.file?.filepath;
    if (testPath === undefined) throw new UserError('useCassettePerTest(): the running test has no file path');
    return startTestCassette({ testPath, testName: testNameOf(ctx.task), options, onTestFinished: (fn) => ctx.onTestFinished(fn) });
  };
  if (typeof vitest.aroundEach !== 'function')
    throw new UserError('useCassettePerTest() needs vitest 4.1 or later (aroundEach); with an older vitest call `await useCassette()` at the start of each test.');
  // the cassette wraps the test's beforeEach hooks, body and afterEach hooks, bound exactly to them
  vitest.aroundEach(async (runTest, ctx) => {
    const cassette = await start(ctx);
    await runWithCassette(cassette, runTest);
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
  const { dir, name, format, ...cassetteOptions } = args.options;
  if (format !== undefined && format !== 'yaml' && format !== 'json') throw new UserError(`useCassette: format must be 'yaml' or 'json', got ${JSON.stringify(format)}`);
  const path = cassettePathForTest({
    testPath: args.testPath,
    testName: args.testName,
    ...(dir === undefined ? {} : { root: dir }),
    ...(name === undefined ? {} : { name }),
    ...(format === undefined ? {} : { format }),
  });
  // register first: if vitest refuses the hook, no cassette is left running
  let opened: Cassette | undefined;
  args.onTestFinished(async (ctx) => {
    const result = ctx.task.result;
    const errorMessages = (result?.errors ?? []).map((e) => String((e as { message?: unknown }).message ?? ''));
    await opened?.stop({ failed: result?.state === 'fail', errorMessages });
  });
  opened = await Cassette.open(path, cassetteOptions);
  return opened;
}
