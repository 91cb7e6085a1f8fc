/**
 * What the graph nodes do for toolsets, capabilities and run identity (pydantic-ai's
 * `_agent_graph.py` `_prepare_request` / `_make_request` around the capability hooks, and
 * `fill_run_metadata`). Kept apart from `nodes.ts` so the loop itself stays small.
 */
import type { ModelRequestContext } from './capabilities/abstract.js';
import type { RunCapability } from './capabilities/run-capability.js';
import { UserError } from './errors.js';
import type { ModelMessage, ModelResponse } from './messages.js';
import type { ModelRequestParameters } from './model.js';
import { buildRunContext } from './run-state.js';
import type { RunState } from './run-state.js';

/** Stamps the run's ids on a message that has none (a resent request keeps its run's). */
export function stampMessage<M extends ModelMessage>(state: RunState<any>, m: M): M {
  if (m.runId === undefined) m.runId = state.runId;
  if (m.conversationId === undefined) m.conversationId = state.conversationId;
  return m;
}

/** Appends the toolset's instructions for the step to `parts`. */
export async function toolsetInstructions(state: RunState<any>, parts: string[]): Promise<void> {
  if (!state.toolset.hasInstructions) return;
  const v = await state.toolset.getInstructions(buildRunContext(state));
  if (v === undefined) return;
  for (const s of typeof v === 'string' ? [v] : v) if (s.trim() !== '') parts.push(s);
}

/**
 * Runs the `beforeModelRequest` hooks. The messages they return replace the run's history (as
 * pydantic-ai: history processors trim what is kept too); the first message stamped with this
 * run's id marks where `newMessages()` starts.
 * @throws UserError when the processed history is empty or does not end with a request.
 */
export async function applyModelRequestHooks(state: RunState<any>, params: ModelRequestParameters): Promise<ModelRequestContext> {
  const rc: ModelRequestContext = { model: state.model, messages: state.messages.slice(), modelSettings: state.modelSettings, modelRequestParameters: params };
  const out = await state.capability!.beforeModelRequest(buildRunContext(state), rc);
  const msgs = out.messages;
  if (msgs.length === 0) throw new UserError('Processed history cannot be empty.');
  const last = msgs[msgs.length - 1]!;
  if (last.kind !== 'request') throw new UserError('Processed history must end with a `ModelRequest`.');
  stampMessage(state, last);
  if (msgs !== state.messages) state.messages.splice(0, state.messages.length, ...msgs);
  const first = state.messages.findIndex((m) => m.runId === state.runId);
  state.newMessageIndex = first === -1 ? state.messages.length - 1 : first;
  if (out.model !== state.model) (state as { model: RunState<any>['model'] }).model = out.model;
  return out;
}

/** Whether the request itself goes through hooks (wrap, after, error). */
export function hasRequestHooks(cap: RunCapability<any>): boolean {
  return cap.has('wrapModelRequest') || cap.has('afterModelRequest') || cap.has('onModelRequestError');
}

/** Calls the model through `wrapModelRequest`, `onModelRequestError` and `afterModelRequest`. */
export async function requestThroughHooks(state: RunState<any>, rc: ModelRequestContext, call: (rc: ModelRequestContext) => Promise<ModelResponse>): Promise<ModelResponse> {
  const cap = state.capability!;
  const ctx = buildRunContext(state);
  let response: ModelResponse;
  try {
    response = await cap.wrapModelRequest(ctx, rc, call);
  } catch (e) {
    response = await cap.onModelRequestError(ctx, rc, e);
  }
  return cap.afterModelRequest(ctx, rc, response);
}
