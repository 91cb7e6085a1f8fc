/**
 * README "Testing a human-approval flow", run as written.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Agent, DeferredToolRequests, HandleDeferredToolCalls, ToolDenied, tool } from '../runtime/index.js';
import { FunctionModel } from './index.js';

describe('README: Testing a human-approval flow', () => {
  const deleteFile = tool({
    name: 'delete_file',
    parameters: z.object({ path: z.string() }),
    requiresApproval: true,
    execute: ({ path }) => `deleted ${path}`,
  });
  const model = new FunctionModel((messages) =>
    messages.length === 1
      ? [
          { partKind: 'tool-call', toolName: 'delete_file', args: { path: 'notes.txt' }, toolCallId: 'd1' },
          { partKind: 'tool-call', toolName: 'delete_file', args: { path: '.env' }, toolCallId: 'd2' },
        ]
      : [{ partKind: 'text', content: 'Deleted notes.txt; .env was kept.' }],
  );

  it('ends with the pending calls, then continues with approvals and denials', async () => {
    const agent = new Agent({ model, tools: [deleteFile], outputType: [z.string(), DeferredToolRequests] });
    const first = await agent.run('Clean up');
    const pending = first.output as DeferredToolRequests;
    expect(pending).toBeInstanceOf(DeferredToolRequests);
    expect(pending.approvals.map((c) => c.args)).toEqual([{ path: 'notes.txt' }, { path: '.env' }]);

    const results = pending.buildResults({ approvals: { d1: true, d2: new ToolDenied('Never delete .env') } });
    const second = await agent.run(undefined, { messageHistory: first.allMessages(), deferredToolResults: results });
    expect(second.output).toBe('Deleted notes.txt; .env was kept.');
    expect(second.newMessages()[0]!.parts).toMatchObject([
      { partKind: 'tool-return', content: 'deleted notes.txt' },
      { partKind: 'tool-return', content: 'Never delete .env', outcome: 'denied' },
    ]);
    expect(second.runId).not.toBe(first.runId);
    expect(second.conversationId).toBe(first.conversationId);
  });

  it('approves inline with HandleDeferredToolCalls; unanswered calls still end the run', async () => {
    const onlyNotes = new HandleDeferredToolCalls((_ctx, requests) =>
      requests.buildResults({ approvals: Object.fromEntries(requests.approvals.filter((c) => (c.args as { path: string }).path === 'notes.txt').map((c) => [c.toolCallId, true])) }),
    );
    const agent = new Agent({ model, tools: [deleteFile], outputType: [z.string(), DeferredToolRequests], capabilities: [onlyNotes] });
    const r = await agent.run('Clean up');
    expect((r.output as DeferredToolRequests).approvals.map((c) => c.toolCallId)).toEqual(['d2']);
    expect(r.allMessages()[2]!.parts).toMatchObject([{ toolCallId: 'd1', content: 'deleted notes.txt' }]);
  });
});
