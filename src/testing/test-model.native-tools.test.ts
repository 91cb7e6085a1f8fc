/**
 * TestModel refuses native tools, as pydantic-ai's TestModel (`'TestModel does not support
 * built-in tools'`), after recording the request parameters; directly and through an Agent.
 */
import { describe, expect, it } from 'vitest';
import type { ModelMessage, ModelRequestParameters } from '../runtime/index.js';
import { Agent, UserError, WebSearchTool } from '../runtime/index.js';
import { TestModel } from './index.js';

const user: ModelMessage = { kind: 'request', parts: [{ partKind: 'user-prompt', content: 'hi', timestamp: '2025-01-01T00:00:00.000Z' }] };
const MESSAGE = 'TestModel does not support built-in tools';

describe('TestModel with native tools', () => {
  it('request and requestStream throw UserError, after recording lastModelRequestParameters', async () => {
    const model = new TestModel();
    const params: ModelRequestParameters = { functionTools: [], outputTools: [], allowTextOutput: true, nativeTools: [WebSearchTool()] };
    await expect(model.request([user], undefined, params)).rejects.toThrow(new UserError(MESSAGE));
    expect(model.lastModelRequestParameters).toBe(params);
    const streamParams = { ...params };
    expect(() => model.requestStream([user], undefined, streamParams)).toThrow(MESSAGE);
    expect(model.lastModelRequestParameters).toBe(streamParams);
  });

  it('an empty nativeTools list is fine', async () => {
    const model = new TestModel({ customOutputText: 'ok' });
    const r = await model.request([user], undefined, { functionTools: [], outputTools: [], allowTextOutput: true, nativeTools: [] });
    expect(r.parts).toEqual([{ partKind: 'text', content: 'ok' }]);
  });

  it('an agent run with nativeTools fails with UserError; the model saw the tools', async () => {
    const model = new TestModel();
    const agent = new Agent({ model, nativeTools: [WebSearchTool({ searchContextSize: 'low' })] });
    await expect(agent.run('What day is today?')).rejects.toThrow(UserError);
    expect(model.lastModelRequestParameters?.nativeTools).toEqual([{ kind: 'web_search', searchContextSize: 'low' }]);
    const plain = new Agent({ model: new TestModel() });
    expect((await plain.run('What day is today?')).output).toBe('success (no tool calls)');
  });
});
