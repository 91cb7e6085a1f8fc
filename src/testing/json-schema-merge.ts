/**
 * `allOf` merging for the JSON-schema data generator ({@link generateJsonSchemaData}): two
 * schemas become one that demands both, for the shapes zod emits.
 */
type Schema = Record<string, unknown>;

/** Whether `v` is a schema object (a plain, non-array object). */
export function isSchemaObject(v: unknown): v is Schema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const MAX_KEYS = new Set(['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties']);
const MIN_KEYS = new Set(['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties']);

/** Merges two schemas of an `allOf` into one that demands both (for the shapes zod emits). */
export function mergeSchemas(a: Schema, b: Schema): Schema {
  const out: Schema = { ...a };
  for (const [k, bv] of Object.entries(b)) {
    const av = out[k];
    if (av === undefined) {
      out[k] = k === 'pattern' && typeof bv === 'string' ? [bv] : bv;
      continue;
    }
    if (k === 'pattern') {
      const list = Array.isArray(av) ? [...(av as unknown[])] : [av];
      if (Array.isArray(bv)) list.push(...(bv as unknown[]));
      else list.push(bv);
      out[k] = list;
    } else if (MAX_KEYS.has(k) && typeof av === 'number' && typeof bv === 'number') {
      out[k] = Math.min(av, bv);
    } else if (MIN_KEYS.has(k) && typeof av === 'number' && typeof bv === 'number') {
      out[k] = Math.max(av, bv);
    } else if (k === 'required' && Array.isArray(av) && Array.isArray(bv)) {
      out[k] = [...new Set([...(av as unknown[]), ...(bv as unknown[])])];
    } else if (k === 'properties' && isSchemaObject(av) && isSchemaObject(bv)) {
      const props: Schema = { ...av };
      for (const [pk, pv] of Object.entries(bv)) props[pk] = pk in props ? { allOf: [props[pk], pv] } : pv;
      out[k] = props;
    } else if (k === 'enum' && Array.isArray(av) && Array.isArray(bv)) {
      const keep = av.filter((x) => bv.some((y) => JSON.stringify(x) === JSON.stringify(y)));
      out[k] = keep.length > 0 ? keep : av;
    } else if (k === 'type' && (Array.isArray(av) || Array.isArray(bv))) {
      const as = Array.isArray(av) ? av : [av];
      const bs = Array.isArray(bv) ? bv : [bv];
      const both = as.filter((t) => bs.includes(t) || (t === 'integer' && bs.includes('number')));
      out[k] = both.length === 1 ? both[0] : both.length > 0 ? both : av;
    } else if (k === 'type' && av === 'number' && bv === 'integer') {
      out[k] = 'integer';
    } else if (k === 'additionalProperties' && av === false) {
      // keep the stricter
    }
    // anything else: the first schema wins
  }
  if (Array.isArray(out['pattern']) && (out['pattern'] as unknown[]).length === 1) out['pattern'] = (out['pattern'] as unknown[])[0];
  return out;
}
