/**
 * Type-level tests, checked by `npm run typecheck` (tsc): what TypeScript infers for agents,
 * results, tools and outputs. A wrong inference is a compile error here.
 */
import { expectTypeOf } from 'vitest';
import { z } from 'zod';
import { Agent, NativeOutput, TextOutput, ToolOutput, tool } from './index.js';
import type { AgentRunResult, RunContext, StreamedRunResult } from './index.js';

const City = z.object({ city: z.string(), population: z.number().optional() });

export async function typeTests(): Promise<void> {
  // default output is string
  const plain = new Agent({ model: 'test' });
  expectTypeOf(await plain.run('q')).toEqualTypeOf<AgentRunResult<string>>();

  // a zod schema gives its output type
  const cityAgent = new Agent({ model: 'test', outputType: City });
  expectTypeOf((await cityAgent.run('q')).output).toEqualTypeOf<{ city: string; population?: number | undefined }>();
  expectTypeOf(cityAgent.runStream('q')).resolves.toEqualTypeOf<StreamedRunResult<z.infer<typeof City>>>();

  // output modes keep the type
  expectTypeOf((await new Agent({ model: 'test', outputType: NativeOutput(City) }).run('q')).output).toEqualTypeOf<z.infer<typeof City>>();
  expectTypeOf((await new Agent({ model: 'test', outputType: ToolOutput(City, { name: 'answer' }) }).run('q')).output).toEqualTypeOf<z.infer<typeof City>>();
  expectTypeOf((await new Agent({ model: 'test', outputType: TextOutput((t) => t.length) }).run('q')).output).toEqualTypeOf<number>();

  // a per-run outputType overrides the agent's
  expectTypeOf((await plain.run('q', { outputType: City })).output).toEqualTypeOf<z.infer<typeof City>>();

  // deps flow into tools and prompt functions
  const depsAgent = new Agent<{ userId: number }>({ model: 'test', instructions: (ctx) => `user ${ctx.deps.userId}` });
  expectTypeOf<Parameters<typeof depsAgent.outputValidator>[0]>().parameter(1).toEqualTypeOf<RunContext<{ userId: number }>>();
  const t = tool({
    name: 'lookup',
    parameters: z.object({ q: z.string(), limit: z.number().default(5) }),
    execute: (args, ctx: RunContext<{ userId: number }>) => {
      expectTypeOf(args).toEqualTypeOf<{ q: string; limit: number }>();
      return ctx.deps.userId;
    },
  });
  depsAgent.tool(t);

  // output validators see the output type
  cityAgent.outputValidator((out) => {
    expectTypeOf(out).toEqualTypeOf<z.infer<typeof City>>();
    return out;
  });

  // @ts-expect-error: outputType must be a zod schema or an output mode
  new Agent({ model: 'test', outputType: 'string' });
}
