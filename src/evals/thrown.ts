/**
 * Readable messages for any thrown value: `Error`s, strings, `null`-prototype objects, symbols,
 * BigInts, objects whose getters throw. A report must never be lost because an error could not
 * be turned into text.
 */
import { inspect } from 'node:util';

/** What a report records about a thrown value. */
export interface ThrownDescription {
  /** `'{ErrorName}: {message}'` (pydantic-evals' `f'{type(e).__name__}: {e}'`). */
  errorMessage: string;
  /** The stack when there is one, else the inspected value. */
  errorStacktrace: string;
  /** The error's class name (`'TypeError'`), or for non-errors `typeof` (`'symbol'`, `'object'`). */
  errorType: string;
}

function safe<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

function inspectValue(value: unknown): string {
  return safe(() => inspect(value, { depth: 3, breakLength: Infinity, maxStringLength: 2000 }), '<value that cannot be inspected>');
}

/** Describes a thrown value; never throws. */
export function describeThrown(error: unknown): ThrownDescription {
  if (error instanceof Error) {
    const name = safe(() => String(error.name), 'Error');
    const message = safe(() => String(error.message), '<unreadable message>');
    const stack = safe(() => error.stack, undefined);
    const ctorName = safe(() => error.constructor?.name, undefined);
    return {
      errorMessage: `${name}: ${message}`,
      errorStacktrace: typeof stack === 'string' && stack ? stack : `${name}: ${message}`,
      errorType: typeof ctorName === 'string' && ctorName ? ctorName : name,
    };
  }
  const type = error === null ? 'null' : typeof error;
  const text = typeof error === 'string' ? error : inspectValue(error);
  return { errorMessage: `Thrown ${type}: ${text}`, errorStacktrace: text, errorType: type };
}
