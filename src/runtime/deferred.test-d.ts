/**
 * Type-level tests for the v2 agent API: `outputType: [Schema, DeferredToolRequests]` gives a
 * union, output functions give their function's result type.
 */
import { expectTypeOf } from 'vitest';
import { z } from 'zod';
import { Agent, DeferredToolRequests, ToolOutput, tool } from './index.js';

const City = z.object({ city: z.string() });
type City = z.infer<typeof City>;

export async function deferredTypeTests(): Promise<void> {
  // per run, the union is inferred from the list
  const plain = new Agent({ model: 'test' });
  expectTypeOf((await plain.run('q', { outputType: [City, DeferredToolRequests] })).output).toEqualTypeOf<City | DeferredToolRequests>();
  expectTypeOf((await plain.run('q', { outputType: [z.string(), DeferredToolRequests] })).output).toEqualTypeOf<string | DeferredToolRequests>();
  // on the agent too
  const inferred = new Agent({ model: 'test', outputType: [City, DeferredToolRequests] });
  expectTypeOf((await inferred.run('q')).output).toEqualTypeOf<City | DeferredToolRequests>();
  const text = new Agent({ model: 'test', outputType: [z.string(), DeferredToolRequests] });
  expectTypeOf((await text.run('q')).output).toEqualTypeOf<string | DeferredToolRequests>();
  // or named explicitly
  const a = new Agent<undefined, City | DeferredToolRequests>({ model: 'test', outputType: [City, DeferredToolRequests] });
  expectTypeOf((await a.run('q')).output).toEqualTypeOf<City | DeferredToolRequests>();
  const r = await a.run('q');
  if (r.output instanceof DeferredToolRequests) expectTypeOf(r.output.approvals[0]!.toolCallId).toEqualTypeOf<string>();
  else expectTypeOf(r.output).toEqualTypeOf<City>();
  // @ts-expect-error: the named union must cover every element of the list
  new Agent<undefined, City>({ model: 'test', outputType: [City, z.number()] });

  const toCelsius = tool({ name: 'to_celsius', parameters: z.object({ f: z.number() }), execute: ({ f }) => (f - 32) / 1.8 });
  expectTypeOf((await new Agent({ model: 'test', outputType: toCelsius }).run('q')).output).toEqualTypeOf<number>();
  const asyncFn = tool({ name: 'lookup', parameters: z.object({ q: z.string() }), execute: async ({ q }) => ({ found: q }) });
  expectTypeOf((await new Agent({ model: 'test', outputType: ToolOutput(asyncFn) }).run('q')).output).toEqualTypeOf<{ found: string }>();
  expectTypeOf((await plain.run('q', { outputType: [toCelsius, DeferredToolRequests] })).output).toEqualTypeOf<number | DeferredToolRequests>();
  expectTypeOf((await new Agent({ model: 'test', outputType: [toCelsius, asyncFn, DeferredToolRequests] }).run('q')).output).toEqualTypeOf<number | { found: string } | DeferredToolRequests>();
  // with deps named, name the output too
  const withDeps = new Agent<{ id: number }, City | DeferredToolRequests>({ model: 'test', instructions: (ctx) => `id ${ctx.deps.id}`, outputType: [City, DeferredToolRequests] });
  expectTypeOf((await withDeps.run('q', { deps: { id: 1 } })).output).toEqualTypeOf<City | DeferredToolRequests>();
}
