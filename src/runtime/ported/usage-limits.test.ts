/**
 * Usage and usage limits, ported from pydantic-ai's tests/test_usage_limits.py (the tests not already
 * in ./usage.test.ts). Limit names are camelCase (`perRequestInputTokensLimit`), and so are the
 * counts in messages (`requestInputTokens=51`).
 *
 * Not ported: test_genai_prices, test_calculate_price_*, test_best_effort_price_*, test_check_cost_*,
 * test_completed_run_warns_when_cost_unavailable, test_cost_not_found_warning_waits_until_run_is_complete,
 * test_check_before_request_cost_* (rehearse has no genai-prices pricing, `cost` or `costLimit`);
 * test_usage_arbitrary_fields* , test_usage_reserved_fields_not_loaded_as_arbitrary,
 * test_usage_details_none_deserialization, test_usage_pydantic_core_serialization_subclass
 * (pydantic serialization of arbitrary usage fields; rehearse usage is plain JSON);
 * test_output_audio_tokens_increment, test_request_usage_basics (no audio token counts; a plain
 * `RequestUsage` object has no `requests` property); test_usage_unknown_provider (no provider usage extraction).
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TestModel } from '../../testing/index.js';
import { Agent, RunUsage, UsageLimitExceeded, UsageLimits, addRequestUsage, tool, usageCacheHitRatio, usageHasValues, usageOpenTelemetryAttributes } from '../index.js';
import type { ModelMessage, ModelRequestParameters, ModelSettings, RequestUsage } from '../index.js';

/** A TestModel that can count tokens ahead of a request, as pydantic-ai's AnthropicModel can. */
class CountingModel extends TestModel {
  readonly counted: number[] = [];
  constructor(private readonly inputTokens: number) {
    super();
  }
  async countTokens(messages: ModelMessage[], _s: ModelSettings | undefined, _p: ModelRequestParameters): Promise<RequestUsage> {
    this.counted.push(messages.length);
    return { inputTokens: this.inputTokens, outputTokens: 0 };
  }
}

describe('ported from tests/test_usage_limits.py', () => {
  // test_usage_limits.py::test_usage_has_values_ignores_zero_details
  it('test_usage_has_values_ignores_zero_details [test_usage_limits.py]', () => {
    expect(new RunUsage().hasValues()).toBe(false);
    expect(new RunUsage({ details: { reasoning_tokens: 0 } }).hasValues()).toBe(false);
    expect(new RunUsage({ inputTokens: 1 }).hasValues()).toBe(true);
    expect(new RunUsage({ details: { reasoning_tokens: 3 } }).hasValues()).toBe(true);
    expect(usageHasValues({ inputTokens: 0, outputTokens: 0, details: { x: 0 } })).toBe(false);
  });

  // test_usage_limits.py::test_multi_agent_usage_no_incr (its closing opentelemetry_attributes check)
  it('RunUsage.opentelemetryAttributes keeps zero details [test_usage_limits.py::test_multi_agent_usage_no_incr]', () => {
    const usage = new RunUsage({ requests: 2, inputTokens: 103, outputTokens: 13, toolCalls: 1, details: { custom1: 10, custom2: 20, custom3: 0 } });
    expect(usage.opentelemetryAttributes()).toEqual({
      'gen_ai.usage.input_tokens': 103,
      'gen_ai.usage.output_tokens': 13,
      'gen_ai.usage.details.custom1': 10,
      'gen_ai.usage.details.custom2': 20,
      'gen_ai.usage.details.custom3': 0,
    });
  });

  // test_usage_limits.py::test_usage_opentelemetry_attributes_include_zero_details
  it('test_usage_opentelemetry_attributes_include_zero_details [test_usage_limits.py]', () => {
    const usage: RequestUsage = { inputTokens: 100, outputTokens: 50, details: { reasoning_tokens: 0, input_tokens: 0, output_tokens: 0 } };
    const expected = { 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 50, 'gen_ai.usage.details.reasoning_tokens': 0 };
    expect(usageOpenTelemetryAttributes(usage)).toEqual(expected);
    // provider data can hold a null despite the type: it is not a valid attribute value, so it is dropped
    usage.details = { reasoning_tokens: 0, unreported_tokens: null as unknown as number };
    expect(usageOpenTelemetryAttributes(usage)).toEqual(expected);
  });

  // test_usage_limits.py::test_opentelemetry_attributes_excludes_first_class_token_details
  it('test_opentelemetry_attributes_excludes_first_class_token_details [test_usage_limits.py]', () => {
    const usage: RequestUsage = { inputTokens: 100, outputTokens: 50, details: { input_tokens: 100, output_tokens: 42, reasoning_tokens: 10 } };
    expect(usageOpenTelemetryAttributes(usage)).toEqual({ 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 50, 'gen_ai.usage.details.reasoning_tokens': 10 });
  });

  // cache counts, as pydantic-ai's opentelemetry_attributes writes them
  it('opentelemetry attributes of cache counts [test_usage_limits.py::test_opentelemetry_attributes_excludes_first_class_token_details]', () => {
    expect(usageOpenTelemetryAttributes({ inputTokens: 10, outputTokens: 0, cacheReadTokens: 4, cacheWriteTokens: 2 })).toEqual({
      'gen_ai.usage.input_tokens': 10,
      'gen_ai.usage.cache_creation.input_tokens': 2,
      'gen_ai.usage.cache_read.input_tokens': 4,
      'gen_ai.usage.details.cache_write_tokens': 2,
      'gen_ai.usage.details.cache_read_tokens': 4,
    });
  });

  // test_usage_limits.py::test_cache_hit_ratio
  it('test_cache_hit_ratio [test_usage_limits.py]', () => {
    expect(usageCacheHitRatio({ inputTokens: 1000, outputTokens: 0, cacheReadTokens: 900 })).toBe(0.9);
    expect(usageCacheHitRatio({ inputTokens: 0, outputTokens: 0 })).toBe(0);
    expect(usageCacheHitRatio({ inputTokens: 1000, outputTokens: 0 })).toBe(0);
    const run = new RunUsage();
    run.incr({ inputTokens: 1000, outputTokens: 0, cacheReadTokens: 900 });
    run.incr({ inputTokens: 500, outputTokens: 0, cacheReadTokens: 300 });
    expect(run.cacheHitRatio).toBe(0.8);
  });

  // test_usage_limits.py::test_add_usages_with_none_detail_value
  it('test_add_usages_with_none_detail_value [test_usage_limits.py]', () => {
    const usage = new RunUsage({ requests: 1, inputTokens: 10, outputTokens: 20, details: { reasoning_tokens: 5 } });
    const incr = new RunUsage({ requests: 1, inputTokens: 5, outputTokens: 10 });
    incr.details = { reasoning_tokens: null as unknown as number, other_tokens: 10 };
    const result = usage.plus(incr);
    expect(result.toJSON()).toEqual(new RunUsage({ requests: 2, inputTokens: 15, outputTokens: 30, details: { reasoning_tokens: 5, other_tokens: 10 } }).toJSON());
  });

  // test_usage_limits.py::test_add_request_usages_does_not_mutate_original
  it('test_add_request_usages_does_not_mutate_original [test_usage_limits.py]', () => {
    const u1: RequestUsage = { inputTokens: 10, outputTokens: 0, details: { reasoning_tokens: 5 } };
    const u2: RequestUsage = { inputTokens: 20, outputTokens: 0, details: { reasoning_tokens: 3 } };
    const result = addRequestUsage(u1, u2);
    expect(result.details).toEqual({ reasoning_tokens: 8 });
    expect(result.inputTokens).toBe(30);
    expect(u1.details).toEqual({ reasoning_tokens: 5 });
    expect(u1.details).not.toBe(result.details);
  });

  // test_usage_limits.py::test_add_usage_repeated_calls_stable
  it('test_add_usage_repeated_calls_stable [test_usage_limits.py]', () => {
    const initial = new RunUsage({ requests: 1, inputTokens: 500, details: {} });
    const stream: RequestUsage = { inputTokens: 500, outputTokens: 200, details: { reasoning_tokens: 150 } };
    const results = [0, 1, 2].map(() => initial.plus(stream));
    for (const r of results) {
      expect(r.details).toEqual({ reasoning_tokens: 150 });
      expect(r.requests).toBe(1);
      expect(r.inputTokens).toBe(1000);
    }
    expect(initial.details).toEqual({});
  });

  // test_usage_limits.py::test_per_request_input_tokens_limit_post_response
  it('test_per_request_input_tokens_limit_post_response [test_usage_limits.py]', async () => {
    const err = await new Agent({ model: new TestModel() }).run('Hello', { usageLimits: new UsageLimits({ perRequestInputTokensLimit: 5 }) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageLimitExceeded);
    expect((err as Error).message).toBe('Exceeded the perRequestInputTokensLimit of 5 (requestInputTokens=51)');
  });

  // test_usage_limits.py::test_per_request_input_tokens_limit_not_exceeded
  it('test_per_request_input_tokens_limit_not_exceeded [test_usage_limits.py]', async () => {
    const result = await new Agent({ model: new TestModel() }).run('Hello', { usageLimits: { perRequestInputTokensLimit: 100 } });
    expect(result.output).toBe('success (no tool calls)');
  });

  // test_usage_limits.py::test_per_request_input_tokens_limit_is_not_cumulative
  it('test_per_request_input_tokens_limit_is_not_cumulative [test_usage_limits.py]', async () => {
    const buildAgent = () =>
      new Agent({
        model: new TestModel({ callTools: ['tool_a', 'tool_b'] }),
        tools: [tool({ name: 'tool_a', parameters: z.object({}), execute: async () => 'done' }), tool({ name: 'tool_b', parameters: z.object({}), execute: async () => 'done' })],
      });
    const result = await buildAgent().run('run tools', { usageLimits: { perRequestInputTokensLimit: 100 } });
    expect(result.usage().toJSON()).toMatchObject({ inputTokens: 106, outputTokens: 14, requests: 2, toolCalls: 2 });
    expect(result.usage().inputTokens).toBeGreaterThan(100);
    await expect(buildAgent().run('run tools', { usageLimits: { inputTokensLimit: 100 } })).rejects.toThrow('Exceeded the inputTokensLimit of 100 (inputTokens=106)');
  });

  // test_usage_limits.py::test_per_request_input_tokens_limit_streaming
  it('test_per_request_input_tokens_limit_streaming: raises before any text is read [test_usage_limits.py]', async () => {
    const agent = new Agent({ model: new TestModel({ customOutputText: 'a longer streamed reply that would be consumed' }) });
    const read: string[] = [];
    const err = await (async () => {
      const result = await agent.runStream('Hello', { usageLimits: { perRequestInputTokensLimit: 5 } });
      for await (const t of result.streamText({ delta: true })) read.push(t);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageLimitExceeded);
    expect((err as Error).message).toBe('Exceeded the perRequestInputTokensLimit of 5 (requestInputTokens=51)');
    expect(read.join('')).toBe('');
  });

  // check_before_request: tokens already over a limit stop the next request, with pydantic-ai's wording
  it('a given usage already over the input limit stops the first request [test_usage_limits.py::test_usage_so_far]', async () => {
    const agent = new Agent({ model: new TestModel() });
    await expect(agent.run('Hello', { usageLimits: { inputTokensLimit: 100 }, usage: new RunUsage({ inputTokens: 120 }) })).rejects.toThrow(
      'The next request would exceed the inputTokensLimit of 100 (inputTokens=120)',
    );
    await expect(agent.run('Hello', { usageLimits: { totalTokensLimit: 100 }, usage: new RunUsage({ inputTokens: 60, outputTokens: 60 }) })).rejects.toThrow(
      'The next request would exceed the totalTokensLimit of 100 (totalTokens=120)',
    );
  });

  // test_usage_limits.py::test_parallel_tool_calls_limit_enforced: the message ends with a full stop, as pydantic-ai's
  it('the tool-calls limit message ends with a full stop [test_usage_limits.py::test_parallel_tool_calls_limit_enforced]', () => {
    expect(() => new UsageLimits({ toolCallsLimit: 6 }).checkBeforeToolCalls(new RunUsage({ toolCalls: 5 }), 3)).toThrow(
      'The next tool call(s) would exceed the toolCallsLimit of 6 (toolCalls=8).',
    );
  });

  // count_tokens_before_request, as tests/models/test_anthropic.py::test_document_binary_content_input uses it
  it('countTokensBeforeRequest: a counted request over the input limit is never sent [test_anthropic.py::test_document_binary_content_input]', async () => {
    const model = new CountingModel(19);
    const agent = new Agent({ model });
    const err = await agent.run('The quick brown fox jumps over the lazydog.', { usageLimits: { inputTokensLimit: 18, countTokensBeforeRequest: true } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageLimitExceeded);
    expect((err as Error).message).toBe('The next request would exceed the inputTokensLimit of 18 (inputTokens=19)');
    expect(model.counted).toEqual([1]);
  });

  // test_anthropic.py::test_anthropic_model_usage_limit_not_exceeded / test_anthropic_count_tokens_with_mock
  it('countTokensBeforeRequest within the limit: counted, then sent [test_anthropic.py::test_anthropic_count_tokens_with_mock]', async () => {
    const model = new CountingModel(5);
    const result = await new Agent({ model }).run('hello', { usageLimits: { inputTokensLimit: 60, countTokensBeforeRequest: true } });
    expect(result.output).toBe('success (no tool calls)');
    expect(model.counted).toEqual([1]);
    // the count only guards the request: usage is what the response reports
    expect(result.usage().inputTokens).toBe(51);
  });

  it('countTokensBeforeRequest checks perRequestInputTokensLimit before sending [test_usage_limits.py::test_per_request_input_tokens_limit_post_response]', async () => {
    await expect(new Agent({ model: new CountingModel(30) }).run('hello', { usageLimits: { perRequestInputTokensLimit: 20, countTokensBeforeRequest: true } })).rejects.toThrow(
      'Exceeded the perRequestInputTokensLimit of 20 (requestInputTokens=30)',
    );
  });

  it('countTokensBeforeRequest with a model that cannot count throws, as pydantic-ai’s NotImplementedError', async () => {
    await expect(new Agent({ model: new TestModel() }).run('hello', { usageLimits: { countTokensBeforeRequest: true } })).rejects.toThrow(
      'Token counting ahead of the request is not supported by TestModel',
    );
  });
});
