/**
 * Cassette errors carried to the client as synthetic HTTP responses, and found again behind
 * whatever the client made of them. A mismatch or an escape is answered with a `599` that the
 * openai SDK does not retry (`x-should-retry: false`) and whose `x-rehearse-cassette-error`
 * header names the error; the provider model then rethrows the error itself (through the
 * runtime's `interceptedErrorFor`), so a test sees one `CassetteMismatch`, not a wrapped HTTP error.
 */
import { CassetteError } from './cassette.js';

/** Header of a synthetic response that names the cassette error behind it. */
export const ERROR_ID_HEADER = 'x-rehearse-cassette-error';

/** A synthetic response, in the shapes both fetch `Response` and undici handlers take. */
export interface SyntheticResponse {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: string;
}

const byId = new Map<string, CassetteError>();
let nextId = 0;

/** Registers `error` and returns the synthetic response that carries it (`type`: e.g. `cassette_mismatch`). */
export function syntheticErrorResponse(error: CassetteError, type: string): SyntheticResponse {
  nextId += 1;
  const id = String(nextId);
  byId.set(id, error);
  return {
    status: 599,
    statusText: type === 'cassette_mismatch' ? 'Cassette Mismatch' : 'Cassette Escape',
    headers: { 'content-type': 'application/json', 'x-should-retry': 'false', [ERROR_ID_HEADER]: id },
    body: JSON.stringify({ error: { message: error.message, type, code: type, param: null } }),
  };
}

/** Forgets registered errors (when their cassette stops). */
export function forgetErrors(errors: readonly Error[]): void {
  const gone = new Set(errors);
  for (const [id, e] of byId) if (gone.has(e)) byId.delete(id);
}

function headerValue(headers: unknown): string | undefined {
  if (headers === null || typeof headers !== 'object') return undefined;
  const get = (headers as { get?: unknown }).get;
  if (typeof get === 'function') {
    const v: unknown = (get as (name: string) => unknown).call(headers, ERROR_ID_HEADER);
    return typeof v === 'string' ? v : undefined;
  }
  const v = (headers as Record<string, unknown>)[ERROR_ID_HEADER];
  return typeof v === 'string' ? v : undefined;
}

/**
 * The cassette error behind `error`: `error` itself or one of its causes when it is a
 * `CassetteError`, or the one a synthetic response's header names (an SDK error keeps the
 * response headers). `undefined` when there is none.
 */
export function cassetteErrorBehind(error: unknown): CassetteError | undefined {
  let e: unknown = error;
  for (let depth = 0; depth < 8 && e !== null && typeof e === 'object'; depth += 1) {
    let found: CassetteError | undefined;
    if (e instanceof CassetteError) found = e;
    else {
      const id = headerValue((e as { headers?: unknown }).headers);
      if (id !== undefined) found = byId.get(id);
    }
    if (found !== undefined) return found;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
