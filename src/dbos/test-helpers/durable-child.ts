/**
 * Test-only child process for the crash-recovery tests (never shipped): a durable agent on an
 * OpenAI-compatible model whose one tool is slow. Environment:
 *   DATABASE_URL, OPENAI_BASE_URL      PostgreSQL and the fake server's base URL
 *   EXECUTOR_ID, WORKFLOW_ID           who runs which workflow
 *   PHASE = start | recover            start the workflow, or only launch (recovering) and wait
 *   TOOL_MS                            how long the tool sleeps
 *   CASSETTE, CASSETTE_MODE            optional: run inside withCassette(CASSETTE, { mode })
 *   MODEL = function                   optional: dbosAgent.override({ model: FunctionModel }) around everything
 * Prints `tool-started` when the tool begins, then one `RESULT <json>` line (`calls`: the
 * FunctionModel's calls in this process).
 */
import { DBOS } from '@dbos-inc/dbos-sdk';
import { z } from 'zod';
import { Agent, OpenAIChatModel, tool } from '../../runtime/index.js';
import { FunctionModel, activeCassette, withCassette } from '../../testing/index.js';
import type { RecordMode } from '../../testing/index.js';
import { DBOSAgent } from '../dbos-agent.js';
import type { WorkflowRecord } from '../dbos-agent.js';
import { launchDBOS } from '../launch.js';

const env = (k: string): string => {
  const v = process.env[k];
  if (v === undefined) throw new Error(`durable-child: ${k} is not set`);
  return v;
};

const slow = tool({
  name: 'slow_lookup',
  description: 'Looks a city up (slowly).',
  parameters: z.object({ city: z.string() }),
  execute: async ({ city }) => {
    process.stdout.write('tool-started\n');
    await new Promise((r) => setTimeout(r, Number(env('TOOL_MS'))));
    return `${city}: 21 degrees`;
  },
});

const model = new OpenAIChatModel('gpt-4o', { baseURL: env('OPENAI_BASE_URL'), apiKey: ['sk', 'fake', 'child'].join('-'), maxRetries: 0 });
const durable = new DBOSAgent(new Agent({ name: 'crashy', model, tools: [slow] }));
const fnModel = new FunctionModel((messages) => {
  const ret = messages.flatMap((m) => (m.kind === 'request' ? m.parts : [])).find((p) => p.partKind === 'tool-return');
  if (ret) return { parts: [{ partKind: 'text', content: `It is ${String(ret.content)}.` }] };
  return { parts: [{ partKind: 'tool-call', toolName: 'slow_lookup', args: { city: 'Paris' }, toolCallId: 'fn_1' }] };
});

async function main(): Promise<void> {
  const dbos = await launchDBOS({ name: 'rehearse-crash-test', systemDatabaseUrl: env('DATABASE_URL'), executorID: env('EXECUTOR_ID'), applicationVersion: 'crash-test' });
  try {
    const id = env('WORKFLOW_ID');
    const rec =
      env('PHASE') === 'start'
        ? await DBOS.withNextWorkflowID(id, () => durable.run('Weather in Paris?')).then((r) => ({ output: r.output, messages: r.allMessages().length }))
        : await DBOS.retrieveWorkflow<WorkflowRecord>(id).getResult().then((r) => ({ output: r.output, messages: r.messages.length }));
    const played = activeCassette()?.played;
    process.stdout.write(`RESULT ${JSON.stringify({ ...rec, played, calls: fnModel.calls.length })}\n`);
  } finally {
    await dbos.shutdown();
  }
}

const cassette = process.env['CASSETTE'];
const withoutCI = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'CI'));
const pgHost = new URL(env('DATABASE_URL')).host;
const run = process.env['MODEL'] === 'function' ? () => durable.override({ model: fnModel }, main) : main;
await (cassette
  ? // the test records its own cassette on the spot, so CI's no-recording rule is lifted for this child
    withCassette(cassette, { mode: env('CASSETTE_MODE') as RecordMode, allowUnplayed: true, passthroughHosts: [pgHost], env: withoutCI }, run)
  : run());
process.exit(0);
