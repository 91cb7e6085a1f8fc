/**
 * The switch that blocks real model requests (pydantic-ai's `ALLOW_MODEL_REQUESTS`), scoped
 * with AsyncLocalStorage. Real models call `checkAllowModelRequests` before any network I/O;
 * TestModel and FunctionModel never do.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ModelRequestsDisallowed } from './errors.js';

const scoped = new AsyncLocalStorage<boolean>();
let globalAllow: boolean | undefined;

/**
 * Sets the process-wide default. `undefined` restores the default, which reads
 * `REHEARSE_ALLOW_MODEL_REQUESTS` (`false`/`0`/`no` disallow) and otherwise allows.
 */
export function setAllowModelRequests(allow: boolean | undefined): void {
  globalAllow = allow;
}

/** Runs `fn` with requests allowed or not; async work `fn` starts sees the same setting. */
export function withAllowModelRequests<T>(allow: boolean, fn: () => T): T {
  return scoped.run(allow, fn);
}

/** Whether a real model request may be made here. */
export function allowModelRequests(): boolean {
  const s = scoped.getStore();
  if (s !== undefined) return s;
  if (globalAllow !== undefined) return globalAllow;
  const env = process.env['REHEARSE_ALLOW_MODEL_REQUESTS'];
  if (env !== undefined && /^(false|0|no|off)$/i.test(env.trim())) return false;
  return true;
}

/**
 * Called by real models before a request.
 * @throws ModelRequestsDisallowed when requests are disallowed.
 */
export function checkAllowModelRequests(modelName: string): void {
  if (!allowModelRequests()) throw new ModelRequestsDisallowed(modelName);
}
