/**
 * TestModel, ported from pydantic-ai's tests/models/test_model_test.py (the tests not already in
 * src/runtime/ported/models.test.ts). The pydantic models of the JSON-schema tests are given as the
 * JSON schemas pydantic emits for them (./pydantic-schemas.ts).
 *
 * Not ported, as rehearse has no deferred tool loading (`defer_loading`, tool visibility,
 * `ToolAvailabilityDeltaPart`, `prepare_messages`):
 * test_call_hidden_tool_has_clear_error, test_native_tool_addition_profile_runs_without_crashing,
 * test_delta_part_without_native_profile_still_raises, test_revealed_via_history_tool_is_callable_in_named_mode.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Agent, UnexpectedModelBehavior, tool } from '../../runtime/index.js';
import type { ModelMessage, ModelResponse } from '../../runtime/index.js';
import { JsonSchemaTestData, TestModel, generateJsonSchemaData } from '../index.js';
import { additionalSchema, charsWrapSchema, equalInclusiveBoundsSchema, testDataSchema } from './pydantic-schemas.js';

/** pydantic-ai's `_chars`: ascii letters, digits, punctuation. */
const CHARS_LENGTH = 26 * 2 + 10 + 32;

function responsesWithoutIds(messages: readonly ModelMessage[]): Omit<ModelResponse, 'timestamp' | 'runId' | 'conversationId'>[] {
  return messages
    .filter((m): m is ModelResponse => m.kind === 'response')
    .map((m) => {
      const { timestamp: _t, runId: _r, conversationId: _c, ...rest } = m as ModelResponse & { runId?: string; conversationId?: string };
      return rest;
    });
}

describe('ported from tests/models/test_model_test.py', () => {
  // test_model_test.py::test_response_metadata_consistent_between_run_and_run_stream
  it('test_response_metadata_consistent_between_run_and_run_stream [test_model_test.py]', async () => {
    const agent = new Agent({ model: new TestModel() });
    const runResult = await agent.run('hello');
    const stream = await agent.runStream('hello');
    for await (const _ of stream.streamText()) void _;
    const expected = [{ kind: 'response', parts: [{ partKind: 'text', content: 'success (no tool calls)' }], usage: { inputTokens: 51, outputTokens: 4 }, modelName: 'test', providerName: 'test' }];
    expect(responsesWithoutIds(runResult.allMessages())).toMatchObject(expected);
    expect(responsesWithoutIds(stream.allMessages())).toEqual(responsesWithoutIds(runResult.allMessages()));
  });

  // test_model_test.py::test_custom_output_args_model
  it('test_custom_output_args_model [test_model_test.py]', async () => {
    const Foo = z.object({ foo: z.string(), bar: z.number().int() });
    const r = await new Agent({ outputType: Foo }).run('x', { model: new TestModel({ customOutputArgs: { foo: 'a', bar: 1 } }) });
    expect(r.output).toEqual({ foo: 'a', bar: 1 });
    const messages = r.allMessages();
    expect(messages).toHaveLength(3);
    expect(messages[1]).toMatchObject({
      kind: 'response',
      parts: [{ partKind: 'tool-call', toolName: 'final_result', args: { foo: 'a', bar: 1 }, toolCallId: 'pyd_ai_tool_call_id__final_result' }],
      usage: { inputTokens: 51, outputTokens: 6 },
      modelName: 'test',
    });
    expect(messages[2]).toMatchObject({
      kind: 'request',
      parts: [{ partKind: 'tool-return', toolName: 'final_result', content: 'Final result processed.', toolCallId: 'pyd_ai_tool_call_id__final_result' }],
    });
  });

  // test_model_test.py::test_output_tool_retry_error_handled_with_custom_args
  it('test_output_tool_retry_error_handled_with_custom_args [test_model_test.py]', async () => {
    const agent = new Agent({ model: 'test', outputType: z.object({ x: z.number().int(), y: z.string() }), retries: { tools: 2, output: 2 } });
    const err = await agent.run('Hello', { model: new TestModel({ customOutputArgs: { foo: 'a', bar: 1 } }) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnexpectedModelBehavior);
    expect((err as Error).message).toMatch(/Exceeded maximum output retries \(2\)/);
  });

  // test_model_test.py::test_json_schema_test_data
  it('test_json_schema_test_data [test_model_test.py]', () => {
    const data = new JsonSchemaTestData(testDataSchema).generate();
    expect(data).toEqual({
      my_str: 'a',
      my_str_long: 'aaaaaaaaaa',
      my_str_short: 'a',
      my_int: 0,
      my_int_gt: 6,
      my_int_ge: 5,
      my_int_lt: -6,
      my_int_le: -5,
      my_int_range: 6,
      my_float: 0.0,
      my_float_gt: 6.0,
      my_float_lt: -6.0,
      my_bool: false,
      my_bytes: 'a',
      my_fixed_tuple: [0, 'a'],
      my_var_tuple: [0],
      my_list: ['a'],
      my_dict: { additionalProperty: 0 },
      my_set: ['a'],
      my_set_min_len: ['b', 'c', 'd', 'e', 'f'],
      my_list_min_len: ['g', 'g', 'g', 'g', 'g'],
      my_lit_int: 1,
      my_lit_ints: 1,
      my_lit_str: 'a',
      my_lit_strs: 'a',
      my_any: 'g',
      union: 6,
      optional: 'g',
      with_example: 1234,
      max_len_zero: '',
      is_null: null,
      nested: { foo: 'g', bar: 6 },
    });
  });

  // test_model_test.py::test_json_schema_test_data_additional
  it('test_json_schema_test_data_additional [test_model_test.py]', () => {
    expect(new JsonSchemaTestData(additionalSchema).generate()).toEqual({ x: 0, additionalProperty: 'a', additionalProperty_: 'a' });
  });

  // test_model_test.py::test_json_schema_test_data_equal_inclusive_bounds
  it('test_json_schema_test_data_equal_inclusive_bounds [test_model_test.py]', () => {
    expect(new JsonSchemaTestData(equalInclusiveBoundsSchema).generate()).toEqual({ my_int_eq: 7, my_float_eq: 7.5 });
  });

  // the same bounds from a zod schema
  it('test_json_schema_test_data_equal_inclusive_bounds, from zod [test_model_test.py]', () => {
    const schema = z.toJSONSchema(z.object({ my_int_eq: z.number().int().min(7).max(7), my_float_eq: z.number().min(7.5).max(7.5) }));
    expect(generateJsonSchemaData(schema as Record<string, unknown>)).toEqual({ my_int_eq: 7, my_float_eq: 7.5 });
  });

  // test_model_test.py::test_chars_wrap
  it('test_chars_wrap [test_model_test.py]', () => {
    expect(new JsonSchemaTestData(charsWrapSchema, CHARS_LENGTH - 2).generate()).toEqual({ a: ['}', '~', 'aa', 'ab'] });
  });

  // test_model_test.py::test_prefix_unique
  it('test_prefix_unique [test_model_test.py]', () => {
    const schema = { type: 'array', uniqueItems: true, prefixItems: [{ type: 'string' }, { type: 'string' }] };
    expect(new JsonSchemaTestData(schema).generate()).toEqual(['a', 'b']);
  });

  // test_model_test.py::test_max_items
  it('test_max_items [test_model_test.py]', () => {
    expect(new JsonSchemaTestData({ type: 'array', items: { type: 'string' }, maxItems: 0 }).generate()).toEqual([]);
  });

  // test_model_test.py::test_json_schema_test_data_falsy_const (parametrized over '', False, 0, None)
  it.each([[''], [false], [0], [null]])('test_json_schema_test_data_falsy_const(%j) [test_model_test.py]', (value) => {
    const schema = { type: 'object', required: ['value'], properties: { value: { const: value } } };
    expect(new JsonSchemaTestData(schema).generate()).toEqual({ value });
  });

  // test_model_test.py::test_falsy_const_tool_args
  it('test_falsy_const_tool_args [test_model_test.py]', async () => {
    const calls: unknown[] = [];
    const myTool = tool({
      name: 'my_tool',
      parameters: z.object({ empty: z.literal(''), flag: z.literal(false), zero: z.literal(0) }),
      execute: (args) => {
        calls.push(args);
        return 'ok';
      },
    });
    await new Agent({ tools: [myTool] }).run('hello', { model: new TestModel() });
    expect(calls).toEqual([{ empty: '', flag: false, zero: 0 }]);
  });
});
