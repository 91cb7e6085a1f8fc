/**
 * Loads heavy dependencies (tables, progress bars, YAML, XML, OpenTelemetry SDK, statistics) on
 * first use, so importing `rehearse/evals` stays cheap. Synchronous `require` through the
 * runtime's {@link loadModuleSync}: no `import.meta`, no top-level await, so the module graph
 * also loads under `require()` and in the CommonJS build.
 */
import { loadModuleSync } from '../runtime/load-module.js';

/** A getter that `require`s `id` the first time it is called and returns the cached module after. */
export function lazyModule<T>(id: string): () => T {
  let mod: T | undefined;
  return () => (mod ??= loadModuleSync<T>(id));
}
