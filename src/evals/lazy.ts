/**
 * Loads heavy dependencies (tables, progress bars, YAML, XML, OpenTelemetry SDK, statistics) on
 * first use, so importing `rehearse/evals` stays cheap. Synchronous `require` of CommonJS
 * packages: no top-level await, so the module graph also loads under `require()`.
 */
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

/** A getter that `require`s `id` the first time it is called and returns the cached module after. */
export function lazyModule<T>(id: string): () => T {
  let mod: T | undefined;
  return () => (mod ??= load(id) as T);
}
