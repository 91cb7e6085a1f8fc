/**
 * Makes a tool's or output object's JSON schema fit OpenAI's strict mode, as pydantic-ai's
 * `OpenAIJsonSchemaTransformer` (walked by `JsonSchemaTransformer`): drops `title`, `$schema`
 * and `discriminator`, sets `additionalProperties: false` on objects, and works out whether the
 * schema is strict-compatible when `strict` is unset.
 */
import { UserError } from '../errors.js';
import type { JsonSchema } from '../model.js';

type Node = Record<string, unknown>;

/** Keywords OpenAI's strict mode rejects (pydantic-ai `_STRICT_INCOMPATIBLE_KEYS`). */
const STRICT_INCOMPATIBLE_KEYS = [
  'minLength',
  'maxLength',
  'patternProperties',
  'unevaluatedProperties',
  'propertyNames',
  'minProperties',
  'maxProperties',
  'unevaluatedItems',
  'contains',
  'minContains',
  'maxContains',
  'uniqueItems',
] as const;

/** String formats strict mode accepts. */
const STRICT_COMPATIBLE_STRING_FORMATS = new Set(['date-time', 'time', 'date', 'duration', 'email', 'hostname', 'ipv4', 'ipv6', 'uuid']);
/** Keywords that give a schema node a concrete type (used to check array `items`). */
const TYPE_BEARING_KEYS = ['type', '$ref', 'anyOf', 'oneOf', 'allOf', 'enum', 'const'];
const LOOKAROUND_TOKENS = ['(?=', '(?!', '(?<=', '(?<!'];

function regexContainsLookaround(pattern: string): boolean {
  let escaped = false;
  for (let i = 0; i < pattern.length; i++) {
    if (escaped) {
      escaped = false;
      continue;
    }
    if (pattern[i] === '\\') {
      escaped = true;
      continue;
    }
    if (LOOKAROUND_TOKENS.some((t) => pattern.startsWith(t, i))) return true;
  }
  return false;
}

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Result of {@link transformOpenAIJsonSchema}. */
export interface OpenAIJsonSchemaResult {
  /** The transformed schema (a fresh copy; the input is not changed). */
  schema: JsonSchema;
  /** Whether the schema can be sent with `strict: true` unchanged in meaning. Only informative when `strict` was `undefined`. */
  isStrictCompatible: boolean;
}

/**
 * Transforms `schema` for OpenAI. `strict: true` forces strict form (moves incompatible keywords
 * into the description, marks every property required); `false` leaves the schema loose;
 * `undefined` keeps it as is and reports in `isStrictCompatible` whether it is already strict.
 * @throws UserError in strict mode for an array whose items have no type (as pydantic-ai).
 */
export function transformOpenAIJsonSchema(schema: JsonSchema, strict: boolean | undefined): OpenAIJsonSchemaResult {
  let isStrictCompatible = true;
  const root = structuredClone(schema) as Node;
  const rootRef = typeof root['$ref'] === 'string' ? root['$ref'] : undefined;
  const defs = isNode(root['$defs']) ? (structuredClone(root['$defs']) as Record<string, Node>) : {};
  delete root['$defs'];

  const transform = (s: Node): Node => {
    delete s['title'];
    delete s['$schema'];
    delete s['discriminator'];

    if ('default' in s) {
      if (strict === true) delete s['default'];
      else if (strict === undefined) isStrictCompatible = false;
    }

    const ref = s['$ref'];
    if (typeof ref === 'string') {
      if (ref === rootRef) s['$ref'] = '#';
      if (Object.keys(s).length > 1) {
        const r = s['$ref'];
        delete s['$ref'];
        s['anyOf'] = [{ $ref: r }];
      }
    }

    const incompatible: [string, unknown][] = [];
    for (const key of STRICT_INCOMPATIBLE_KEYS) if (key in s) incompatible.push([key, s[key]]);
    const format = s['format'];
    if (typeof format === 'string' && format !== '' && !STRICT_COMPATIBLE_STRING_FORMATS.has(format)) incompatible.push(['format', format]);
    const pattern = s['pattern'];
    if (typeof pattern === 'string' && regexContainsLookaround(pattern)) incompatible.push(['pattern', pattern]);
    if (incompatible.length > 0) {
      if (strict === true) {
        const notes = incompatible.map(([k, v]) => {
          delete s[k];
          return `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`;
        });
        const description = s['description'];
        const joined = notes.join(', ');
        s['description'] = typeof description === 'string' && description !== '' ? `${description} (${joined})` : joined;
      } else if (strict === undefined) {
        isStrictCompatible = false;
      }
    }

    const type = s['type'];
    if ('oneOf' in s) {
      if (strict === true) {
        s['anyOf'] = s['oneOf'];
        delete s['oneOf'];
      } else {
        isStrictCompatible = false;
      }
    }

    if (type === 'object') {
      if (!('properties' in s)) s['properties'] = {};
      const props = s['properties'] as Node;
      if (strict === true) {
        s['additionalProperties'] = false;
        s['required'] = Object.keys(props);
      } else if (strict === undefined) {
        const ap = s['additionalProperties'];
        if (ap !== undefined && ap !== false) isStrictCompatible = false;
        else s['additionalProperties'] = false;
        const required = s['required'];
        if (!Array.isArray(required)) isStrictCompatible = false;
        else for (const k of Object.keys(props)) if (!required.includes(k)) isStrictCompatible = false;
      }
    }

    if (type === 'array') {
      const items = s['items'];
      const typed = isNode(items) && TYPE_BEARING_KEYS.some((k) => k in items);
      const prefix = s['prefixItems'];
      if (!typed && !(Array.isArray(prefix) && prefix.length > 0)) {
        if (strict === true) {
          throw new UserError(
            'OpenAI strict mode requires array items to have a type, but got an untyped array (e.g. `z.array(z.any())`). ' +
              'Give the items a type, or set `strict: false`.',
          );
        } else if (strict === undefined) {
          isStrictCompatible = false;
        }
      }
    }
    return s;
  };

  const handle = (node: unknown): unknown => {
    if (!isNode(node)) return node;
    let s = node;
    const type = s['type'];
    if (type === 'object') {
      const props = s['properties'];
      if (isNode(props) && Object.keys(props).length > 0) {
        const out: Node = {};
        for (const [k, v] of Object.entries(props)) out[k] = handle(v);
        s['properties'] = out;
      }
      const ap = s['additionalProperties'];
      if (ap !== undefined && typeof ap !== 'boolean') s['additionalProperties'] = handle(ap);
      const pp = s['patternProperties'];
      if (isNode(pp)) {
        const out: Node = {};
        for (const [k, v] of Object.entries(pp)) out[k] = handle(v);
        s['patternProperties'] = out;
      }
    } else if (type === 'array') {
      const prefix = s['prefixItems'];
      if (Array.isArray(prefix) && prefix.length > 0) s['prefixItems'] = prefix.map(handle);
      const items = s['items'];
      if (isNode(items) ? Object.keys(items).length > 0 : Boolean(items)) s['items'] = handle(items);
    } else if (type === undefined) {
      for (const kind of ['allOf', 'anyOf', 'oneOf'] as const) s = handleUnion(s, kind);
    }
    if (type !== undefined) {
      for (const kind of ['allOf', 'anyOf', 'oneOf'] as const) {
        const members = s[kind];
        if (Array.isArray(members) && members.length > 0) s[kind] = members.map(handle);
      }
    }
    return transform(s);
  };

  const handleUnion = (s: Node, kind: 'allOf' | 'anyOf' | 'oneOf'): Node => {
    if (!(kind in s)) return s;
    const members = s[kind];
    delete s[kind];
    const handled = Array.isArray(members) ? members.map(handle) : [];
    if (handled.length === 1 && isNode(handled[0])) return { ...handled[0], ...s };
    return { ...s, [kind]: handled };
  };

  let result = handle(root) as Node;
  if (Object.keys(defs).length > 0) {
    const handledDefs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(defs)) handledDefs[k] = handle(v);
    result['$defs'] = handledDefs;
  }
  if (rootRef !== undefined) {
    delete result['$ref'];
    const rootKey = rootRef.replace(/^#\/\$defs\//, '');
    const def = (result['$defs'] as Record<string, Node> | undefined)?.[rootKey];
    if (def) result = { ...result, ...def };
  }
  return { schema: result as JsonSchema, isStrictCompatible };
}
