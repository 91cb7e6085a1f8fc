/**
 * A queryable tree of the OpenTelemetry spans a case produced, as pydantic-evals'
 * `otel/span_tree.py`: `SpanNode`s with parent/child links, and `SpanQuery` conditions that
 * can be written in TypeScript (camelCase) or loaded from a dataset file (snake_case).
 */
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { UserError } from '../runtime/index.js';

/** An OpenTelemetry attribute value. */
export type AttributeValue = string | number | boolean | readonly (string | number | boolean | null | undefined)[];

/** Status of a span, mirroring OpenTelemetry's `SpanStatusCode`. */
export type SpanStatus = 'unset' | 'ok' | 'error';

/**
 * A serializable query over spans. All given conditions must hold (AND). Field meanings follow
 * pydantic-evals' `SpanQuery` (`name_equals` → `nameEquals`, `not_` → `not`, ...); durations are
 * in milliseconds. `stopRecursingWhen` prunes the ancestor/descendant walks of the
 * `some*`/`all*`/`no*` conditions at matching nodes.
 */
export interface SpanQuery {
  nameEquals?: string;
  nameContains?: string;
  /** A regular expression matched at the start of the name (Python `re.match`). */
  nameMatchesRegex?: string;
  /** Attribute values compared by equality; object/array values also match their JSON string form. */
  hasAttributes?: Record<string, unknown>;
  hasAttributeKeys?: string[];
  hasStatus?: SpanStatus;
  minDurationMs?: number;
  maxDurationMs?: number;
  not?: SpanQuery;
  and?: SpanQuery[];
  /** Cannot be combined with other conditions at the same level. */
  or?: SpanQuery[];
  minChildCount?: number;
  maxChildCount?: number;
  someChildHas?: SpanQuery;
  allChildrenHave?: SpanQuery;
  noChildHas?: SpanQuery;
  stopRecursingWhen?: SpanQuery;
  minDescendantCount?: number;
  maxDescendantCount?: number;
  someDescendantHas?: SpanQuery;
  allDescendantsHave?: SpanQuery;
  noDescendantHas?: SpanQuery;
  /** Depth is the number of ancestors inside the tree; roots have depth 0. */
  minDepth?: number;
  maxDepth?: number;
  someAncestorHas?: SpanQuery;
  allAncestorsHave?: SpanQuery;
  noAncestorHas?: SpanQuery;
}

/** A predicate over nodes, accepted wherever a `SpanQuery` is. */
export type SpanPredicate = (node: SpanNode) => boolean;

const QUERY_KEYS: Record<string, keyof SpanQuery> = {
  name_equals: 'nameEquals',
  name_contains: 'nameContains',
  name_matches_regex: 'nameMatchesRegex',
  has_attributes: 'hasAttributes',
  has_attribute_keys: 'hasAttributeKeys',
  has_status: 'hasStatus',
  not_: 'not',
  and_: 'and',
  or_: 'or',
  min_child_count: 'minChildCount',
  max_child_count: 'maxChildCount',
  some_child_has: 'someChildHas',
  all_children_have: 'allChildrenHave',
  no_child_has: 'noChildHas',
  stop_recursing_when: 'stopRecursingWhen',
  min_descendant_count: 'minDescendantCount',
  max_descendant_count: 'maxDescendantCount',
  some_descendant_has: 'someDescendantHas',
  all_descendants_have: 'allDescendantsHave',
  no_descendant_has: 'noDescendantHas',
  min_depth: 'minDepth',
  max_depth: 'maxDepth',
  some_ancestor_has: 'someAncestorHas',
  all_ancestors_have: 'allAncestorsHave',
  no_ancestor_has: 'noAncestorHas',
};
const CAMEL_KEYS = new Set<string>([...Object.values(QUERY_KEYS), 'minDurationMs', 'maxDurationMs']);
const NESTED_ONE = new Set<string>([
  'not', 'someChildHas', 'allChildrenHave', 'noChildHas', 'stopRecursingWhen', 'someDescendantHas',
  'allDescendantsHave', 'noDescendantHas', 'someAncestorHas', 'allAncestorsHave', 'noAncestorHas',
]);

/**
 * Normalizes a query written with pydantic-evals' snake_case keys (`name_equals`, `not_`,
 * `min_duration` in seconds) into a `SpanQuery`; camelCase keys pass through.
 * @throws UserError on an unknown key.
 */
export function normalizeSpanQuery(raw: unknown): SpanQuery {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new UserError(`A span query must be an object, got ${JSON.stringify(raw)}`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    let k: string;
    let v: unknown = value;
    if (key === 'min_duration' || key === 'max_duration') {
      k = key === 'min_duration' ? 'minDurationMs' : 'maxDurationMs';
      v = Number(value) * 1000;
    } else if (key in QUERY_KEYS) {
      k = QUERY_KEYS[key]!;
    } else if (CAMEL_KEYS.has(key)) {
      k = key;
    } else {
      throw new UserError(`Unknown span query condition '${key}'`);
    }
    if (NESTED_ONE.has(k)) v = normalizeSpanQuery(v);
    else if (k === 'and' || k === 'or') {
      if (!Array.isArray(v)) throw new UserError(`Span query '${key}' must be a list of queries`);
      v = v.map(normalizeSpanQuery);
    }
    out[k] = v;
  }
  return out as SpanQuery;
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** High-resolution start and end of a span in epoch milliseconds (fractional), as recorded by `EvalSpanProcessor`. */
export interface SpanTimes {
  startTimeMs: number;
  endTimeMs: number;
}

/** One span in a `SpanTree`. Times are epoch milliseconds (fractional: sub-millisecond resolution). */
export class SpanNode {
  readonly name: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly startTimeMs: number;
  readonly endTimeMs: number;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  readonly status: SpanStatus;
  /** Parent inside the tree; `undefined` for roots. */
  parent: SpanNode | undefined;
  /** Children in start-time order. */
  readonly children: SpanNode[] = [];

  constructor(init: {
    name: string;
    traceId: string;
    spanId: string;
    parentSpanId?: string | undefined;
    startTimeMs: number;
    endTimeMs: number;
    attributes?: Record<string, AttributeValue>;
    status?: SpanStatus;
  }) {
    this.name = init.name;
    this.traceId = init.traceId;
    this.spanId = init.spanId;
    this.parentSpanId = init.parentSpanId;
    this.startTimeMs = init.startTimeMs;
    this.endTimeMs = init.endTimeMs;
    this.attributes = init.attributes ?? {};
    this.status = init.status ?? 'unset';
  }

  /**
   * Builds a node from a finished SDK span. `times` (from `EvalSpanProcessor`, which reads
   * `performance.now()` when the span starts and ends) replace the span's own times, which the
   * SDK takes from `Date.now()` (whole milliseconds) unless a start time is given.
   */
  static fromReadableSpan(span: ReadableSpan, times?: SpanTimes): SpanNode {
    const ctx = span.spanContext();
    const toMs = (t: [number, number]) => t[0] * 1000 + t[1] / 1e6;
    const code = span.status.code; // 0 unset, 1 ok, 2 error
    return new SpanNode({
      name: span.name,
      traceId: ctx.traceId,
      spanId: ctx.spanId,
      parentSpanId: span.parentSpanContext?.spanId,
      startTimeMs: times?.startTimeMs ?? toMs(span.startTime),
      endTimeMs: times?.endTimeMs ?? toMs(span.endTime),
      attributes: { ...(span.attributes as Record<string, AttributeValue>) },
      status: code === 2 ? 'error' : code === 1 ? 'ok' : 'unset',
    });
  }

  /** Unique key `traceId:spanId`. */
  get nodeKey(): string {
    return `${this.traceId}:${this.spanId}`;
  }
  /** `endTimeMs - startTimeMs`. */
  get durationMs(): number {
    return this.endTimeMs - this.startTimeMs;
  }
  /**
   * All descendants in depth-first pre-order, children in start-time order. (pydantic-evals'
   * stack walk visits later siblings first; rehearse keeps start-time order at every level.)
   */
  get descendants(): SpanNode[] {
    return this.findDescendants(() => true);
  }
  /** Ancestors from the parent up to the root. */
  get ancestors(): SpanNode[] {
    return this.findAncestors(() => true);
  }

  findChildren(q: SpanQuery | SpanPredicate): SpanNode[] {
    return this.children.filter((c) => c.matches(q));
  }
  firstChild(q: SpanQuery | SpanPredicate): SpanNode | undefined {
    return this.children.find((c) => c.matches(q));
  }
  anyChild(q: SpanQuery | SpanPredicate): boolean {
    return this.firstChild(q) !== undefined;
  }

  private *iterDescendants(q: SpanQuery | SpanPredicate, stop?: SpanQuery | SpanPredicate): Generator<SpanNode> {
    const stack = [...this.children].reverse();
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (node.matches(q)) yield node;
      if (stop !== undefined && node.matches(stop)) continue;
      for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
    }
  }
  /** Descendants matching `q` in depth-first order, not descending below nodes matching `stop`. */
  findDescendants(q: SpanQuery | SpanPredicate, stop?: SpanQuery | SpanPredicate): SpanNode[] {
    return [...this.iterDescendants(q, stop)];
  }
  firstDescendant(q: SpanQuery | SpanPredicate, stop?: SpanQuery | SpanPredicate): SpanNode | undefined {
    return this.iterDescendants(q, stop).next().value ?? undefined;
  }
  anyDescendant(q: SpanQuery | SpanPredicate, stop?: SpanQuery | SpanPredicate): boolean {
    return this.firstDescendant(q, stop) !== undefined;
  }

  private *iterAncestors(q: SpanQuery | SpanPredicate, stop?: SpanQuery | SpanPredicate): Generator<SpanNode> {
    let node = this.parent;
    while (node) {
      if (node.matches(q)) yield node;
      if (stop !== undefined && node.matches(stop)) break;
      node = node.parent;
    }
  }
  /** Ancestors matching `q`, closest first, stopping after a node matching `stop`. */
  findAncestors(q: SpanQuery | SpanPredicate, stop?: SpanQuery | SpanPredicate): SpanNode[] {
    return [...this.iterAncestors(q, stop)];
  }
  firstAncestor(q: SpanQuery | SpanPredicate, stop?: SpanQuery | SpanPredicate): SpanNode | undefined {
    return this.iterAncestors(q, stop).next().value ?? undefined;
  }
  anyAncestor(q: SpanQuery | SpanPredicate, stop?: SpanQuery | SpanPredicate): boolean {
    return this.firstAncestor(q, stop) !== undefined;
  }

  /** Whether this node satisfies the query or predicate. @throws UserError for `or` combined with other keys. */
  matches(q: SpanQuery | SpanPredicate): boolean {
    return typeof q === 'function' ? q(this) : this.matchesQuery(q);
  }

  private attributeMatches(key: string, expected: unknown): boolean {
    const stored = this.attributes[key];
    if (jsonEqual(stored, expected)) return true;
    if (typeof expected === 'object' && expected !== null && typeof stored === 'string') {
      try {
        return jsonEqual(JSON.parse(stored), expected);
      } catch {
        return false;
      }
    }
    return false;
  }

  private matchesQuery(q: SpanQuery): boolean {
    if (q.or !== undefined) {
      if (Object.keys(q).length > 1) throw new UserError("Cannot combine 'or' conditions with other conditions at the same level");
      return q.or.some((sub) => this.matchesQuery(sub));
    }
    if (q.not !== undefined && this.matchesQuery(q.not)) return false;
    if (q.and !== undefined && !q.and.every((sub) => this.matchesQuery(sub))) return false;
    if (q.nameEquals !== undefined && this.name !== q.nameEquals) return false;
    if (q.nameContains !== undefined && !this.name.includes(q.nameContains)) return false;
    if (q.nameMatchesRegex !== undefined && new RegExp(q.nameMatchesRegex).exec(this.name)?.index !== 0) return false;
    if (q.hasAttributes && !Object.entries(q.hasAttributes).every(([k, v]) => this.attributeMatches(k, v))) return false;
    if (q.hasAttributeKeys && !q.hasAttributeKeys.every((k) => k in this.attributes)) return false;
    if (q.hasStatus !== undefined && this.status !== q.hasStatus) return false;
    if (q.minDurationMs !== undefined && this.durationMs < q.minDurationMs) return false;
    if (q.maxDurationMs !== undefined && this.durationMs > q.maxDurationMs) return false;
    if (q.minChildCount !== undefined && this.children.length < q.minChildCount) return false;
    if (q.maxChildCount !== undefined && this.children.length > q.maxChildCount) return false;
    if (q.someChildHas && !this.children.some((c) => c.matchesQuery(q.someChildHas!))) return false;
    if (q.allChildrenHave && !this.children.every((c) => c.matchesQuery(q.allChildrenHave!))) return false;
    if (q.noChildHas && this.children.some((c) => c.matchesQuery(q.noChildHas!))) return false;

    const stop = q.stopRecursingWhen;
    let all: SpanNode[] | undefined;
    let pruned: SpanNode[] | undefined;
    const descendants = () => (all ??= this.descendants);
    const prunedDescendants = () => (pruned ??= stop ? this.findDescendants(() => true, stop) : descendants());
    if (q.minDescendantCount !== undefined && descendants().length < q.minDescendantCount) return false;
    if (q.maxDescendantCount !== undefined && descendants().length > q.maxDescendantCount) return false;
    if (q.someDescendantHas && !prunedDescendants().some((d) => d.matchesQuery(q.someDescendantHas!))) return false;
    if (q.allDescendantsHave && !prunedDescendants().every((d) => d.matchesQuery(q.allDescendantsHave!))) return false;
    if (q.noDescendantHas && prunedDescendants().some((d) => d.matchesQuery(q.noDescendantHas!))) return false;

    let anc: SpanNode[] | undefined;
    let prunedAnc: SpanNode[] | undefined;
    const ancestors = () => (anc ??= this.ancestors);
    const prunedAncestors = () => (prunedAnc ??= stop ? this.findAncestors(() => true, stop) : ancestors());
    if (q.minDepth !== undefined && ancestors().length < q.minDepth) return false;
    if (q.maxDepth !== undefined && ancestors().length > q.maxDepth) return false;
    if (q.someAncestorHas && !prunedAncestors().some((a) => a.matchesQuery(q.someAncestorHas!))) return false;
    if (q.allAncestorsHave && !prunedAncestors().every((a) => a.matchesQuery(q.allAncestorsHave!))) return false;
    if (q.noAncestorHas && prunedAncestors().some((a) => a.matchesQuery(q.noAncestorHas!))) return false;
    return true;
  }

  /** JSON form: the node without links (children are rebuilt by `SpanTree`). */
  toJSON(): SpanNodeData {
    return {
      name: this.name,
      traceId: this.traceId,
      spanId: this.spanId,
      ...(this.parentSpanId === undefined ? {} : { parentSpanId: this.parentSpanId }),
      startTimeMs: this.startTimeMs,
      endTimeMs: this.endTimeMs,
      attributes: { ...this.attributes },
      status: this.status,
    };
  }
}

/** Plain JSON form of a `SpanNode`. */
export interface SpanNodeData {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  startTimeMs: number;
  endTimeMs: number;
  attributes: Record<string, AttributeValue>;
  status: SpanStatus;
}

/**
 * The spans of one case as a forest. A node whose parent is not in the set is a root.
 * Iteration (`for..of`, `find`) visits nodes in start-time order.
 */
export class SpanTree implements Iterable<SpanNode> {
  readonly roots: SpanNode[] = [];
  private readonly nodes: SpanNode[] = [];

  constructor(nodes: Iterable<SpanNode> = []) {
    const list = Array.isArray(nodes) ? (nodes as SpanNode[]) : [...nodes]; // (addSpans copies)
    if (list.length) this.addSpans(list); // most cases of a trivial task have no spans
  }

  /**
   * Builds a tree from finished SDK spans (`times[i]`, when given, are span `i`'s high-resolution
   * times). Spans with equal start times keep the order given.
   */
  static fromReadableSpans(spans: readonly ReadableSpan[], times?: readonly (SpanTimes | undefined)[]): SpanTree {
    return new SpanTree(spans.map((s, i) => SpanNode.fromReadableSpan(s, times?.[i])));
  }

  /** Adds nodes and relinks the tree. A node with the key (`traceId:spanId`) of one already present replaces it. */
  addSpans(nodes: SpanNode[]): void {
    const byKey = new Map(this.nodes.map((n) => [n.nodeKey, n]));
    for (const n of nodes) byKey.set(n.nodeKey, n);
    this.nodes.length = 0;
    this.nodes.push(...byKey.values());
    this.nodes.sort((a, b) => a.startTimeMs - b.startTimeMs);
    for (const n of this.nodes) {
      n.children.length = 0;
      n.parent = undefined;
    }
    this.roots.length = 0;
    for (const n of this.nodes) {
      const parent = n.parentSpanId === undefined ? undefined : byKey.get(`${n.traceId}:${n.parentSpanId}`);
      if (parent) {
        parent.children.push(n);
        n.parent = parent;
      } else this.roots.push(n);
    }
  }

  /** Number of spans. */
  get size(): number {
    return this.nodes.length;
  }
  [Symbol.iterator](): Iterator<SpanNode> {
    return this.nodes[Symbol.iterator]();
  }
  /** All nodes matching the query, in start-time order. */
  find(q: SpanQuery | SpanPredicate): SpanNode[] {
    return this.nodes.filter((n) => n.matches(q));
  }
  /** The first node matching the query, or `undefined`. */
  first(q: SpanQuery | SpanPredicate): SpanNode | undefined {
    return this.nodes.find((n) => n.matches(q));
  }
  /** Whether any node matches the query. */
  any(q: SpanQuery | SpanPredicate): boolean {
    return this.first(q) !== undefined;
  }
  toJSON(): SpanNodeData[] {
    return this.nodes.map((n) => n.toJSON());
  }
  /** Rebuilds a tree from `toJSON()` output. */
  static fromJSON(data: SpanNodeData[]): SpanTree {
    return new SpanTree(data.map((d) => new SpanNode(d)));
  }
}

/** Spans were not recorded for this case (no usable tracer provider). */
export class SpanTreeRecordingError extends Error {
  override readonly name = 'SpanTreeRecordingError' as const;
  constructor(message: string) {
    super(message);
  }
}
