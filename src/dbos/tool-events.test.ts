import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AgentEvent } from '../runtime/index.js';
import { SequentialToolCalls, orderToolEvents } from './tool-events.js';
import { Agent, tool } from '../runtime/index.js';
import { FunctionModel } from '../testing/index.js';
import { z } from 'zod';

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function* from<T>(xs: T[]): AsyncGenerator<T> {
  for (const x of xs) yield x;
}

describe("'parallel_ordered_events'", () => {
  it('whatever order the results complete in, they come out in call order, nothing lost or added', async () => {
    const batch = fc.integer({ min: 1, max: 6 }).chain((n) => fc.tuple(fc.constant(n), fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n })));
    await fc.assert(
      fc.asyncProperty(fc.array(batch, { minLength: 1, maxLength: 4 }), async (batches) => {
        const events: AgentEvent[] = [];
        const expected: string[] = [];
        batches.forEach(([n, order], b) => {
          events.push({ eventKind: 'part_start', index: 0, part: { partKind: 'text', content: `b${b}` } });
          const ids = [...Array(n).keys()].map((i) => `b${b}c${i}`);
          for (const id of ids) events.push({ eventKind: 'function_tool_call', part: { partKind: 'tool-call', toolName: 't', args: {}, toolCallId: id } });
          for (const i of order) events.push({ eventKind: 'function_tool_result', result: { partKind: 'tool-return', toolName: 't', content: i, toolCallId: ids[i]!, timestamp: 'x' } });
          expected.push(`start b${b}`, ...ids.map((id) => `call ${id}`), ...ids.map((id) => `result ${id}`));
        });
        const out = await collect(orderToolEvents(from(events)));
        const label = (e: AgentEvent) =>
          e.eventKind === 'function_tool_call' ? `call ${e.part.toolCallId}` : e.eventKind === 'function_tool_result' ? `result ${e.result.toolCallId}` : `start ${(e as { part: { content: string } }).part.content}`;
        expect(out.map(label)).toEqual(expected);
      }),
    );
  });
});

describe("'sequential'", () => {
  it('tool calls of one run never overlap, whatever their durations', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 6 }), async (durations) => {
        let running = 0;
        let max = 0;
        const t = tool({
          name: 't',
          parameters: z.object({ ms: z.number() }),
          execute: async ({ ms }) => {
            running++;
            max = Math.max(max, running);
            await new Promise((r) => setTimeout(r, ms));
            running--;
            return ms;
          },
        });
        const model = new FunctionModel((messages) =>
          messages.length === 1
            ? { parts: durations.map((ms, i) => ({ partKind: 'tool-call' as const, toolName: 't', args: { ms }, toolCallId: `c${i}` })) }
            : { parts: [{ partKind: 'text' as const, content: 'done' }] },
        );
        const r = await new Agent({ model, tools: [t] }).run('go', { capabilities: [new SequentialToolCalls()] });
        expect(r.output).toBe('done');
        expect(max).toBe(1);
      }),
      { numRuns: 20 },
    );
  });
});
