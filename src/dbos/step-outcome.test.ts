import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ModelAPIError, ModelHTTPError, ModelRequestsDisallowed, ModelRetry, UnexpectedModelBehavior, UsageLimitExceeded, UserError } from '../runtime/index.js';
import { captureOutcome, reviveError, reviveReplayed, serializeError, unwrapOutcome } from './step-outcome.js';
import { resolveSystemDatabaseUrl } from './launch.js';

const json = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }));

/** Every rehearse error class, built from arbitrary field values. */
const errors = fc.oneof(
  fc.string().map((m) => new ModelRetry(m)),
  fc.string().map((m) => new UserError(m)),
  fc.tuple(fc.string(), fc.option(fc.string(), { nil: undefined })).map(([m, body]) => new UnexpectedModelBehavior(m, body === undefined ? undefined : { body })),
  fc.record({ limit: fc.string(), value: fc.integer(), max: fc.integer() }).map((a) => new UsageLimitExceeded(a)),
  fc.record({ statusCode: fc.integer({ min: 400, max: 599 }), modelName: fc.string(), body: json }).map((a) => new ModelHTTPError(a)),
  fc.record({ modelName: fc.string(), message: fc.string() }).map((a) => new ModelAPIError(a)),
  fc.string().map((n) => new ModelRequestsDisallowed(n)),
);

/** What DBOS does to a recorded value: it goes through JSON. */
const throughJson = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('errors across step boundaries', () => {
  it('a recorded error revives with its class, message and fields', () => {
    fc.assert(
      fc.property(errors, (e) => {
        const back = reviveError(throughJson(serializeError(e)));
        expect(back.constructor).toBe(e.constructor);
        expect(back.name).toBe(e.name);
        expect(back.message).toBe(e.message);
        expect(throughJson({ ...back })).toEqual(throughJson({ ...e }));
      }),
    );
  });

  it('control-flow errors are recorded as values even with retries on; others are rethrown for DBOS to retry', async () => {
    await fc.assert(
      fc.asyncProperty(errors, fc.boolean(), async (e, retries) => {
        const retryable = e instanceof ModelHTTPError || e.name === 'ModelAPIError';
        const run = captureOutcome(() => Promise.reject(e), retries);
        if (retries && retryable) await expect(run).rejects.toBe(e);
        else await expect(unwrapOutcome(run.then(throughJson))).rejects.toBeInstanceOf(e.constructor as new (...a: never[]) => Error);
      }),
    );
  });

  it('an unknown error keeps its name and fields; a plain Error replayed by DBOS gets its rehearse class back', () => {
    const odd = Object.assign(new Error('odd'), { code: 7 });
    Object.defineProperty(odd, 'name', { value: 'OddError' });
    const back = reviveError(throughJson(serializeError(odd)));
    expect(back).toMatchObject({ name: 'OddError', message: 'odd', code: 7 });
    const replayed = Object.assign(new Error('status_code: 500'), { statusCode: 500, modelName: 'm', body: 'x' });
    replayed.name = 'ModelHTTPError';
    expect(reviveReplayed(replayed)).toBeInstanceOf(ModelHTTPError);
    expect(reviveReplayed(odd)).toBe(odd);
    expect(serializeError('just a string')).toEqual({ name: 'Error', message: 'just a string', fields: {} });
  });

  it('the system database URL is the option, else DATABASE_URL, else none (embedded)', () => {
    expect(resolveSystemDatabaseUrl('postgres://a', { DATABASE_URL: 'postgres://b' })).toBe('postgres://a');
    expect(resolveSystemDatabaseUrl(undefined, { DATABASE_URL: 'postgres://b' })).toBe('postgres://b');
    expect(resolveSystemDatabaseUrl('', { DATABASE_URL: '' })).toBeUndefined();
  });
});
