/**
 * State that every loaded copy of rehearse in a process shares. The ESM and the CommonJS build
 * can both be loaded at once (an `.mjs` and a `.cjs` file of one project); the request guard and
 * the model-name registry must still be one, so a guard set through one copy holds for the other.
 */

/**
 * The process-wide value named `name` (a `Symbol.for` key on `globalThis`), created by `init`
 * on first use. Bump the `v` suffix of a name when its shape changes.
 */
export function processWide<T>(name: `${string}.v${number}`, init: () => T): T {
  const store = globalThis as unknown as Record<symbol, unknown>;
  const key = Symbol.for(`rehearse.${name}`);
  if (!(key in store)) store[key] = init();
  return store[key] as T;
}
