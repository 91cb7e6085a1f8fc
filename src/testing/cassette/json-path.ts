/**
 * A small JSON path subset for `ignoreJsonPaths`: `$.a.b`, `a.b` (the `$.` is optional),
 * `messages[0].content`, `messages[*].id`, `metadata.*`, `['key with.dots']`.
 */
import { UserError } from '../../runtime/index.js';

type Step = { key: string } | { index: number } | { any: true };

const cache = new Map<string, Step[]>();

/**
 * Parses a path into steps.
 * @throws UserError for a path outside the subset.
 */
export function parseJsonPath(path: string): Step[] {
  const hit = cache.get(path);
  if (hit !== undefined) return hit;
  const steps: Step[] = [];
  let rest = path.trim().replace(/^\$/, '');
  if (rest !== '' && !/^[.[]/.test(rest)) rest = `.${rest}`;
  const token = /^(?:\.([A-Za-z_$][\w$-]*|\*)|\[(\d+)\]|\[\*\]|\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\])/;
  while (rest !== '') {
    const m = token.exec(rest);
    if (m === null) throw new UserError(`ignoreJsonPaths: cannot read "${path}" at "${rest}" (use $.a.b, a[0].b, a[*].b, a.*, ['odd key'])`);
    if (m[1] !== undefined) steps.push(m[1] === '*' ? { any: true } : { key: m[1] });
    else if (m[2] !== undefined) steps.push({ index: Number(m[2]) });
    else if (m[3] !== undefined || m[4] !== undefined) steps.push({ key: (m[3] ?? m[4] ?? '').replace(/\\(.)/g, '$1') });
    else steps.push({ any: true });
    rest = rest.slice(m[0].length);
  }
  if (steps.length === 0) throw new UserError(`ignoreJsonPaths: "${path}" names the whole body; use matchOn without 'body' instead`);
  cache.set(path, steps);
  return steps;
}

/** Marks an ignored array element (removing it would shift the others). */
export const IGNORED = '<ignored>';

function remove(v: unknown, steps: readonly Step[], at: number): void {
  const step = steps[at];
  if (step === undefined || typeof v !== 'object' || v === null) return;
  const last = at === steps.length - 1;
  if (Array.isArray(v)) {
    const indexes = 'any' in step ? v.keys() : 'index' in step && step.index < v.length ? [step.index] : [];
    for (const i of indexes) {
      if (last) v[i] = IGNORED;
      else remove(v[i], steps, at + 1);
    }
    return;
  }
  const obj = v as Record<string, unknown>;
  const keys = 'any' in step ? Object.keys(obj) : 'key' in step && Object.hasOwn(obj, step.key) ? [step.key] : [];
  for (const k of keys) {
    if (last) delete obj[k];
    else remove(obj[k], steps, at + 1);
  }
}

/** A copy of `value` without the values at `paths` (object keys removed, array elements replaced by {@link IGNORED}). */
export function withoutJsonPaths(value: unknown, paths: readonly string[]): unknown {
  const copy = structuredClone(value);
  for (const p of paths) remove(copy, parseJsonPath(p), 0);
  return copy;
}
