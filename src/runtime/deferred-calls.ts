/**
 * Deferred calls inside the loop (pydantic-ai's `_tool_execution.py` `_finalize_deferred` and
 * `UserPromptNode._handle_deferred_tool_results`): collecting calls that wait for approval or an
 * external result, offering them to `handleDeferredToolCalls` capabilities, ending the run with
 * `DeferredToolRequests`, and applying `DeferredToolResults` when a later run continues.
 */
import { DeferredToolRequests } from './deferred.js';
import type { DeferredMetadata, DeferredToolResult, DeferredToolResults } from './deferred.js';
import { UnexpectedModelBehavior, UserError } from './errors.js';
import type { ModelMessage, ModelRequestPart, ModelResponse, ToolCallPart } from './messages.js';
import type { RunState } from './run-state.js';
import { buildRunContext } from './run-state.js';

/** @internal Deferred calls met while handling one response. */
export interface DeferredCollector {
  external: ToolCallPart[];
  unapproved: ToolCallPart[];
  metadata: DeferredMetadata;
}

/** @internal Results applied to the calls of one response. */
export interface ResumeResults {
  results: Map<string, DeferredToolResult>;
  metadata: DeferredMetadata;
}

/** @internal Records a deferred call (`kind` from the tool definition or the thrown error). */
export function collectDeferred(state: RunState<any>, call: ToolCallPart, kind: 'external' | 'unapproved', metadata?: Record<string, unknown>): void {
  const c = (state.deferred ??= { external: [], unapproved: [], metadata: {} });
  c[kind].push(call);
  if (metadata !== undefined) c.metadata[call.toolCallId] = metadata;
}

/** @internal What a continued run does with the history's last response. */
export interface ResumePlan {
  response: ModelResponse;
  resume: ResumeResults;
  /** Ids of calls the trailing request already answered. */
  skip: Set<string>;
}

/**
 * Finds the response whose calls `results` answer: the history's last response, with the ids the
 * requests after it already answered.
 * @throws UserError when the history is empty, has no response, the response has no tool calls,
 *   or a result targets a call already answered (pydantic-ai's messages).
 */
export function planResume(history: readonly ModelMessage[], results: DeferredToolResults): ResumePlan {
  if (history.length === 0) throw new UserError('Tool call results were provided, but the message history is empty.');
  let response: ModelResponse | undefined;
  const skip = new Set<string>();
  const answered: ModelRequestPart[] = [];
  for (let i = history.length - 1; i >= 0; i--) {
    const m = history[i]!;
    if (m.kind === 'response') {
      response = m;
      break;
    }
    answered.push(...m.parts);
  }
  if (response === undefined) throw new UserError('Tool call results were provided, but the message history does not contain a `ModelResponse`.');
  if (!response.parts.some((p) => p.partKind === 'tool-call')) {
    throw new UserError('Tool call results were provided, but the message history does not contain any unprocessed tool calls.');
  }
  const map = results.toToolCallResults();
  for (const p of answered) {
    if (p.partKind !== 'tool-return' && p.partKind !== 'retry-prompt') continue;
    if (map.has(p.toolCallId)) throw new UserError(`Tool call '${p.toolCallId}' was already executed and its result cannot be overridden.`);
    skip.add(p.toolCallId);
  }
  return { response, resume: { results: map, metadata: results.metadata }, skip };
}

/**
 * After a response's calls ran: when nothing produced a final result and calls are pending,
 * offers them to the `handleDeferredToolCalls` hooks (resolved calls run through `reprocess`),
 * then ends the run with the rest as `DeferredToolRequests`. With a final result, pending calls
 * are answered "Tool not executed".
 * @throws UnexpectedModelBehavior for duplicate pending ids; UserError when calls are pending but
 *   `DeferredToolRequests` is not among the output types and no capability resolved them.
 */
export async function finalizeDeferred(
  state: RunState<any>,
  outcome: { parts: ModelRequestPart[]; finalResult: { output: unknown; toolName?: string; toolCallId?: string } | undefined },
  notExecuted: (call: ToolCallPart) => ModelRequestPart,
  reprocess: (calls: ToolCallPart[], resume: ResumeResults) => Promise<{ parts: ModelRequestPart[] }>,
): Promise<void> {
  const collected = state.deferred;
  state.deferred = undefined;
  if (collected === undefined || (collected.external.length === 0 && collected.unapproved.length === 0)) return;
  if (outcome.finalResult !== undefined) {
    for (const c of [...collected.external, ...collected.unapproved]) outcome.parts.push(notExecuted(c));
    return;
  }
  const all = [...collected.external, ...collected.unapproved];
  const ids = all.map((c) => c.toolCallId);
  const dup = [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
  if (dup.length > 0) throw new UnexpectedModelBehavior(`Deferred tool calls must have unique tool_call_id values; duplicate ids: ${JSON.stringify(dup)}`);
  let requests: DeferredToolRequests | undefined = new DeferredToolRequests({ calls: collected.external, approvals: collected.unapproved, metadata: collected.metadata });
  const cap = state.capability;
  if (cap?.has('handleDeferredToolCalls')) {
    const handled = await cap.handleDeferredToolCalls(buildRunContext(state), requests);
    if (handled !== undefined) {
      const resume: ResumeResults = { results: handled.toToolCallResults(), metadata: handled.metadata };
      const resolved = [...requests.approvals, ...requests.calls].filter((c) => resume.results.has(c.toolCallId));
      const r = await reprocess(resolved, resume);
      outcome.parts.push(...r.parts);
      requests = requests.remaining(handled);
      const again = state.deferred as DeferredCollector | undefined;
      state.deferred = undefined;
      if (again !== undefined && (again.external.length > 0 || again.unapproved.length > 0)) {
        requests ??= new DeferredToolRequests();
        requests.calls.push(...again.external);
        requests.approvals.push(...again.unapproved);
        Object.assign(requests.metadata, again.metadata);
      }
    }
  }
  if (requests === undefined) return;
  if (!state.output.allowsDeferredTools) {
    throw new UserError(
      'A deferred tool call was present, but `DeferredToolRequests` is not among output types. To resolve this, add `DeferredToolRequests` to the list of output types for this agent, or use a `HandleDeferredToolCalls` capability to handle deferred tool calls inline.',
    );
  }
  outcome.finalResult = { output: requests };
}
