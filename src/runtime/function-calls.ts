/**
 * One function tool call through the run's toolset (pydantic-ai's `ToolManager.validate_tool_call`
 * / `execute_tool_call`): argument validation, deferral (`requiresApproval`, external tools,
 * `ApprovalRequired`, `CallDeferred`), results given by `DeferredToolResults`, capability hooks.
 */
import { ApprovalRequired, CallDeferred } from './deferred.js';
import { ModelRetry, UserError } from './errors.js';
import { ToolReturn } from './messages.js';
import type { RetryPromptPart, ToolCallPart, ToolReturnPart, UserContent } from './messages.js';
import { parseJsonArgs } from './output.js';
import { collectDeferred } from './deferred-calls.js';
import { buildRunContext, consumeToolRetry, recordToolSuccess, toolRetriesOf } from './run-state.js';
import type { RunState } from './run-state.js';
import type { RunContext } from './run-context.js';
import type { ToolsetTool } from './toolsets/abstract.js';

/** A function (or unknown) tool call after validation. */
export type ValidatedCall =
  /** Answered without running: a retry, a denial or an external result. */
  | { call: ToolCallPart; part: ToolReturnPart | RetryPromptPart }
  /** Waits for approval or an external result. */
  | { call: ToolCallPart; deferred: true }
  /** Ready to run. */
  | { call: ToolCallPart; tool: ToolsetTool<any>; args: Record<string, unknown>; approved: boolean; metadata: Record<string, unknown> | undefined };

/** User content a `ToolReturn` asked to send after the tool returns, by the part made from it. */
export const toolUserContent = new WeakMap<ToolReturnPart, string | UserContent[]>();
/** Whether any `ToolReturn` with user content was ever seen (the agent loop skips the lookup until then). */
export const toolUserContentSeen = { any: false };

/**
 * A tool's result part; a `ToolReturn` gives its `returnValue` as the content and its `metadata`
 * (its `content` is recorded in `toolUserContent`, sent after the batch's returns).
 * @throws UserError for a list holding `ToolReturn`s (as pydantic-ai: return it directly).
 */
export function toolReturnPart(state: RunState<any>, call: ToolCallPart, content: unknown): ToolReturnPart {
  if (content instanceof ToolReturn) {
    const part: ToolReturnPart = { partKind: 'tool-return', toolName: call.toolName, content: content.returnValue, toolCallId: call.toolCallId, timestamp: state.now() };
    if (content.metadata !== undefined) part.metadata = content.metadata;
    if (content.content !== undefined && content.content.length > 0) {
      toolUserContent.set(part, content.content);
      toolUserContentSeen.any = true;
    }
    return part;
  }
  if (Array.isArray(content) && content.some((c) => c instanceof ToolReturn)) {
    throw new UserError(`The return value of tool '${call.toolName}' contains invalid nested \`ToolReturn\` objects. \`ToolReturn\` should be used directly.`);
  }
  return { partKind: 'tool-return', toolName: call.toolName, content, toolCallId: call.toolCallId, timestamp: state.now() };
}

/** A retry part about `call`. */
export function retryPromptPart(state: RunState<any>, call: ToolCallPart, content: RetryPromptPart['content']): RetryPromptPart {
  return { partKind: 'retry-prompt', content, toolName: call.toolName, toolCallId: call.toolCallId, timestamp: state.now() };
}

/** Whether `e` is a deferral thrown by a tool or hook. */
export function isDeferral(e: unknown): e is ApprovalRequired | CallDeferred {
  return e instanceof ApprovalRequired || e instanceof CallDeferred;
}

/**
 * Validates a call of a function, external or approval-needing tool (or answers an unknown name).
 * A result from `state.resume` answers or approves the call.
 * @throws UnexpectedModelBehavior when the tool is out of retries.
 */
export function validateToolCall(state: RunState<any>, call: ToolCallPart): ValidatedCall {
  const given = state.resume?.results.get(call.toolCallId);
  if (given !== undefined && given.kind !== 'tool-approved') {
    switch (given.kind) {
      case 'tool-denied':
        return { call, part: { ...toolReturnPart(state, call, given.message), outcome: 'denied' } };
      case 'tool-return':
        state.usage.toolCalls += 1;
        return { call, part: toolReturnPart(state, call, given.value) };
      case 'model-retry': {
        const t = state.tools.get(call.toolName);
        consumeToolRetry(state, call.toolName, t?.maxRetries ?? state.retries, given.error);
        return { call, part: retryPromptPart(state, call, given.error.message) };
      }
      case 'retry-prompt': {
        // a RetryPromptPart given as the external result: its names come from the deferred call
        const t = state.tools.get(call.toolName);
        consumeToolRetry(state, call.toolName, t?.maxRetries ?? state.retries, undefined);
        return { call, part: retryPromptPart(state, call, given.content) };
      }
    }
  }
  const t = state.tools.get(call.toolName);
  if (t === undefined) {
    const names = [...state.tools.keys(), ...state.output.tools.keys()].sort();
    const msg = names.length > 0 ? `Available tools: ${names.map((n) => `'${n}'`).join(', ')}` : 'No tools available.';
    consumeToolRetry(state, call.toolName, state.retries);
    return { call, part: retryPromptPart(state, call, `Unknown tool name: '${call.toolName}'. ${msg}`) };
  }
  const override = given?.kind === 'tool-approved' ? given.overrideArgs : undefined;
  const parsed = override !== undefined ? { ok: true as const, value: override } : parseJsonArgs(call.args);
  const validated = parsed.ok ? t.validate(parsed.value) : parsed;
  if (!validated.ok) {
    consumeToolRetry(state, call.toolName, t.maxRetries);
    return { call, part: retryPromptPart(state, call, validated.details) };
  }
  const approved = given?.kind === 'tool-approved';
  const kind = t.toolDef.kind;
  if (!approved && (kind === 'external' || kind === 'unapproved')) {
    collectDeferred(state, call, kind);
    return { call, deferred: true };
  }
  return { call, tool: t, args: validated.value as Record<string, unknown>, approved, metadata: state.resume?.metadata[call.toolCallId] };
}

/**
 * Runs a validated call through the toolset (and the capabilities' tool hooks). Returns the part
 * to send back, or `undefined` when the call was deferred. Only a call that returns counts in
 * `usage.toolCalls`.
 * @throws UnexpectedModelBehavior when the tool is out of retries; any other error a tool throws.
 */
export function executeToolCall(state: RunState<any>, v: Extract<ValidatedCall, { tool: unknown }>): Promise<ToolReturnPart | RetryPromptPart | undefined> {
  const { call, tool: t } = v;
  const extra: Parameters<typeof buildRunContext>[1] = { retry: toolRetriesOf(state, call.toolName), maxRetries: t.maxRetries, toolName: call.toolName, toolCallId: call.toolCallId, toolCallApproved: v.approved };
  if (v.metadata !== undefined) extra.toolCallMetadata = v.metadata;
  const ctx = buildRunContext(state, extra);
  return state.instrumentation ? state.instrumentation.tool(call, () => runCall(state, v, ctx)) : runCall(state, v, ctx);
}

/** The call through the capabilities' tool hooks (when any) and the toolset; a success is recorded (`recordToolSuccess`). */
async function runCall(state: RunState<any>, v: Extract<ValidatedCall, { tool: unknown }>, ctx: RunContext<any>): Promise<ToolReturnPart | RetryPromptPart | undefined> {
  const { call, tool: t } = v;
  let content: unknown;
  try {
    content =
      state.capability === undefined
        ? await state.toolset.callTool(call.toolName, v.args, ctx, t)
        : await state.capability.executeTool(ctx, { call, toolDef: t.toolDef, args: v.args }, async (a) => state.toolset.callTool(call.toolName, a, ctx, t), isControl);
  } catch (e) {
    if (e instanceof ModelRetry) {
      consumeToolRetry(state, call.toolName, t.maxRetries, e);
      return retryPromptPart(state, call, e.message);
    }
    if (isDeferral(e)) {
      collectDeferred(state, call, e instanceof ApprovalRequired ? 'unapproved' : 'external', e.metadata);
      return undefined;
    }
    throw e;
  }
  state.usage.toolCalls += 1;
  recordToolSuccess(state, call.toolName);
  return toolReturnPart(state, call, content);
}

function isControl(e: unknown): boolean {
  return e instanceof ModelRetry || isDeferral(e);
}
