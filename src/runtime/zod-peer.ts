/**
 * zod is a peer dependency (`^4`): the application's copy is used, loaded on first use (not
 * when rehearse is imported). Schema checks look at the schema itself (zod 4 schemas carry
 * `_zod`; zod 3 schemas `_def`), so a zod 3 schema gets "rehearse needs zod 4, found 3.x"
 * rather than a misleading shape error.
 */
import type * as zod from 'zod';
import { UserError } from './errors.js';
import { loadModuleSync } from './load-module.js';

type ZodModule = typeof zod;
let zodCache: ZodModule | undefined;
let preloading: Promise<unknown> | undefined;

/** The installed zod's version from its package.json, or `undefined` when unreadable. */
function installedZodVersion(): string | undefined {
  try {
    return loadModuleSync<{ version?: unknown }>('zod/package.json').version as string | undefined;
  } catch {
    return undefined;
  }
}

function zodTooOld(found: string | undefined, what: string): UserError {
  return new UserError(
    `rehearse needs zod 4, found ${found ?? '3.x'}${what}. Install it with \`npm install zod@^4\` (rehearse's peer dependency "zod": "^4").`,
  );
}

function checked(m: ZodModule): ZodModule {
  if (typeof (m as Partial<ZodModule>).toJSONSchema !== 'function') throw zodTooOld(installedZodVersion(), '');
  return m;
}

/**
 * The zod module, loaded synchronously on first call (the preloaded ESM instance when
 * `preloadZod` finished first).
 * @throws UserError "rehearse needs zod 4, found 3.x" when the installed zod is older.
 */
export function zodModule(): ZodModule {
  zodCache ??= checked(loadModuleSync<ZodModule>('zod'));
  return zodCache;
}

/** Starts loading zod with `import()` (the application's own instance in ESM); never rejects. */
export function preloadZod(): void {
  preloading ??= import('zod').then(
    (m) => {
      zodCache ??= checked(m);
    },
    () => undefined,
  );
}

/** Whether `x` is a zod 4 schema (zod 4 and its `zod/mini` both carry `_zod`). */
export function isZodSchema(x: unknown): x is zod.ZodType {
  return typeof x === 'object' && x !== null && '_zod' in x;
}

/** Whether `x` looks like a zod 3 schema (`_def` and `safeParse`, no `_zod`). */
function isZod3Schema(x: unknown): boolean {
  return typeof x === 'object' && x !== null && !('_zod' in x) && '_def' in x && typeof (x as { safeParse?: unknown }).safeParse === 'function';
}

/**
 * Throws the zod-version error when `x` is a zod 3 schema. `what` names the value, e.g. "for tool 'x' parameters".
 * @throws UserError "rehearse needs zod 4, found 3.x …"
 */
export function rejectZod3Schema(x: unknown, what: string): void {
  if (!isZod3Schema(x)) return;
  const installed = installedZodVersion();
  throw zodTooOld(installed !== undefined && installed.startsWith('3') ? installed : '3.x', ` (${what} is a zod 3 schema)`);
}

/** The zod 4 type tag of a schema (`'object'`, `'string'` …). */
export function zodTypeName(schema: zod.ZodType): string {
  return schema._zod.def.type;
}

/** `z.toJSONSchema(schema, params)` through the schema's own method when it has one (zod ≥ 4.2). */
export function zodToJsonSchema(schema: zod.ZodType, params: zod.core.ToJSONSchemaParams): Record<string, unknown> {
  const own = (schema as { toJSONSchema?: (p: zod.core.ToJSONSchemaParams) => unknown }).toJSONSchema;
  const js = typeof own === 'function' ? own.call(schema, params) : zodModule().toJSONSchema(schema, params);
  return js as Record<string, unknown>;
}

/** A schema object that builds the real one on first property access (same behaviour, lazy zod). */
export function lazySchema<T extends zod.ZodType>(get: () => T): T {
  return new Proxy({} as T, {
    get: (_target, key) => {
      const target = get();
      const value = Reflect.get(target, key, target) as unknown;
      return value;
    },
    has: (_target, key) => Reflect.has(get(), key),
    getPrototypeOf: () => Reflect.getPrototypeOf(get()),
  });
}
