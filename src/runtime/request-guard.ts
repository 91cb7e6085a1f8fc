/**
 * The switch that blocks real model requests (pydantic-ai's `ALLOW_MODEL_REQUESTS`), scoped
 * with AsyncLocalStorage. Real models call `checkAllowModelRequests` before any network I/O;
 * TestModel and FunctionModel never do.
 *
 * Transport-level test doubles (rehearse/testing's cassettes) register a
 * {@link ModelRequestInterception} here, so the guard can tell a request that a cassette will
 * answer from a recording (not a real request: allowed) from one that goes to the network.
 * The runtime never imports them: they register themselves.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ModelRequestsDisallowed } from './errors.js';
import { processWide } from './process-wide.js';

// one guard per process, whichever build (ESM or CommonJS) of rehearse sets or reads it
const guard = processWide('requestGuard.v1', () => ({
  scoped: new AsyncLocalStorage<boolean>(),
  globalAllow: undefined as boolean | undefined,
  interceptions: new Set<ModelRequestInterception>(),
}));
const { scoped, interceptions } = guard;

/**
 * Sets the process-wide default. `undefined` restores the default, which reads
 * `REHEARSE_ALLOW_MODEL_REQUESTS` (`false`/`0`/`no` disallow) and otherwise allows.
 */
export function setAllowModelRequests(allow: boolean | undefined): void {
  guard.globalAllow = allow;
}

/** Runs `fn` with requests allowed or not; async work `fn` starts sees the same setting. */
export function withAllowModelRequests<T>(allow: boolean, fn: () => T): T {
  return scoped.run(allow, fn);
}

/** Whether a real model request may be made here. */
export function allowModelRequests(): boolean {
  const s = scoped.getStore();
  if (s !== undefined) return s;
  if (guard.globalAllow !== undefined) return guard.globalAllow;
  const env = process.env['REHEARSE_ALLOW_MODEL_REQUESTS'];
  if (env !== undefined && /^(false|0|no|off)$/i.test(env.trim())) return false;
  return true;
}

/** How an interception layer will serve a model request made in the current async context. */
export interface ModelRequestServing {
  /**
   * `replay`: answered from a recording, nothing reaches the network (allowed even when model
   * requests are disallowed). `record`: sent to the network (and recorded), so a real request.
   */
  kind: 'replay' | 'record';
  /** What serves it, for messages, e.g. `cassette fixtures/a.yaml (mode 'once', recording)`. */
  by: string;
}

/**
 * A transport-level test double (such as a cassette) as the request guard and the provider
 * models see it. Register one with {@link registerModelRequestInterception}.
 */
export interface ModelRequestInterception {
  /**
   * How a request to `url` (the provider's base URL) made in the current async context will be
   * served; `undefined` when this layer does not intercept it.
   */
  serving(request: { modelName: string; url: string | undefined }): ModelRequestServing | undefined;
  /**
   * The error a failed provider call really stands for, e.g. the `CassetteMismatch` behind the
   * synthetic HTTP response the SDK saw; `undefined` when `error` is not this layer's.
   */
  errorFor(error: unknown): Error | undefined;
}


/**
 * Registers an interception layer (rehearse/testing registers its cassettes on first use).
 * @returns a function that unregisters it.
 */
export function registerModelRequestInterception(interception: ModelRequestInterception): () => void {
  interceptions.add(interception);
  return () => void interceptions.delete(interception);
}

/** How a model request made here will be served by a registered interception layer; `undefined`: by the network. */
export function modelRequestServing(request: { modelName: string; url?: string | undefined }): ModelRequestServing | undefined {
  for (const i of interceptions) {
    const s = i.serving({ modelName: request.modelName, url: request.url });
    if (s !== undefined) return s;
  }
  return undefined;
}

/**
 * The error a failed provider call stands for according to the registered interception layers
 * (e.g. a cassette miss), or `undefined`. Provider models rethrow it instead of wrapping it, so
 * a test sees one clear error.
 */
export function interceptedErrorFor(error: unknown): Error | undefined {
  for (const i of interceptions) {
    const e = i.errorFor(error);
    if (e !== undefined) return e;
  }
  return undefined;
}

/**
 * Called by real models before a request. A request that a registered interception layer
 * will replay (a replay-only cassette) is not a real request and is always allowed.
 * @param request.url the provider base URL the request goes to, when known.
 * @throws ModelRequestsDisallowed when requests are disallowed and the request would reach the
 *   network (the message says when a cassette is recording it).
 */
export function checkAllowModelRequests(modelName: string, request?: { url?: string | undefined }): void {
  if (allowModelRequests()) return;
  const serving = modelRequestServing({ modelName, url: request?.url });
  if (serving?.kind === 'replay') return;
  throw new ModelRequestsDisallowed(modelName, serving?.kind === 'record' ? { recordingBy: serving.by } : undefined);
}
