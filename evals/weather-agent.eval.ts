/**
 * A small weather agent evaluated without an API key: one suite drives it with a scripted
 * FunctionModel that behaves like a real model (reads the prompt, calls the tool, answers from
 * the tool result), one with TestModel and structured output. Together they show every
 * evaluator kind working offline, including an LLMJudge whose judge is a FunctionModel.
 */
import { z } from 'zod';
import { Agent, tool } from '../src/runtime/index.js';
import type { ModelMessage, ModelResponsePart, ToolReturnPart } from '../src/runtime/index.js';
import { FunctionModel, TestModel } from '../src/testing/index.js';
import {
  ArgumentCorrectness,
  Case,
  Contains,
  Dataset,
  Equals,
  EqualsExpected,
  HasMatchingSpan,
  IsInstance,
  LLMJudge,
  MatchesSchema,
  MaxDuration,
  MaxModelRequests,
  MaxToolCalls,
  ToolCorrectness,
  TrajectoryMatch,
  agentTask,
  defineEval,
} from '../src/evals/index.js';

const FORECASTS: Record<string, { summary: string; celsius: number }> = {
  paris: { summary: 'sunny', celsius: 21 },
  tokyo: { summary: 'rainy', celsius: 17 },
  london: { summary: 'cloudy', celsius: 14 },
  cairo: { summary: 'hot and clear', celsius: 34 },
};

const getWeather = tool({
  name: 'get_weather',
  description: 'Forecast for a city: a summary and the temperature in °C.',
  parameters: z.object({ city: z.string().describe('City name, e.g. Paris') }),
  execute: ({ city }) => FORECASTS[city.toLowerCase()] ?? { summary: 'unknown', celsius: Number.NaN },
});

/** A scripted model that behaves like a careful real one: it always checks the forecast tool. */
const scriptedModel = new FunctionModel(
  (messages: ModelMessage[]): ModelResponsePart[] => {
    const last = messages[messages.length - 1]!;
    const ret = last.kind === 'request' ? last.parts.find((p): p is ToolReturnPart => p.partKind === 'tool-return') : undefined;
    if (ret === undefined) {
      const prompt = messages[0]!.kind === 'request' ? String(messages[0]!.parts.find((p) => p.partKind === 'user-prompt')?.content ?? '') : '';
      const city = /in ([A-Z][a-z]+)/.exec(prompt)?.[1] ?? 'Paris';
      return [{ partKind: 'tool-call', toolName: 'get_weather', args: { city }, toolCallId: `call_${city.toLowerCase()}` }];
    }
    const f = ret.content as { summary: string; celsius: number };
    const city = ret.toolCallId.replace('call_', '');
    const name = city.charAt(0).toUpperCase() + city.slice(1);
    return [{ partKind: 'text', content: `It is ${f.summary} in ${name}, ${f.celsius} °C.` }];
  },
  { modelName: 'scripted-weather' },
);

const weatherAgent = new Agent({
  name: 'weather_agent',
  model: scriptedModel,
  instructions: 'Answer weather questions in one sentence, using the get_weather tool.',
  tools: [getWeather],
  instrument: true,
});

/** The judge: passes an answer that names a weather condition and a temperature in °C. */
const judgeModel = new FunctionModel(
  (messages) => {
    const prompt = messages
      .flatMap((m) => (m.kind === 'request' ? m.parts : []))
      .map((p) => (p.partKind === 'user-prompt' ? String(p.content) : ''))
      .join('\n');
    const output = /<Output>\s*([\s\S]*?)\s*<\/Output>/.exec(prompt)?.[1] ?? '';
    const pass = /(sunny|rainy|cloudy|clear)/.test(output) && /-?\d+ °C/.test(output);
    return [
      {
        partKind: 'tool-call',
        toolName: 'final_result',
        args: { reason: pass ? 'Names the conditions and the temperature.' : 'Missing the conditions or the temperature.', pass, score: pass ? 1 : 0 },
        toolCallId: 'judge',
      },
    ];
  },
  { modelName: 'judge' },
);

const cityCase = (city: string, expected: string) =>
  new Case({
    name: city.toLowerCase(),
    inputs: { question: `What is the weather in ${city}?` },
    expectedOutput: expected,
    metadata: { city },
    evaluators: [
      new ArgumentCorrectness({ toolName: 'get_weather', expectedArguments: { city } }),
      new Contains({ value: city }),
    ],
  });

export const weatherScripted = defineEval({
  dataset: new Dataset<{ question: string }, string, { city: string }>({
    name: 'weather_agent_scripted',
    cases: [
      cityCase('Paris', 'It is sunny in Paris, 21 °C.'),
      cityCase('Tokyo', 'It is rainy in Tokyo, 17 °C.'),
      cityCase('London', 'It is cloudy in London, 14 °C.'),
      cityCase('Cairo', 'It is hot and clear in Cairo, 34 °C.'),
    ],
    evaluators: [
      new EqualsExpected(),
      new IsInstance({ typeName: 'String' }),
      new MaxDuration({ seconds: 5 }),
      new ToolCorrectness({ expectedTools: ['get_weather'] }),
      new TrajectoryMatch({ expectedTrajectory: ['get_weather'] }),
      new MaxToolCalls({ maxCalls: 2 }),
      new MaxModelRequests({ maxRequests: 3 }),
      new HasMatchingSpan({ query: { nameContains: 'execute_tool get_weather' }, evaluationName: 'tool_span' }),
      new LLMJudge({ rubric: 'The answer states the weather conditions and the temperature in °C.', model: judgeModel, score: { includeReason: false } }),
    ],
  }),
  task: agentTask(weatherAgent, { prompt: (inputs: { question: string }) => inputs.question }),
  options: { maxConcurrency: 4 },
  thresholds: { minPassRate: 1 },
});

const Forecast = z.object({
  city: z.string(),
  summary: z.enum(['sunny', 'rainy', 'cloudy']),
  celsius: z.number().int().min(-50).max(60),
});

const structuredAgent = new Agent({ name: 'forecast_agent', model: new TestModel(), outputType: Forecast, tools: [getWeather], instrument: true });

export const forecastTestModel = defineEval({
  dataset: new Dataset<string, z.infer<typeof Forecast>>({
    name: 'forecast_agent_testmodel',
    cases: [
      new Case({ name: 'schema-valid forecast', inputs: 'Forecast for Paris' }),
      new Case({
        name: 'deterministic data for seed 0',
        inputs: 'Forecast for Tokyo',
        evaluators: [new Equals({ value: { city: 'a', summary: 'sunny', celsius: -50 }, evaluationName: 'seed_0_output' })],
      }),
    ],
    evaluators: [
      new MatchesSchema({ schema: Forecast }),
      new ToolCorrectness({ expectedTools: ['get_weather'] }),
      new MaxModelRequests({ maxRequests: 2 }),
    ],
  }),
  task: agentTask(structuredAgent, { prompt: (q: string) => q }),
  thresholds: { minPassRate: 1 },
});
