/**
 * Synchronous loading of a dependency on first use, from the ESM build and the CommonJS build
 * alike (no `import.meta`, no top-level await). Heavy dependencies load through this (or through
 * `import()` inside async code) so that importing a rehearse entry point stays cheap.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

let ownRequire: NodeJS.Require | undefined;

/** This file's own location, from a V8 call site (works in both module formats). */
function thisFile(): string {
  const prepare = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  try {
    Error.stackTraceLimit = 1;
    Error.prepareStackTrace = (_error, sites) => sites;
    const sites = new Error().stack as unknown as NodeJS.CallSite[] | undefined;
    const file = Array.isArray(sites) ? sites[0]?.getFileName() : undefined;
    if (file && (file.startsWith('file:') || file.startsWith('/') || /^[A-Za-z]:[\\/]/.test(file))) return file;
  } finally {
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
  }
  return pathToFileURL(join(process.cwd(), 'noop.js')).href;
}

/**
 * `require` resolving from rehearse's own files: the module-scoped `require` in the CommonJS
 * build, `createRequire` of this file in the ESM build.
 */
function requireHere(): NodeJS.Require {
  ownRequire ??= typeof require === 'function' ? require : createRequire(thisFile());
  return ownRequire;
}

/**
 * Loads `id` synchronously (Node's `require` from rehearse's location; cached by Node).
 * In the ESM build this gives the package's CommonJS entry; use `import()` in async code when
 * the same instance as the application's `import` matters.
 * @throws the `require` error (e.g. `MODULE_NOT_FOUND` naming `id`) when it cannot be loaded.
 */
export function loadModuleSync<T>(id: string): T {
  return requireHere()(id) as T;
}
