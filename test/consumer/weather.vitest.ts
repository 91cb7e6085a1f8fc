// weather.test.ts — a first test: no API key, no network
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Agent, tool } from 'rehearse';
import { TestModel } from 'rehearse/testing';
import 'rehearse/vitest'; // adds toHaveCalledTool, toHaveToolCallSequence, toHaveUsage to expect

const getWeather = tool({
  name: 'get_weather',
  description: 'Current weather in a city',
  parameters: z.object({ city: z.string() }),
  execute: ({ city }) => `sunny in ${city}`,
});
const agent = new Agent({ model: 'openai:gpt-4o', tools: [getWeather] });

describe('weather agent', () => {
  it('calls the weather tool once', async () => {
    // TestModel calls every tool with arguments generated from its schema, then answers
    const result = await agent.override({ model: new TestModel() }, () => agent.run('Weather in Paris?'));
    expect(result).toHaveCalledTool('get_weather', { city: expect.any(String) });
    expect(result).toHaveToolCallSequence(['get_weather']);
    expect(result).toHaveUsage({ requests: 2, toolCalls: 1 });
  });
});
