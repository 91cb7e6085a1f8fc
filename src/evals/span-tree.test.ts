import { describe, expect, it } from 'vitest';
import { normalizeSpanQuery, SpanNode, SpanTree } from './span-tree.js';

function node(spanId: string, name: string, parent: string | undefined, start: number, end: number, attributes = {}, status: 'unset' | 'ok' | 'error' = 'unset') {
  return new SpanNode({ name, traceId: 't', spanId, parentSpanId: parent, startTimeMs: start, endTimeMs: end, attributes, status });
}

// invoke_agent
// ├── chat gpt-4o
// ├── execute_tool get_weather (error)
// │   └── http GET
// └── chat gpt-4o
function sampleTree(): SpanTree {
  return new SpanTree([
    node('5', 'chat gpt-4o', '1', 40, 50, { 'gen_ai.request.model': 'gpt-4o' }),
    node('1', 'invoke_agent weather', undefined, 0, 60, { 'gen_ai.agent.name': 'weather' }),
    node('2', 'chat gpt-4o', '1', 1, 10, { 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 5 }),
    node('3', 'execute_tool get_weather', '1', 11, 30, { 'gen_ai.tool.name': 'get_weather', 'gen_ai.tool.call.arguments': '{"city":"Paris"}', tags: ['a', 'b'] }, 'error'),
    node('4', 'http GET', '3', 12, 20),
  ]);
}

describe('SpanTree', () => {
  it('links parents and children in start order', () => {
    const tree = sampleTree();
    expect(tree.roots.map((r) => r.name)).toEqual(['invoke_agent weather']);
    const root = tree.roots[0]!;
    expect(root.children.map((c) => c.spanId)).toEqual(['2', '3', '5']);
    expect(root.descendants.map((c) => c.spanId)).toEqual(['2', '3', '4', '5']);
    const http = tree.first({ nameEquals: 'http GET' })!;
    expect(http.ancestors.map((a) => a.spanId)).toEqual(['3', '1']);
    expect(http.durationMs).toBe(8);
    expect([...tree].map((n) => n.spanId)).toEqual(['1', '2', '3', '4', '5']);
    expect(tree.size).toBe(5);
  });

  it('keys nodes by trace and span id, so adding a span again replaces it (pydantic-evals nodes_by_id)', () => {
    const tree = sampleTree();
    tree.addSpans([node('4', 'http GET', '3', 12, 25)]);
    expect(tree.size).toBe(5);
    expect(tree.first({ nameEquals: 'http GET' })!.durationMs).toBe(13);
    expect(tree.roots[0]!.descendants.map((c) => c.spanId)).toEqual(['2', '3', '4', '5']);
    expect(tree.roots[0]!.firstDescendant({ nameEquals: 'chat gpt-4o' })!.spanId).toBe('2');
    expect(tree.first({ nameEquals: 'http GET' })!.firstAncestor(() => true)!.spanId).toBe('3');
    expect(tree.roots[0]!.firstAncestor(() => true)).toBeUndefined();
  });

  it('answers name, attribute, status and duration conditions', () => {
    const tree = sampleTree();
    expect(tree.find({ nameEquals: 'chat gpt-4o' })).toHaveLength(2);
    expect(tree.find({ nameContains: 'tool' }).map((n) => n.spanId)).toEqual(['3']);
    expect(tree.find({ nameMatchesRegex: 'chat|http' }).map((n) => n.spanId)).toEqual(['2', '4', '5']);
    expect(tree.find({ nameMatchesRegex: 'gpt' })).toHaveLength(0); // anchored at the start like re.match
    expect(tree.any({ hasAttributes: { 'gen_ai.tool.call.arguments': { city: 'Paris' } } })).toBe(true);
    expect(tree.any({ hasAttributes: { tags: ['a', 'b'] } })).toBe(true);
    expect(tree.any({ hasAttributes: { 'gen_ai.usage.input_tokens': 6 } })).toBe(false);
    expect(tree.find({ hasAttributeKeys: ['gen_ai.request.model'] })).toHaveLength(2);
    expect(tree.find({ hasStatus: 'error' }).map((n) => n.spanId)).toEqual(['3']);
    expect(tree.find({ minDurationMs: 19 }).map((n) => n.spanId)).toEqual(['1', '3']);
    expect(tree.find({ maxDurationMs: 8 }).map((n) => n.spanId)).toEqual(['4']);
  });

  it('combines conditions with not/and/or and rejects or with siblings', () => {
    const tree = sampleTree();
    expect(tree.find({ not: { nameContains: 'chat' } }).map((n) => n.spanId)).toEqual(['1', '3', '4']);
    expect(tree.find({ and: [{ nameContains: 'chat' }, { minDurationMs: 10 }] }).map((n) => n.spanId)).toEqual(['5']);
    expect(tree.find({ or: [{ nameEquals: 'http GET' }, { hasStatus: 'error' }] }).map((n) => n.spanId)).toEqual(['3', '4']);
    expect(() => tree.find({ or: [{ nameEquals: 'x' }], nameContains: 'y' })).toThrow(/Cannot combine 'or'/);
  });

  it('answers child, descendant, ancestor and depth conditions', () => {
    const tree = sampleTree();
    expect(tree.find({ minChildCount: 1 }).map((n) => n.spanId)).toEqual(['1', '3']);
    expect(tree.find({ maxChildCount: 0 })).toHaveLength(3);
    expect(tree.find({ someChildHas: { nameEquals: 'http GET' } }).map((n) => n.spanId)).toEqual(['3']);
    expect(tree.find({ allChildrenHave: { nameContains: 'chat' }, minChildCount: 1 })).toHaveLength(0);
    expect(tree.find({ noChildHas: { nameContains: 'chat' } }).map((n) => n.spanId)).toEqual(['2', '3', '4', '5']);
    expect(tree.find({ someDescendantHas: { nameEquals: 'http GET' } }).map((n) => n.spanId)).toEqual(['1', '3']);
    expect(
      tree.find({ someDescendantHas: { nameEquals: 'http GET' }, stopRecursingWhen: { nameContains: 'execute_tool' } }).map((n) => n.spanId),
    ).toEqual(['3']);
    expect(tree.find({ minDescendantCount: 4 }).map((n) => n.spanId)).toEqual(['1']);
    expect(tree.find({ maxDescendantCount: 0 })).toHaveLength(3);
    expect(tree.find({ allDescendantsHave: { maxDurationMs: 100 }, minDescendantCount: 1 })).toHaveLength(2);
    expect(tree.find({ noDescendantHas: { hasStatus: 'error' } }).map((n) => n.spanId)).toEqual(['2', '3', '4', '5']);
    expect(tree.find({ minDepth: 2 }).map((n) => n.spanId)).toEqual(['4']);
    expect(tree.find({ maxDepth: 0 }).map((n) => n.spanId)).toEqual(['1']);
    expect(tree.find({ someAncestorHas: { hasStatus: 'error' } }).map((n) => n.spanId)).toEqual(['4']);
    expect(tree.find({ allAncestorsHave: { nameContains: 'invoke' }, minDepth: 1 }).map((n) => n.spanId)).toEqual(['2', '3', '5']);
    expect(tree.find({ noAncestorHas: { nameContains: 'invoke' } }).map((n) => n.spanId)).toEqual(['1']);
    expect(tree.find({ someAncestorHas: { nameContains: 'invoke' }, stopRecursingWhen: { nameContains: 'execute' } }).map((n) => n.spanId)).toEqual(['2', '3', '5']);
  });

  it('supports predicates and node-level helpers', () => {
    const tree = sampleTree();
    const root = tree.roots[0]!;
    expect(root.findChildren((n) => n.name.startsWith('chat'))).toHaveLength(2);
    expect(root.firstChild({ hasStatus: 'error' })?.spanId).toBe('3');
    expect(root.anyChild({ nameEquals: 'http GET' })).toBe(false);
    expect(root.anyDescendant({ nameEquals: 'http GET' })).toBe(true);
    expect(root.firstDescendant({ nameEquals: 'http GET' }, { hasStatus: 'error' })).toBeUndefined();
    expect(tree.first({ nameEquals: 'http GET' })!.firstAncestor({ nameContains: 'invoke' })?.spanId).toBe('1');
  });

  it('normalizes pydantic-evals snake_case queries', () => {
    const q = normalizeSpanQuery({
      name_contains: 'tool',
      not_: { has_status: 'ok' },
      min_duration: 0.01,
      some_ancestor_has: { name_matches_regex: '^invoke' },
    });
    expect(q).toMatchObject({ nameContains: 'tool', not: { hasStatus: 'ok' }, minDurationMs: 10, someAncestorHas: { nameMatchesRegex: '^invoke' } });
    expect(() => normalizeSpanQuery({ nope: 1 })).toThrow(/Unknown span query condition 'nope'/);
  });

  it('round-trips through JSON', () => {
    const tree = sampleTree();
    const back = SpanTree.fromJSON(JSON.parse(JSON.stringify(tree)));
    expect(back.toJSON()).toEqual(tree.toJSON());
    expect(back.roots[0]!.descendants).toHaveLength(4);
  });
});
