/**
 * The README's "Durable agents (DBOS)" example, run as written: a durable agent tested without
 * a key and without a database server (launchDBOS starts an embedded PostgreSQL).
 */
import { DBOS } from '@dbos-inc/dbos-sdk';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Agent, tool } from '../runtime/index.js';
import { TestModel } from '../testing/index.js';
import { DBOSAgent, launchDBOS } from './index.js';

const getWeather = tool({
  name: 'get_weather',
  description: 'Current weather in a city',
  parameters: z.object({ city: z.string() }),
  execute: ({ city }) => (city === 'Paris' ? 'sunny' : 'rainy'),
});

describe('README: durable agents', () => {
  it('a durable agent tested without a key: one step per model request', async () => {
    const durable = new DBOSAgent(new Agent({ name: 'weather', model: 'openai:gpt-4o', tools: [getWeather] }));
    const dbos = await launchDBOS({ env: {} });
    try {
      expect(dbos.embedded).toBeDefined();
      const result = await durable.override({ model: new TestModel() }, () => DBOS.withNextWorkflowID('weather-1', () => durable.run('Weather in Paris?')));
      expect(result.output).toBe('{"get_weather":"rainy"}');
      expect((await DBOS.listWorkflowSteps('weather-1'))?.map((s) => s.name)).toEqual(['weather__model.request', 'weather__model.request']);
    } finally {
      await dbos.shutdown();
    }
  }, 120_000);
});
