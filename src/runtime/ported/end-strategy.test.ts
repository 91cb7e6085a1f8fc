/**
 * End strategies, ported from pydantic-ai's tests/test_agent.py::TestMultipleToolCalls.
 * pydantic-ai's deferred/external tools, images and output functions are not part of rehearse's
 * runtime here; those cases are ported with function tools, zod schemas and output validators.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FunctionModel } from '../../testing/index.js';
import {
  Agent,
  FINAL_RESULT_PROCESSED,
  ModelRetry,
  NativeOutput,
  OUTPUT_EXECUTION_FAILED,
  OUTPUT_NOT_FINAL_RESULT,
  OUTPUT_TOOL_NOT_USED,
  OUTPUT_VALIDATION_FAILED,
  PromptedOutput,
  RETRY_WINS,
  TOOL_NOT_EXECUTED,
  ToolOutput,
  UnexpectedModelBehavior,
  tool,
} from '../index.js';
import type { EndStrategy, ModelMessage } from '../index.js';
import { OutputType, OutputTypeWithCount, call, lastRequestParts, recordingTool, returns, text } from './helpers.js';

const UNKNOWN = "Unknown tool name: 'unknown_tool'. Available tools: 'another_tool', 'final_result', 'regular_tool'";

function twoOutputs(endStrategy: EndStrategy, outputRetries?: number, second: z.ZodType = OutputType, secondRetries?: number) {
  const opts: { name: string; maxRetries?: number } = { name: 'second_output' };
  if (secondRetries !== undefined) opts.maxRetries = secondRetries;
  return { outputType: [ToolOutput(OutputType, { name: 'first_output' }), ToolOutput(second, opts)], endStrategy, ...(outputRetries === undefined ? {} : { outputRetries }) };
}

describe('ported from tests/test_agent.py::TestMultipleToolCalls', () => {
  it('test_early_strategy_stops_after_first_final_result [test_agent.py]', async () => {
    const called: string[] = [];
    const model = new FunctionModel(() => [call('final_result', { value: 'final' }), call('regular_tool', { x: 1 }), call('another_tool', { y: 2 })]);
    const agent = new Agent({ model, outputType: OutputType, endStrategy: 'early', tools: [recordingTool('regular_tool', called), recordingTool('another_tool', called, 'y')] });
    const r = await agent.run('test early strategy');
    expect(called).toEqual([]);
    expect(returns(lastRequestParts(r.allMessages()))).toEqual([
      ['final_result', FINAL_RESULT_PROCESSED],
      ['regular_tool', TOOL_NOT_EXECUTED],
      ['another_tool', TOOL_NOT_EXECUTED],
    ]);
  });

  for (const mode of ['native', 'prompted'] as const) {
    it(`test_early_strategy_prefers_structured_text_output_over_tool_calls[${mode}] [test_agent.py]`, async () => {
      const called: string[] = [];
      const model = new FunctionModel((m) => (m.length === 1 ? [text('{"value": "final"}'), call('regular_tool', { x: 1 })] : [text('{"value": "after tool"}')]));
      const outputType = mode === 'native' ? NativeOutput(OutputType) : PromptedOutput(OutputType);
      const r = await new Agent({ model, outputType, endStrategy: 'early', tools: [recordingTool('regular_tool', called)] }).run('x');
      expect(r.output).toEqual({ value: 'final' });
      expect(called).toEqual([]);
      expect(returns(lastRequestParts(r.allMessages()))).toEqual([['regular_tool', TOOL_NOT_EXECUTED]]);
    });
  }

  it('test_early_strategy_falls_back_to_tools_when_output_text_is_invalid [test_agent.py]', async () => {
    const called: string[] = [];
    const model = new FunctionModel((m) => (m.length === 1 ? [text('let me look that up'), call('regular_tool', { x: 1 })] : [text('{"value": "after tool"}')]));
    const r = await new Agent({ model, outputType: PromptedOutput(OutputType), endStrategy: 'early', tools: [recordingTool('regular_tool', called)] }).run('x');
    expect(r.output).toEqual({ value: 'after tool' });
    expect(called).toEqual(['regular_tool']);
  });

  it('test_non_early_strategy_runs_tools_alongside_structured_text_output [test_agent.py]', async () => {
    const called: string[] = [];
    const model = new FunctionModel((m) => (m.length === 1 ? [text('{"value": "final"}'), call('regular_tool', { x: 1 })] : [text('{"value": "after tool"}')]));
    const r = await new Agent({ model, outputType: NativeOutput(OutputType), endStrategy: 'graceful', tools: [recordingTool('regular_tool', called)] }).run('x');
    expect(r.output).toEqual({ value: 'after tool' });
    expect(called).toEqual(['regular_tool']);
  });

  for (const [label, outputType] of [
    ['str', undefined],
    ['text_fallback', [OutputType, z.string()]],
  ] as const) {
    for (const endStrategy of ['early', 'graceful', 'exhaustive'] as const) {
      it(`test_early_strategy_does_not_preempt_tools_for_plain_text_output[${label}] (${endStrategy}) [test_agent.py]`, async () => {
        const called: string[] = [];
        const model = new FunctionModel((m) => (m.length === 1 ? [text('Let me look that up.'), call('regular_tool', { x: 1 })] : [text('the answer')]));
        const agent = new Agent<undefined, unknown>({ model, endStrategy, tools: [recordingTool('regular_tool', called)], ...(outputType ? { outputType: outputType as never } : {}) });
        const r = await agent.run('x');
        expect(r.output).toBe('the answer');
        expect(called).toEqual(['regular_tool']);
      });
    }
  }

  it('test_early_strategy_skips_unknown_tool_call_when_structured_output_wins [test_agent.py]', async () => {
    const model = new FunctionModel((m) => (m.length === 1 ? [text('{"value": "final"}'), call('does_not_exist')] : [text('no')]));
    const r = await new Agent({ model, outputType: NativeOutput(OutputType), endStrategy: 'early' }).run('x');
    expect(r.output).toEqual({ value: 'final' });
    expect(returns(lastRequestParts(r.allMessages()))).toEqual([['does_not_exist', TOOL_NOT_EXECUTED]]);
  });

  for (const endStrategy of ['early', 'graceful'] as const) {
    it(`test_${endStrategy}_strategy_does_not_call_additional_output_tools [test_agent.py]`, async () => {
      const seen: string[] = [];
      const model = new FunctionModel(() => [call('first_output', { value: 'first' }), call('second_output', { value: 'second' })]);
      const agent = new Agent<undefined, unknown>(twoOutputs(endStrategy));
      agent.outputValidator((o, ctx) => (seen.push(ctx.toolName!), o));
      const r = await agent.run('x', { model });
      expect(r.output).toEqual({ value: 'first' });
      expect(seen).toEqual(['first_output']);
      expect(returns(lastRequestParts(r.allMessages()))).toEqual([
        ['first_output', FINAL_RESULT_PROCESSED],
        ['second_output', OUTPUT_TOOL_NOT_USED],
      ]);
    });

    it(`test_${endStrategy}_strategy_uses_first_final_result [test_agent.py]`, async () => {
      const model = new FunctionModel(() => [call('final_result', { value: 'first' }), call('final_result', { value: 'second' })]);
      const r = await new Agent({ model, outputType: OutputType, endStrategy }).run('x');
      expect(r.output.value).toBe('first');
      expect(returns(lastRequestParts(r.allMessages()))).toEqual([
        ['final_result', FINAL_RESULT_PROCESSED],
        ['final_result', OUTPUT_TOOL_NOT_USED],
      ]);
    });
  }

  it('test_early_strategy_with_final_result_in_middle [test_agent.py]', async () => {
    const called: string[] = [];
    const model = new FunctionModel(() => [call('regular_tool', { x: 1 }), call('final_result', { value: 'final' }), call('another_tool', { y: 2 }), call('unknown_tool', { value: '???' })]);
    const r = await new Agent({ model, outputType: OutputType, endStrategy: 'early', tools: [recordingTool('regular_tool', called), recordingTool('another_tool', called, 'y')] }).run('x');
    expect(called).toEqual([]);
    // final result first, then the skipped function tools in emission order
    expect(returns(lastRequestParts(r.allMessages()))).toEqual([
      ['final_result', FINAL_RESULT_PROCESSED],
      ['regular_tool', TOOL_NOT_EXECUTED],
      ['another_tool', TOOL_NOT_EXECUTED],
      ['unknown_tool', TOOL_NOT_EXECUTED],
    ]);
  });

  it('test_early_strategy_does_not_apply_to_tool_calls_without_final_tool [test_agent.py]', async () => {
    const called: string[] = [];
    const model = new FunctionModel((m) => (m.length === 1 ? [call('regular_tool', { x: 0 })] : [call('final_result', { value: 'final' })]));
    const r = await new Agent({ model, outputType: OutputType, endStrategy: 'early', tools: [recordingTool('regular_tool', called)] }).run('x');
    expect(called).toEqual(['regular_tool']);
    expect(r.output.value).toBe('final');
  });

  it('test_graceful_strategy_executes_function_tools_but_skips_output_tools [test_agent.py]', async () => {
    const called: string[] = [];
    const model = new FunctionModel(() => [call('final_result', { value: 'first' }), call('regular_tool', { x: 42 }), call('another_tool', { y: 2 })]);
    const r = await new Agent({ model, outputType: OutputType, endStrategy: 'graceful', tools: [recordingTool('regular_tool', called), recordingTool('another_tool', called, 'y')] }).run('x');
    expect(r.output.value).toBe('first');
    expect(called.sort()).toEqual(['another_tool', 'regular_tool']);
    expect(returns(lastRequestParts(r.allMessages()))).toEqual([
      ['final_result', FINAL_RESULT_PROCESSED],
      ['regular_tool', 42],
      ['another_tool', 2],
    ]);
  });

  it('test_graceful_strategy_with_final_result_in_middle [test_agent.py]', async () => {
    const called: string[] = [];
    const model = new FunctionModel(() => [call('regular_tool', { x: 1 }), call('final_result', { value: 'final' }), call('another_tool', { y: 2 }), call('unknown_tool', { value: '???' })]);
    const r = await new Agent({ model, outputType: OutputType, endStrategy: 'graceful', tools: [recordingTool('regular_tool', called), recordingTool('another_tool', called, 'y')] }).run('x');
    expect(called.sort()).toEqual(['another_tool', 'regular_tool']);
    expect(r.output.value).toBe('final');
    expect(returns(lastRequestParts(r.allMessages()))).toEqual([
      ['regular_tool', 1],
      ['final_result', FINAL_RESULT_PROCESSED],
      ['another_tool', 2],
      ['unknown_tool', UNKNOWN],
    ]);
  });

  it('test_exhaustive_strategy_executes_all_tools [test_agent.py]', async () => {
    const called: string[] = [];
    const model = new FunctionModel(() => [
      call('regular_tool', { x: 42 }),
      call('final_result', { value: 'first' }),
      call('another_tool', { y: 2 }),
      call('final_result', { value: 'second' }),
      call('unknown_tool', { value: '???' }),
    ]);
    const r = await new Agent({ model, outputType: OutputType, endStrategy: 'exhaustive', tools: [recordingTool('regular_tool', called), recordingTool('another_tool', called, 'y')] }).run('x');
    expect(r.output.value).toBe('first');
    expect(called.sort()).toEqual(['another_tool', 'regular_tool']);
    expect(returns(lastRequestParts(r.allMessages()))).toEqual([
      ['regular_tool', 42],
      ['final_result', FINAL_RESULT_PROCESSED],
      ['another_tool', 2],
      ['final_result', OUTPUT_NOT_FINAL_RESULT],
      ['unknown_tool', UNKNOWN],
    ]);
  });

  it('test_exhaustive_strategy_calls_all_output_tools [test_agent.py]', async () => {
    const seen: string[] = [];
    const model = new FunctionModel(() => [call('first_output', { value: 'first' }), call('second_output', { value: 'second' })]);
    const agent = new Agent<undefined, unknown>({ model, ...twoOutputs('exhaustive') });
    agent.outputValidator((o, ctx) => (seen.push(ctx.toolName!), o));
    const r = await agent.run('x');
    expect(r.output).toEqual({ value: 'first' });
    expect(seen.sort()).toEqual(['first_output', 'second_output']);
    expect(returns(lastRequestParts(r.allMessages()))).toEqual([
      ['first_output', FINAL_RESULT_PROCESSED],
      ['second_output', OUTPUT_NOT_FINAL_RESULT],
    ]);
  });

  it('test_exhaustive_strategy_invalid_first_valid_second_output [test_agent.py]', async () => {
    const model = new FunctionModel(() => [call('first_output', { value: 'invalid' }), call('second_output', { value: 'valid' })]);
    const agent = new Agent<undefined, unknown>({ model, ...twoOutputs('exhaustive') });
    agent.outputValidator((o, ctx) => {
      if (ctx.toolName === 'first_output') throw new ModelRetry('First output validation failed');
      return o;
    });
    const r = await agent.run('x');
    expect(r.output).toEqual({ value: 'valid' });
    expect(returns(lastRequestParts(r.allMessages()))).toEqual([
      ['first_output', 'First output validation failed'],
      ['second_output', FINAL_RESULT_PROCESSED],
    ]);
  });

  it('test_exhaustive_strategy_valid_first_invalid_second_output [test_agent.py]', async () => {
    const model = new FunctionModel(() => [call('first_output', { value: 'valid' }), call('second_output', { value: 'invalid' })]);
    const agent = new Agent<undefined, unknown>({ model, ...twoOutputs('exhaustive', 0) });
    agent.outputValidator((o, ctx) => {
      if (ctx.toolName === 'second_output') throw new ModelRetry('Second output validation failed');
      return o;
    });
    const r = await agent.run('x');
    expect(r.output).toEqual({ value: 'valid' });
    expect(returns(lastRequestParts(r.allMessages()))).toEqual([
      ['first_output', FINAL_RESULT_PROCESSED],
      ['second_output', OUTPUT_EXECUTION_FAILED],
    ]);
  });

  it('test_exhaustive_strategy_with_tool_retry_and_final_result [test_agent.py]', async () => {
    const model = new FunctionModel(() => [call('first_output', { value: 'valid' }), call('second_output', { value: 'invalid' })]);
    const agent = new Agent<undefined, unknown>({ model, ...twoOutputs('exhaustive', 1) });
    agent.outputValidator((o, ctx) => {
      if (ctx.toolName === 'second_output') throw new ModelRetry('Second output validation failed');
      return o;
    });
    const r = await agent.run('x');
    expect(r.output).toEqual({ value: 'valid' });
    expect(returns(lastRequestParts(r.allMessages()))).toEqual([
      ['first_output', FINAL_RESULT_PROCESSED],
      ['second_output', 'Second output validation failed'],
    ]);
  });

  it('test_exhaustive_raises_unexpected_model_behavior [test_agent.py]', async () => {
    const model = new FunctionModel(() => [call('output_tool', { invalid_field: 'invalid' })]);
    const agent = new Agent({ model, outputType: [ToolOutput(OutputType, { name: 'output_tool' })], endStrategy: 'exhaustive' });
    const err = await agent.run('x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnexpectedModelBehavior);
    expect((err as Error).message).toBe('Exceeded maximum output retries (1)');
    expect(model.calls).toHaveLength(2);
  });

  it('test_exhaustive_skips_output_tool_exceeding_retries_on_validation [test_agent.py]', async () => {
    const model = new FunctionModel(() => [call('first_output', { value: 'valid' }), call('second_output', { invalid: 'bad' })]);
    const r = await new Agent<undefined, unknown>({ model, ...twoOutputs('exhaustive', undefined, OutputType, 0) }).run('x');
    expect(r.output).toEqual({ value: 'valid' });
    expect(returns(lastRequestParts(r.allMessages()))[1]).toEqual(['second_output', OUTPUT_VALIDATION_FAILED]);
  });

  it('test_exhaustive_skips_output_tool_exceeding_retries_on_execution [test_agent.py]', async () => {
    const model = new FunctionModel(() => [call('first_output', { value: 'valid' }), call('second_output', '{"value": "hello"}')]);
    const agent = new Agent<undefined, unknown>({ model, ...twoOutputs('exhaustive', undefined, OutputType, 0) });
    agent.outputValidator((o, ctx) => {
      if (ctx.toolName === 'second_output') throw new ModelRetry('always fails');
      return o;
    });
    const r = await agent.run('x');
    expect(r.output).toEqual({ value: 'valid' });
    expect(returns(lastRequestParts(r.allMessages()))[1]).toEqual(['second_output', OUTPUT_EXECUTION_FAILED]);
  });

  it('test_multiple_final_result_are_validated_correctly [test_agent.py]', async () => {
    const model = new FunctionModel(() => [call('final_result', { bad_value: 'first' }, 'first'), call('final_result', { value: 'second' }, 'second')]);
    const r = await new Agent({ model, outputType: OutputType, endStrategy: 'early' }).run('x');
    expect(r.output.value).toBe('second');
    const parts = lastRequestParts(r.newMessages());
    expect(parts[0]).toMatchObject({ partKind: 'retry-prompt', toolName: 'final_result', toolCallId: 'first', content: [{ type: 'missing', loc: ['value'], msg: 'Field required', input: { bad_value: 'first' } }] });
    expect(parts[1]).toMatchObject({ partKind: 'tool-return', toolCallId: 'second', content: FINAL_RESULT_PROCESSED });
  });

  for (const endStrategy of ['exhaustive', 'early'] as const) {
    it(`test_${endStrategy}_strategy_second_output_max_retries_exceeded [test_agent.py]`, async () => {
      const model = new FunctionModel(() => [call('first_output', { value: 'valid' }), call('second_output', { value: 'invalid', count: 'not_an_int' })]);
      const r = await new Agent<undefined, unknown>({ model, ...twoOutputs(endStrategy, 0, OutputTypeWithCount) }).run('x');
      expect(r.output).toEqual({ value: 'valid' });
    });
  }

  it('test_exhaustive_strategy_second_output_schema_validation_fails [test_agent.py]', async () => {
    const model = new FunctionModel(() => [call('first_output', { value: 'valid' }), call('second_output', { value: 'invalid', count: 'not_an_int' })]);
    const r = await new Agent<undefined, unknown>({ model, ...twoOutputs('exhaustive', undefined, OutputTypeWithCount) }).run('x');
    expect(r.output).toEqual({ value: 'valid' });
    expect(lastRequestParts(r.allMessages())[1]).toMatchObject({ partKind: 'retry-prompt', toolName: 'second_output' });
  });

  for (const endStrategy of ['graceful', 'exhaustive'] as const) {
    it(`test_${endStrategy}_function_tool_retry_suppresses_output [test_agent.py]`, async () => {
      const rounds: string[] = [];
      const model = new FunctionModel(() => {
        if (rounds.length === 0) {
          rounds.push('first');
          return [call('flaky_tool', { x: 1 }), call('final_result', { value: 'premature' })];
        }
        rounds.push('second');
        return [call('final_result', { value: 'corrected' })];
      });
      const flaky = tool({
        name: 'flaky_tool',
        parameters: z.object({ x: z.number() }),
        execute: ({ x }) => {
          if (rounds.length === 1) throw new ModelRetry('not yet');
          return x;
        },
      });
      const r = await new Agent({ model, outputType: OutputType, endStrategy, tools: [flaky] }).run('x');
      expect(r.output.value).toBe('corrected');
      expect(rounds).toEqual(['first', 'second']);
      const firstReturns = r.allMessages()[2] as ModelMessage;
      expect(firstReturns.kind === 'request' && returns(firstReturns.parts)).toEqual([
        ['flaky_tool', 'not yet'],
        ['final_result', RETRY_WINS],
      ]);
    });
  }

  it('test_early_function_tool_retry_does_not_suppress_output [test_agent.py]', async () => {
    let ran = 0;
    const model = new FunctionModel(() => [call('flaky_tool', { x: 1 }), call('final_result', { value: 'kept' })]);
    const flaky = tool({ name: 'flaky_tool', parameters: z.object({ x: z.number() }), execute: () => { ran++; throw new ModelRetry('not yet'); } });
    const r = await new Agent({ model, outputType: OutputType, endStrategy: 'early', tools: [flaky] }).run('x');
    expect(r.output.value).toBe('kept');
    expect(ran).toBe(0);
  });

  for (const endStrategy of ['graceful', 'exhaustive'] as const) {
    it(`test_unknown_tool_retry_does_not_suppress_output (${endStrategy}) [test_agent.py]`, async () => {
      const model = new FunctionModel(() => [call('made_up', {}), call('final_result', { value: 'kept' })]);
      const r = await new Agent({ model, outputType: OutputType, endStrategy }).run('x');
      expect(r.output.value).toBe('kept');
      expect(model.calls).toHaveLength(1);
    });
  }

  it('test_graceful_runs_function_tools_before_output [test_agent.py]', async () => {
    const order: string[] = [];
    const model = new FunctionModel(() => [call('regular_tool', { x: 1 }), call('final_result', { value: 'v' })]);
    const agent = new Agent({ model, outputType: OutputType, endStrategy: 'graceful', tools: [recordingTool('regular_tool', order)] });
    agent.outputValidator((o) => (order.push('output'), o));
    await agent.run('x');
    expect(order).toEqual(['regular_tool', 'output']);
  });

  it('test_early_runs_function_tools_when_all_outputs_fail [test_agent.py]', async () => {
    const called: string[] = [];
    const model = new FunctionModel((m) => (m.length === 1 ? [call('final_result', { nope: 1 }), call('regular_tool', { x: 1 })] : [call('final_result', { value: 'ok' })]));
    const r = await new Agent({ model, outputType: OutputType, endStrategy: 'early', tools: [recordingTool('regular_tool', called)] }).run('x');
    expect(called).toEqual(['regular_tool']);
    expect(r.output.value).toBe('ok');
    const first = r.allMessages()[2]!;
    expect(first.kind === 'request' && first.parts.map((p) => p.partKind)).toEqual(['retry-prompt', 'tool-return']);
  });

  it('test_early_no_function_tools_all_outputs_fail [test_agent.py]', async () => {
    const model = new FunctionModel((m) => (m.length === 1 ? [call('final_result', { nope: 1 })] : [call('final_result', { value: 'ok' })]));
    const r = await new Agent({ model, outputType: OutputType, endStrategy: 'early' }).run('x');
    expect(r.output.value).toBe('ok');
    expect(model.calls).toHaveLength(2);
  });

  it('test_exhaustive_tool_exception_captures_partial_request [test_agent.py]', async () => {
    const model = new FunctionModel(() => [call('ok_tool', { x: 1 }, 'a'), call('boom', { x: 1 }, 'b'), call('final_result', { value: 'v' }, 'c')]);
    const ok = tool({ name: 'ok_tool', parameters: z.object({ x: z.number() }), execute: ({ x }) => x });
    const boom = tool({ name: 'boom', parameters: z.object({ x: z.number() }), execute: async () => { await new Promise((r) => setTimeout(r, 5)); throw new Error('kaboom'); } });
    const agent = new Agent({ model, outputType: OutputType, endStrategy: 'exhaustive', tools: [ok, boom] });
    const { captureRunMessages } = await import('../index.js');
    const captured = await captureRunMessages(() => agent.run('x')).catch((e: unknown) => e);
    expect((captured as Error).message).toBe('kaboom');
    // the completed tool's return is kept in a trailing request, so the history shows what ran
    const messages = (captured as { messages: ModelMessage[] }).messages;
    expect(returns(lastRequestParts(messages))).toEqual([['ok_tool', 1]]);
  });
});
