/**
 * The README's examples, run as written (with `'openai:gpt-4o'` overridden), so the numbers
 * and outputs it shows stay true.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Agent, tool } from '../runtime/index.js';
import { FunctionModel, TestModel } from './index.js';

const getWeather = tool({
  name: 'get_weather',
  description: 'Current weather in a city',
  parameters: z.object({ city: z.string() }),
  execute: ({ city }) => (city === 'Paris' ? 'sunny' : 'rainy'),
});

const agent = new Agent({ model: 'openai:gpt-4o', instructions: 'Answer in one sentence.', tools: [getWeather] });

describe('README examples', () => {
  it('TestModel calls every tool with generated arguments, then summarises the results', async () => {
    const result = await agent.override({ model: new TestModel() }, () => agent.run('Weather in Paris?'));
    expect(result.output).toBe('{"get_weather":"rainy"}');
    expect(result.usage()).toMatchObject({ requests: 2, toolCalls: 1 });
  });

  it('FunctionModel scripts the model exactly', async () => {
    const scripted = new FunctionModel((messages) =>
      messages.length === 1
        ? [{ partKind: 'tool-call', toolName: 'get_weather', args: { city: 'Paris' }, toolCallId: 'c1' }]
        : [{ partKind: 'text', content: 'It is sunny in Paris.' }],
    );
    const run = await agent.override({ model: scripted }, () => agent.run('Weather in Paris?'));
    expect(run.output).toBe('It is sunny in Paris.');
    expect(run.allMessages().map((m) => m.kind)).toEqual(['request', 'response', 'request', 'response']);
  });

  it('structured output goes through final_result', async () => {
    const City = z.object({ city: z.string(), country: z.string() });
    const cityAgent = new Agent({ model: new TestModel(), outputType: City });
    expect((await cityAgent.run('Where were the 2012 Olympics?')).output).toEqual({ city: 'a', country: 'a' });
  });
});
