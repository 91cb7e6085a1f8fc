/**
 * Turns any value into data `JSON.stringify` can hold, in a readable form: BigInt `12n` →
 * `"12n"`, a cycle → `"[Circular]"`, functions → `"[Function name]"`, symbols → `"Symbol(x)"`,
 * `NaN`/`Infinity` → their names, `Map`/`Set` → entries/arrays, `Error`s → name, message and
 * stack, `Date` → ISO string, `undefined` in arrays → `null`. Plain JSON data comes back as is
 * (same structure, new objects only where something had to change).
 */

/** The JSON-compatible form of `value` (see the module doc). Never throws. */
export function toJsonSafe(value: unknown): unknown {
  return convert(value, new Set());
}

function convert(value: unknown, ancestors: Set<object>): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return value.toString();
    case 'function':
      return `[Function ${value.name || 'anonymous'}]`;
    case 'undefined':
      return undefined;
    case 'object':
      break;
  }
  if (value === null) return null;
  const obj = value as object;
  if (ancestors.has(obj)) return '[Circular]';
  ancestors.add(obj);
  try {
    if (Array.isArray(obj)) return obj.map((x) => convert(x, ancestors) ?? null);
    if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? 'Invalid Date' : obj.toISOString();
    if (obj instanceof Map) return { '[Map]': [...obj].map(([k, v]) => [convert(k, ancestors) ?? null, convert(v, ancestors) ?? null]) };
    if (obj instanceof Set) return { '[Set]': [...obj].map((x) => convert(x, ancestors) ?? null) };
    if (obj instanceof Error) return { name: obj.name, message: obj.message, ...(obj.stack ? { stack: obj.stack } : {}) };
    const toJSON = (obj as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      try {
        return convert(toJSON.call(obj), ancestors);
      } catch (error) {
        return `[toJSON threw: ${error instanceof Error ? error.message : typeof error}]`;
      }
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(obj)) {
      let v: unknown;
      try {
        v = (obj as Record<string, unknown>)[key];
      } catch {
        v = '[getter threw]';
      }
      const c = convert(v, ancestors);
      if (c !== undefined) out[key] = c;
    }
    return out;
  } finally {
    ancestors.delete(obj);
  }
}

/** `JSON.stringify(toJsonSafe(value), null, indent)`. */
export function stringifySafe(value: unknown, indent?: number): string {
  return JSON.stringify(toJsonSafe(value), null, indent) ?? 'null';
}
