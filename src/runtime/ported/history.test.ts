/**
 * Message history, instructions and system prompts, ported from pydantic-ai's
 * tests/test_agent.py; plus `messageHistory` validation at run start (rehearse issue 9).
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FunctionModel, TestModel } from '../../testing/index.js';
import { Agent, UserError, captureRunMessages, isEndNode, tool } from '../index.js';
import type { ModelMessage, ModelRequest, ModelResponse } from '../index.js';
import { call, text } from './helpers.js';

const ts = '2025-01-01T00:00:00.000Z';
const req = (content: string): ModelRequest => ({ kind: 'request', parts: [{ partKind: 'user-prompt', content, timestamp: ts }] });
const res = (content: string): ModelResponse => ({ kind: 'response', parts: [text(content)], usage: { inputTokens: 0, outputTokens: 0 }, timestamp: ts });

describe('ported from tests/test_agent.py (message history)', () => {
  it('test_run_with_history_new: a second run continues the first run’s new messages [test_agent.py]', async () => {
    const retA = tool({ name: 'ret_a', parameters: z.object({ x: z.string() }), execute: ({ x }) => `${x}-apple` });
    const agent = new Agent({ model: new TestModel(), systemPrompt: 'Foobar', tools: [retA] });
    const r1 = await agent.run('Hello');
    expect(r1.newMessages().map((m) => m.kind)).toEqual(['request', 'response', 'request', 'response']);
    expect(r1.output).toBe('{"ret_a":"a-apple"}');
    const r2 = await agent.run('Hello again', { messageHistory: r1.newMessages() });
    expect(r2.allMessages()).toHaveLength(6);
    expect(r2.newMessages()).toHaveLength(2);
    // the system prompt is not repeated when a history is given
    expect(r2.newMessages()[0]).toMatchObject({ parts: [{ partKind: 'user-prompt', content: 'Hello again' }] });
  });

  it('test_run_with_history_new_structured [test_agent.py]', async () => {
    const agent = new Agent({ model: new TestModel(), outputType: z.object({ a: z.number() }) });
    const r1 = await agent.run('Hello');
    const r2 = await agent.run('Hello again', { messageHistory: r1.newMessages() });
    expect(r2.output).toEqual(r1.output);
    expect(r2.newMessages().map((m) => m.kind)).toEqual(['request', 'response', 'request']);
  });

  it('test_run_with_history_ending_on_model_request_and_no_user_prompt [test_agent.py]', async () => {
    let prompt: unknown;
    const agent = new Agent({ model: new TestModel() });
    agent.addInstructions((ctx) => {
      prompt = ctx.prompt;
      return 'New instructions';
    });
    const history: ModelMessage[] = [
      {
        kind: 'request',
        instructions: 'Original instructions',
        parts: [
          { partKind: 'system-prompt', content: 'System prompt', timestamp: ts },
          { partKind: 'user-prompt', content: ['Hello', { kind: 'image-url', url: 'https://example.com/image.jpg' }], timestamp: ts },
          { partKind: 'user-prompt', content: 'How goes it?', timestamp: ts },
        ],
      },
    ];
    const r = await agent.run(undefined, { messageHistory: history });
    expect(prompt).toEqual(['Hello', { kind: 'image-url', url: 'https://example.com/image.jpg' }, 'How goes it?']);
    expect(r.allMessages()).toHaveLength(2);
    expect(r.allMessages()[0]).toMatchObject({ instructions: 'New instructions' });
    // the re-sent request is prior context, not a new message
    expect(r.newMessages()).toEqual(r.allMessages().slice(-1));
  });

  it('iter with no prompt does not count the re-sent request as new [test_agent.py::test_run_with_history_ending_on_model_request_and_no_user_prompt]', async () => {
    const run = new Agent({ model: new TestModel() }).iter(undefined, { messageHistory: [req('hi')] });
    for await (const node of run) if (isEndNode(node)) break;
    expect(run.newMessages().map((m) => m.kind)).toEqual(['response']);
  });

  it('test_run_with_history_ending_on_model_response_with_tool_calls_and_no_user_prompt [test_agent.py]', async () => {
    const testTool = tool({ name: 'test_tool', parameters: z.object({}), execute: () => 'Test response' });
    const model = new FunctionModel(() => [text('Final response')]);
    const history: ModelMessage[] = [req('Hello'), { kind: 'response', parts: [call('test_tool', '{}', 'call_123')], usage: { inputTokens: 0, outputTokens: 0 }, timestamp: ts }];
    const r = await new Agent({ model, tools: [testTool] }).run(undefined, { messageHistory: history });
    expect(r.output).toBe('Final response');
    expect(r.newMessages()).toHaveLength(2);
    expect(r.newMessages()[0]).toMatchObject({ parts: [{ partKind: 'tool-return', toolName: 'test_tool', content: 'Test response', toolCallId: 'call_123' }] });
  });

  it('test_run_with_history_ending_on_model_response_with_tool_calls_and_user_prompt [test_agent.py]', async () => {
    const model = new FunctionModel(() => [text('Final response')]);
    const history: ModelMessage[] = [req('Hello'), { kind: 'response', parts: [call('test_tool', '{}', 'call_123')], usage: { inputTokens: 0, outputTokens: 0 }, timestamp: ts }];
    const err = await new Agent({ model }).run('New question', { messageHistory: history }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe('Cannot provide a new user prompt when the message history contains unprocessed tool calls.');
    expect(model.calls).toHaveLength(0);
  });

  it('test_run_with_history_ending_on_model_response_without_tool_calls_or_user_prompt [test_agent.py]', async () => {
    const model = new FunctionModel(() => [text('Final response')]);
    const r = await new Agent({ model }).run(undefined, { messageHistory: [req('Hello'), res('world')] });
    expect(r.output).toBe('world');
    expect(r.newMessages()).toEqual([]);
    expect(model.calls).toHaveLength(0);
  });

  it('test_message_history_ending_on_model_response_with_instructions [test_agent.py]', async () => {
    const model = new TestModel({ customOutputText: 'James likes cars.' });
    const agent = new Agent({ model, instructions: '\n        Summarize this conversation to include all important facts about the user and\n        what their interactions were about.\n        ' });
    const history = [req('Hi, my name is James'), res('Nice to meet you, James.'), req('I like cars'), res('Cool. Was it fast?')];
    const r = await agent.run(undefined, { messageHistory: history });
    expect(r.output).toBe('James likes cars.');
    expect(r.newMessages()).toHaveLength(2);
    expect(r.newMessages()[0]).toEqual({
      kind: 'request',
      runId: r.runId,
      conversationId: r.conversationId,
      parts: [],
      instructions: 'Summarize this conversation to include all important facts about the user and\n        what their interactions were about.',
    });
  });

  it('test_multi_agent_instructions_with_structured_output [test_agent.py]', async () => {
    const agent1 = new Agent({ model: new TestModel(), instructions: 'Agent 1 instructions' });
    const agent2 = new Agent({ model: new TestModel(), instructions: 'Agent 2 instructions', outputType: z.object({ text: z.string() }) });
    const r1 = await agent1.run('Hello');
    const r2 = await agent2.run(undefined, { messageHistory: r1.newMessages() });
    const messages = r2.newMessages();
    expect(messages[0]).toEqual({ kind: 'request', runId: r2.runId, conversationId: r1.conversationId, parts: [], instructions: 'Agent 2 instructions' });
    expect(messages[1]).toMatchObject({ kind: 'response', parts: [{ partKind: 'tool-call', toolName: 'final_result' }] });
  });

  it('test_consecutive_model_responses_in_history [test_agent.py]', async () => {
    let received: ModelMessage[] = [];
    const model = new FunctionModel((messages) => {
      received = messages;
      return [text('All right then, goodbye!')];
    });
    const r = await new Agent({ model }).run('No thanks', { messageHistory: [req('Hello...'), res('...world!'), res('Anything else I can help with?')] });
    expect(r.allMessages()[1]).toMatchObject({ parts: [{ content: '...world!' }, { content: 'Anything else I can help with?' }] });
    expect(r.newMessages()).toHaveLength(2);
    expect(received.map((m) => m.kind)).toEqual(['request', 'response', 'request']);
  });

  it('test_instructions_with_message_history: the history’s request stays, a new request carries the instructions [test_agent.py]', async () => {
    let received: ModelMessage[] = [];
    const model = new FunctionModel((messages) => ((received = messages), [text('success (no tool calls)')]));
    const history: ModelMessage[] = [{ kind: 'request', parts: [{ partKind: 'system-prompt', content: 'You are a helpful assistant', timestamp: ts }] }];
    const r = await new Agent({ model, instructions: 'You are a helpful assistant.' }).run('Hello', { messageHistory: history });
    const all = r.allMessages();
    expect(all).toHaveLength(3);
    expect(all[0]).toEqual(history[0]);
    expect(all[1]).toMatchObject({ kind: 'request', parts: [{ partKind: 'user-prompt', content: 'Hello' }], instructions: 'You are a helpful assistant.' });
    expect(r.newMessages()).toEqual(all.slice(-2));
    // the model receives one merged request
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ parts: [{ partKind: 'system-prompt' }, { partKind: 'user-prompt' }], instructions: 'You are a helpful assistant.' });
  });

  it('test_instructions_parameter_with_sequence: empty ones dropped, joined by a blank line [test_agent.py]', async () => {
    const agent = new Agent({ model: new TestModel(), instructions: ['You are a helpful assistant.', () => '', () => 'You are a potato.'] });
    const r = await agent.run('Hello');
    expect((r.allMessages()[0] as ModelRequest).instructions).toBe('You are a helpful assistant.\n\nYou are a potato.');
  });

  it('plain-string instructions come before function ones, as pydantic-ai’s InstructionPart.sorted [test_agent.py::test_instructions_decorator_with_parenthesis]', async () => {
    const agent = new Agent({ model: new TestModel(), instructions: [() => 'dynamic', 'static one'] });
    agent.addInstructions('static two');
    const r = await agent.run('Hello');
    expect((r.allMessages()[0] as ModelRequest).instructions).toBe('static one\n\nstatic two\n\ndynamic');
  });

  it('instructions are stripped of surrounding whitespace and blank ones dropped [test_agent.py::test_instructions_decorator_without_parenthesis]', async () => {
    const agent = new Agent({ model: new TestModel(), instructions: ['  \n You are a potato. \n', () => '   '] });
    const r = await agent.run('Hello');
    expect((r.allMessages()[0] as ModelRequest).instructions).toBe('You are a potato.');
  });

  it('test_instructions_both_instructions_and_system_prompt_are_set [test_agent.py]', async () => {
    const agent = new Agent({ model: new TestModel(), instructions: 'You are a helpful assistant.', systemPrompt: 'You are a potato.' });
    const r = await agent.run('Hello');
    expect(r.allMessages()[0]).toMatchObject({
      instructions: 'You are a helpful assistant.',
      parts: [{ partKind: 'system-prompt', content: 'You are a potato.' }, { partKind: 'user-prompt', content: 'Hello' }],
    });
  });

  it('test_system_prompt_none_return_are_omitted [test_agent.py]', async () => {
    const agent = new Agent({ model: new TestModel(), systemPrompt: 'A' });
    agent.addSystemPrompt(() => undefined);
    agent.addSystemPrompt(() => 'B');
    const r = await agent.run('Hello');
    expect((r.allMessages()[0] as ModelRequest).parts.map((p) => p.content)).toEqual(['A', 'B', 'Hello']);
  });

  it('no prompt, no history, no instructions, no system prompt: UserError [test_agent.py::_prepare_request]', async () => {
    await expect(new Agent({ model: new TestModel() }).run()).rejects.toThrow(new UserError('No message history, user prompt, or instructions provided'));
  });

  it('test_empty_final_response: an empty final response asks for text or a tool call [test_agent.py]', async () => {
    const model = new FunctionModel((m) => {
      if (m.length === 1) return [text('foo'), call('my_tool', { x: 1 })];
      if (m.length === 3) return [text('bar'), call('my_tool', { x: 2 })];
      if (m.length === 5) return [];
      return [text('baz')];
    });
    const myTool = tool({ name: 'my_tool', parameters: z.object({ x: z.number() }), execute: ({ x }) => x * 2 });
    const r = await new Agent({ model, tools: [myTool] }).run('Hello');
    expect(r.output).toBe('baz');
    expect(r.newMessages()[6]).toMatchObject({ parts: [{ partKind: 'retry-prompt', content: 'Please return text or call a tool.' }] });
  });

  it('test_continue_conversation_that_ended_in_output_tool_call [test_agent.py]', async () => {
    const model = new FunctionModel((messages) => {
      const last = messages.at(-1)!;
      if (last.kind === 'request' && last.parts.some((p) => p.partKind === 'tool-return' && p.toolName === 'roll_dice')) return [call('final_result', { dice_roll: 4 }, 'f')];
      return [call('roll_dice', {}, 'r')];
    });
    const rollDice = tool({ name: 'roll_dice', parameters: z.object({}), execute: () => 4 });
    const agent = new Agent({ model, outputType: z.object({ dice_roll: z.number() }), tools: [rollDice] });
    const r1 = await agent.run('Roll me a dice.');
    expect(r1.allMessages()).toHaveLength(5);
    const r2 = await agent.run('Roll me a dice again.', { messageHistory: r1.allMessages() });
    expect(r2.output).toEqual({ dice_roll: 4 });
    expect(r2.newMessages().map((m) => m.kind)).toEqual(['request', 'response', 'request', 'response', 'request']);
  });

  it('test_capture_run_messages_tool_agent: captured messages are the run’s [test_agent.py]', async () => {
    const agent = new Agent({ model: new TestModel(), tools: [tool({ name: 't', parameters: z.object({}), execute: () => 1 })] });
    const { result, messages } = await captureRunMessages(() => agent.run('hi'));
    expect(messages).toEqual(result.allMessages());
  });
});

describe('messageHistory is validated at run start (rehearse issue 9)', () => {
  it('a tool call with non-object, non-string args names the path', async () => {
    const bad = [req('hi'), { kind: 'response', parts: [{ partKind: 'tool-call', toolName: 't', args: 5, toolCallId: 'c' }], usage: { inputTokens: 0, outputTokens: 0 }, timestamp: ts }];
    const model = new FunctionModel(() => [text('x')]);
    const err = await new Agent({ model }).run('go', { messageHistory: bad as unknown as ModelMessage[] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/^messageHistory is not valid: at \[1\]\.parts\[0\]\.args: /);
    expect(model.calls).toHaveLength(0);
  });

  it('a history passed as a JSON string is refused with a hint', async () => {
    const json = JSON.stringify([req('hi')]);
    const err = await new Agent({ model: new TestModel() }).run('go', { messageHistory: json as unknown as ModelMessage[] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe('messageHistory must be an array of messages (ModelMessage[]); got a string (parse JSON first: parseModelMessages(JSON.parse(text))).');
  });

  it('the first bad path is named, e.g. a missing timestamp deep in a part', async () => {
    const bad = [{ kind: 'request', parts: [{ partKind: 'user-prompt', content: 'x' }] }];
    await expect(new Agent({ model: new TestModel() }).run('go', { messageHistory: bad as unknown as ModelMessage[] })).rejects.toThrow(/at \[0\]\.parts\[0\]\.timestamp/);
  });

  it('iter and runStream validate too, before any request', async () => {
    const model = new FunctionModel(() => [text('x')], { stream: async function* () { yield 'x'; } });
    const agent = new Agent({ model });
    const bad = [{ kind: 'nope' }] as unknown as ModelMessage[];
    await expect(agent.iter('go', { messageHistory: bad }).drive()).rejects.toThrow(UserError);
    await expect(agent.runStream('go', { messageHistory: bad })).rejects.toThrow(UserError);
    expect(model.calls).toHaveLength(0);
  });

  it('a valid history round-trips through JSON and is accepted (property: any run’s history)', async () => {
    const agent = new Agent({ model: new TestModel(), tools: [tool({ name: 't', parameters: z.object({ a: z.string() }), execute: ({ a }) => a })] });
    const r1 = await agent.run('one');
    const history = JSON.parse(r1.allMessagesJson()) as ModelMessage[];
    const r2 = await agent.run('two', { messageHistory: history });
    expect(r2.allMessages().slice(0, history.length)).toEqual(history);
  });
});
