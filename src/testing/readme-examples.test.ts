/**
 * The README's examples, run as written (with `'openai:gpt-4o'` overridden), so the numbers
 * and outputs it shows stay true.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Agent, ModelRequestsDisallowed, OpenAIChatModel, tool } from '../runtime/index.js';
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

describe('README consumer examples', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

  // test/consumer.test.ts runs these very files against the packed tarball in fresh projects
  it.each(['weather.vitest.ts', 'node-test.mjs', 'capitals.eval.ts', 'capitals.vitest.ts'])('shows test/consumer/%s verbatim', (file) => {
    const source = readFileSync(new URL(`../../test/consumer/${file}`, import.meta.url), 'utf8').trimEnd();
    expect(readme).toContain(`\n${source}\n\`\`\``);
  });

  it('a blocked real model throws ModelRequestsDisallowed (the setup-file example)', async () => {
    // vitest.setup.ts runs setAllowModelRequests(false), as the README's setup file does
    const real = new Agent({ model: new OpenAIChatModel('gpt-4o', { apiKey: 'k' }) });
    await expect(real.run('Weather in Paris?')).rejects.toBeInstanceOf(ModelRequestsDisallowed);
  });
});
