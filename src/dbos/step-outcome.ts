/**
 * Errors across DBOS step boundaries. DBOS records a step's thrown error through a generic
 * serializer that keeps `name`, `message` and fields but loses the class, so `instanceof
 * ModelRetry` would fail after a step (and after recovery). rehearse's steps therefore return
 * control-flow and run errors as recorded values (`StepOutcome`) and rebuild the class on the
 * workflow side, as pydantic-ai's durable wrappers pass `ModelRetry` and friends as values.
 */
import { Error as DBOSErrors } from '@dbos-inc/dbos-sdk';
import {
  ModelAPIError,
  ModelHTTPError,
  ModelRequestsDisallowed,
  ModelRetry,
  UnexpectedModelBehavior,
  UsageLimitExceeded,
  UserError,
} from '../runtime/index.js';

/** An error as recorded in a step's output: its `name`, `message` and JSON-safe own fields. */
export interface SerializedError {
  name: string;
  message: string;
  fields: Record<string, unknown>;
}

/** What a rehearse step records: its value, or the error it ended with. */
export type StepOutcome<T> = { ok: true; value: T } | { ok: false; error: SerializedError };

/**
 * Names of errors that no retry can fix (a developer mistake or a decision of the run):
 * with step retries on, they are still recorded at once instead of being retried.
 */
const NOT_RETRYABLE = new Set(['ModelRetry', 'UserError', 'ModelRequestsDisallowed', 'UsageLimitExceeded', 'UnexpectedModelBehavior', 'CallDeferred', 'ApprovalRequired']);

function jsonSafe(v: unknown): unknown {
  try {
    return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
  } catch {
    return String(v);
  }
}

/** Serializes any thrown value (non-errors become an `Error` with their string form). */
export function serializeError(e: unknown): SerializedError {
  if (!(e instanceof Error) && !(typeof e === 'object' && e !== null && 'message' in e)) {
    return { name: 'Error', message: String(e), fields: {} };
  }
  const err = e as Error & Record<string, unknown>;
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(err)) {
    if (k === 'name' || k === 'message' || k === 'stack' || k === 'cause') continue;
    const safe = jsonSafe(v);
    if (safe !== undefined) fields[k] = safe;
  }
  return { name: String(err.name ?? 'Error'), message: String(err.message ?? ''), fields };
}

const REVIVED = new Set(['ModelRetry', 'UserError', 'UnexpectedModelBehavior', 'UsageLimitExceeded', 'ModelHTTPError', 'ModelAPIError', 'ModelRequestsDisallowed']);

/**
 * Gives a rehearse error that DBOS replayed as a plain `Error` (a workflow's recorded failure)
 * its class back; anything else is returned unchanged.
 */
export function reviveReplayed(e: unknown): unknown {
  if (e instanceof Error && e.constructor === Error && REVIVED.has(e.name)) return reviveError(serializeError(e));
  return e;
}

/** Rebuilds an error from its recorded form: rehearse's classes by `name`, else an `Error` carrying name and fields. */
export function reviveError(s: SerializedError): Error {
  const f = s.fields;
  switch (s.name) {
    case 'ModelRetry':
      return new ModelRetry(s.message);
    case 'UserError':
      return new UserError(s.message);
    case 'UnexpectedModelBehavior':
      return new UnexpectedModelBehavior(s.message, typeof f['body'] === 'string' ? { body: f['body'] } : undefined);
    case 'UsageLimitExceeded':
      return new UsageLimitExceeded({ limit: String(f['limit']), value: Number(f['value']), max: Number(f['max']), message: s.message });
    case 'ModelHTTPError':
      return new ModelHTTPError({ statusCode: Number(f['statusCode']), modelName: String(f['modelName']), body: f['body'], message: s.message });
    case 'ModelAPIError':
      return new ModelAPIError({ modelName: String(f['modelName']), message: s.message });
    case 'ModelRequestsDisallowed':
      return new ModelRequestsDisallowed(String(f['modelName']));
    default: {
      const e = new Error(s.message) as Error & Record<string, unknown>;
      Object.assign(e, f);
      Object.defineProperty(e, 'name', { value: s.name, enumerable: false, configurable: true, writable: true });
      return e;
    }
  }
}

/**
 * The body of a step: runs `fn` and records its value or error as a `StepOutcome`. With
 * `rethrowRetryable`, errors a retry might fix (HTTP and network errors, anything not in the
 * not-retryable list) are thrown instead, so DBOS's step retries apply.
 */
export async function captureOutcome<T>(fn: () => Promise<T>, rethrowRetryable: boolean): Promise<StepOutcome<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    const s = serializeError(e);
    if (rethrowRetryable && !NOT_RETRYABLE.has(s.name)) throw e;
    return { ok: false, error: s };
  }
}

/**
 * Workflow side of a step: awaits it and returns its value, or throws the revived error. A
 * step that exhausted DBOS retries (`DBOSMaxStepRetriesError`) rethrows its last attempt's
 * error, revived.
 */
export async function unwrapOutcome<T>(outcome: Promise<StepOutcome<T>>): Promise<T> {
  let o: StepOutcome<T>;
  try {
    o = await outcome;
  } catch (e) {
    if (e instanceof DBOSErrors.DBOSMaxStepRetriesError && e.errors.length > 0) {
      throw reviveError(serializeError(e.errors[e.errors.length - 1]));
    }
    throw e;
  }
  if (o.ok) return o.value;
  throw reviveError(o.error);
}
