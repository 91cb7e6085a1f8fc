import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EvaluatorContext } from '../evaluator-context.js';
import { groupEvaluationResults, runEvaluator, Evaluator, type EvaluatorOutput } from '../evaluator.js';
import { SpanNode, SpanTree, SpanTreeRecordingError } from '../span-tree.js';
import { Contains, Equals, EqualsExpected, HasMatchingSpan, IsInstance, MatchesSchema, MaxDuration, typeNames } from './common.js';

function ctx(output: unknown, extra: Partial<ConstructorParameters<typeof EvaluatorContext>[0]> = {}) {
  return new EvaluatorContext({ name: 'c', inputs: 'in', output, durationMs: 5, ...extra });
}

describe('Equals / EqualsExpected', () => {
  it('compares structurally', () => {
    expect(new Equals({ value: { a: [1, 2], b: 'x' } }).evaluate(ctx({ b: 'x', a: [1, 2] }))).toBe(true);
    expect(new Equals({ value: 3 }).evaluate(ctx(4))).toBe(false);
    expect(new EqualsExpected().evaluate(ctx([1], { expectedOutput: [1] }))).toBe(true);
    expect(new EqualsExpected().evaluate(ctx([1], { expectedOutput: [2] }))).toBe(false);
    expect(new EqualsExpected().evaluate(ctx([1]))).toEqual({});
  });
});

describe('Contains', () => {
  it('checks substrings with case options', () => {
    expect(new Contains({ value: 'World' }).evaluate(ctx('hello world'))).toEqual({
      value: false,
      reason: "Output string 'hello world' does not contain expected string 'World'",
    });
    expect(new Contains({ value: 'World', caseSensitive: false }).evaluate(ctx('hello world'))).toEqual({ value: true });
    expect(new Contains({ value: 42, asStrings: true }).evaluate(ctx('answer: 42'))).toEqual({ value: true });
  });
  it('checks arrays and objects', () => {
    expect(new Contains({ value: { a: 1 } }).evaluate(ctx([{ a: 1 }, 2])).value).toBe(true);
    // Python's list repr, as pydantic-evals' test_contains_list
    expect(new Contains({ value: 3 }).evaluate(ctx([1, 2]))).toEqual({ value: false, reason: 'Output [1, 2] does not contain provided value' });
    expect(new Contains({ value: { a: 1 } }).evaluate(ctx({ a: 1, b: 2 })).value).toBe(true);
    expect(new Contains({ value: { a: 2 } }).evaluate(ctx({ a: 1 }))).toEqual({ value: false, reason: "Output has different value for key 'a': 1 != 2" });
    expect(new Contains({ value: { c: 2 } }).evaluate(ctx({ a: 1 }))).toEqual({ value: false, reason: "Output does not contain expected key 'c'" });
    expect(new Contains({ value: 'a' }).evaluate(ctx({ a: 1 })).value).toBe(true);
    expect(new Contains({ value: 'z' }).evaluate(ctx({ a: 1 })).reason).toMatch(/does not contain provided value as a key/);
    expect(new Contains({ value: 1 }).evaluate(ctx(null)).reason).toMatch(/^Containment check failed/);
  });
});

describe('IsInstance', () => {
  class Animal {}
  class Dog extends Animal {}
  it('walks the prototype chain', () => {
    expect(new IsInstance({ typeName: 'Animal' }).evaluate(ctx(new Dog()))).toEqual({ value: true });
    expect(new IsInstance({ typeName: 'String' }).evaluate(ctx('x'))).toEqual({ value: true });
    expect(new IsInstance({ typeName: 'Array' }).evaluate(ctx({}))).toEqual({ value: false, reason: 'output is of type Object' });
    expect(typeNames(new TypeError('x'))).toEqual(['TypeError', 'Error', 'Object']);
    expect(typeNames(null)).toEqual(['null']);
  });
  it("accepts pydantic-evals' Python type names (`IsInstance: str` in a dataset file)", () => {
    const is = (typeName: string, v: unknown) => new IsInstance({ typeName }).evaluate(ctx(v)).value;
    expect([is('str', 'x'), is('int', 3), is('float', 2.5), is('bool', false), is('list', [1]), is('dict', { a: 1 }), is('NoneType', null)]).toEqual([
      true, true, true, true, true, true, true,
    ]);
    expect([is('str', 3), is('int', 2.5), is('dict', [1]), is('dict', new Date(0)), is('bool', 0)]).toEqual([false, false, false, false, false]);
    expect(new IsInstance({ typeName: 'str' }).evaluate(ctx(1))).toEqual({ value: false, reason: 'output is of type Number' });
  });
});

describe('MatchesSchema / MaxDuration', () => {
  it('validates with zod and from a JSON Schema', () => {
    const schema = z.object({ city: z.string(), temp: z.number() });
    expect(new MatchesSchema({ schema }).evaluate(ctx({ city: 'Paris', temp: 20 }))).toEqual({ value: true });
    const bad = new MatchesSchema({ schema }).evaluate(ctx({ city: 1, temp: 20 }));
    expect(bad.value).toBe(false);
    expect(bad.reason).toMatch(/^Output does not match the schema: city: /);
    const fromJson = new MatchesSchema({ schema: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] } });
    expect(fromJson.evaluate(ctx({ n: 1 })).value).toBe(true);
    expect(fromJson.evaluate(ctx({})).value).toBe(false);
  });
  it('compares the task duration', () => {
    expect(new MaxDuration({ seconds: 0.01 }).evaluate(ctx(1, { durationMs: 10 }))).toBe(true);
    expect(new MaxDuration({ seconds: 0.01 }).evaluate(ctx(1, { durationMs: 10.5 }))).toBe(false);
    expect(() => new MaxDuration({ seconds: -1 })).toThrow(/non-negative/);
  });
});

describe('HasMatchingSpan', () => {
  const tree = new SpanTree([new SpanNode({ name: 'execute_tool x', traceId: 't', spanId: '1', startTimeMs: 0, endTimeMs: 1 })]);
  it('queries the span tree (camelCase or snake_case)', () => {
    expect(new HasMatchingSpan({ query: { nameContains: 'tool' } }).evaluate(ctx(1, { spanTree: tree }))).toBe(true);
    expect(new HasMatchingSpan({ query: { name_equals: 'nope' } }).evaluate(ctx(1, { spanTree: tree }))).toBe(false);
  });
  it('fails the evaluator when spans were not recorded', async () => {
    const c = ctx(1, { spanTree: new SpanTreeRecordingError('no provider') });
    const r = await runEvaluator(new HasMatchingSpan({ query: { nameContains: 'x' } }), c);
    expect(r).toMatchObject({ name: 'HasMatchingSpan', errorMessage: 'SpanTreeRecordingError: no provider', source: 'HasMatchingSpan' });
  });
});

describe('runEvaluator and grouping', () => {
  class Multi extends Evaluator {
    constructor(private readonly out: unknown) {
      super();
    }
    async evaluate(): Promise<EvaluatorOutput> {
      return this.out as EvaluatorOutput;
    }
  }
  it('names results and files them by type', async () => {
    const c = ctx('x');
    const a = await runEvaluator(new Multi(true), c);
    const b = await runEvaluator(new Multi({ acc: 0.5, ok: { value: false, reason: 'nope' }, kind: 'short' }), c);
    const d = await runEvaluator(new Equals({ value: 'x', evaluationName: 'same' }), c);
    const e = await runEvaluator(new Equals({ value: 'x' }), c);
    const f = await runEvaluator(new Equals({ value: 'y' }), c);
    expect(Array.isArray(a) && Array.isArray(b) && Array.isArray(d) && Array.isArray(e) && Array.isArray(f)).toBe(true);
    const all = [a, b, d, e, f].flatMap((x) => (Array.isArray(x) ? x : []));
    const g = groupEvaluationResults(all);
    expect(Object.keys(g.assertions)).toEqual(['Multi', 'ok', 'same', 'Equals', 'Equals_2']);
    expect(g.assertions['ok']).toEqual({ name: 'ok', value: false, reason: 'nope', source: 'Multi' });
    expect(g.assertions['Equals_2']!.value).toBe(false);
    expect(g.scores).toEqual({ acc: { name: 'acc', value: 0.5, source: 'Multi' } });
    expect(g.labels['kind']!.value).toBe('short');
  });
  it('turns invalid outputs and throws into failures, with retries', async () => {
    const bad = await runEvaluator(new Multi([1, 2]), ctx(1));
    expect(bad).toMatchObject({ name: 'Multi', errorMessage: 'TypeError: Multi.evaluate returned a value of an invalid type: [ 1, 2 ].' });
    const nan = await runEvaluator(new Multi(Number.NaN), ctx(1));
    expect(nan).toMatchObject({ errorMessage: expect.stringMatching(/invalid type/) });
    let calls = 0;
    class Flaky extends Evaluator {
      evaluate(): boolean {
        calls++;
        if (calls < 3) throw new Error(`boom ${calls}`);
        return true;
      }
    }
    expect(await runEvaluator(new Flaky(), ctx(1), { maxAttempts: 3 })).toEqual([{ name: 'Flaky', value: true, source: 'Flaky' }]);
    calls = 0;
    expect(await runEvaluator(new Flaky(), ctx(1), { maxAttempts: 2 })).toMatchObject({ errorMessage: 'Error: boom 2' });
  });
  it('serializes evaluators to spec short forms', () => {
    expect(new EqualsExpected().toSpec()).toBe('EqualsExpected');
    expect(new Contains({ value: 'x' }).toSpec()).toEqual({ Contains: 'x' });
    expect(new Contains({ value: 'x', caseSensitive: false }).toSpec()).toEqual({ Contains: { value: 'x', caseSensitive: false } });
    expect(new Equals({ value: { a: 1 } }).toSpec()).toEqual({ Equals: { value: { a: 1 } } });
  });
});
