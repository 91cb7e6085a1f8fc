/**
 * Python-style `repr` of JavaScript values, for evaluator reasons that pydantic-evals words with
 * `repr()` (`Output [1, 2, 3] does not contain provided value`). Containers use Python's layout
 * (`', '` between items, `': '` after keys, strings in single quotes); scalars keep their
 * JavaScript spelling (`true`, `null`, `undefined`, `NaN`).
 */

/** Python's `repr(str)`: single quotes unless the text has a `'` and no `"`; control characters escaped. */
export function pyReprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

/** Whether `v` is a plain object (`{}` literal or `Object.create(null)`), i.e. a Python dict. */
export function isPlainRecord(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * `repr`-like text of any value; never throws. Arrays `[1, 2]`, plain objects and Maps
 * `{'k': 1}`, Sets `{1, 2}`, class instances `Name(k='v')` (a dataclass's repr), a cycle `...`.
 */
export function pyRepr(value: unknown): string {
  return reprInner(value, new Set());
}

function reprInner(value: unknown, seen: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return pyReprString(value);
    case 'number':
    case 'boolean':
    case 'undefined':
    case 'bigint':
      return String(value);
    case 'symbol':
      return value.toString();
    case 'function':
      return `<function ${value.name || '<anonymous>'}>`;
  }
  if (value === null) return 'null';
  const obj = value as object;
  if (seen.has(obj)) return '...';
  seen.add(obj);
  try {
    const r = (v: unknown) => reprInner(v, seen);
    if (Array.isArray(obj)) return `[${obj.map(r).join(', ')}]`;
    if (obj instanceof Map) return `{${[...obj].map(([k, v]) => `${r(k)}: ${r(v)}`).join(', ')}}`;
    if (obj instanceof Set) return obj.size === 0 ? 'set()' : `{${[...obj].map(r).join(', ')}}`;
    if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? 'Invalid Date' : obj.toISOString();
    if (obj instanceof Error || obj instanceof RegExp) return String(obj);
    const entries = Object.entries(obj);
    if (isPlainRecord(obj)) return `{${entries.map(([k, v]) => `${pyReprString(k)}: ${r(v)}`).join(', ')}}`;
    const name = (obj as { constructor?: { name?: string } }).constructor?.name || 'Object';
    return `${name}(${entries.map(([k, v]) => `${k}=${r(v)}`).join(', ')})`;
  } catch {
    return '<unrepresentable>';
  } finally {
    seen.delete(obj);
  }
}

/** pydantic-evals' `_truncated_repr`: the repr, cut to its first and last `maxLength / 2` characters around `...`. */
export function truncatedPyRepr(value: unknown, maxLength = 100): string {
  return truncateMiddle(pyRepr(value), maxLength);
}

/** `text` cut to its first and last `maxLength / 2` characters around `...` when longer than `maxLength`. */
export function truncateMiddle(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  const half = Math.floor(maxLength / 2);
  return `${text.slice(0, half)}...${text.slice(text.length - half)}`;
}
