/**
 * Stream events, plain objects tagged with `eventKind` (pydantic-ai's values). Deltas are
 * tagged with `partDeltaKind`.
 */
import type { ModelResponsePart, RetryPromptPart, ToolCallPart, ToolReturnPart } from './messages.js';

export interface TextPartDelta { partDeltaKind: 'text'; contentDelta: string }
export interface ToolCallPartDelta { partDeltaKind: 'tool_call'; toolNameDelta?: string; argsDelta?: string | Record<string, unknown>; toolCallId?: string }
export interface ThinkingPartDelta { partDeltaKind: 'thinking'; contentDelta?: string; signatureDelta?: string }
export type ModelResponsePartDelta = TextPartDelta | ToolCallPartDelta | ThinkingPartDelta;

/** A new part started at `index`. `part` holds its content so far. */
export interface PartStartEvent { eventKind: 'part_start'; index: number; part: ModelResponsePart }
/** The part at `index` changed by `delta`. */
export interface PartDeltaEvent { eventKind: 'part_delta'; index: number; delta: ModelResponsePartDelta }
/** The part at `index` is complete. */
export interface PartEndEvent { eventKind: 'part_end'; index: number; part: ModelResponsePart }
/** Events a model stream yields. */
export type ModelResponseStreamEvent = PartStartEvent | PartDeltaEvent | PartEndEvent;

/** The response being streamed has produced the final result (text, or an output tool call). */
export interface FinalResultEvent { eventKind: 'final_result'; toolName?: string; toolCallId?: string }
/** A function tool is about to be called. */
export interface FunctionToolCallEvent {
  eventKind: 'function_tool_call';
  part: ToolCallPart;
  /** Whether the arguments passed validation; `undefined` when not validated. */
  argsValid?: boolean;
}
/** An output tool call (the model's "final answer" call) is being handled. */
export interface OutputToolCallEvent {
  eventKind: 'output_tool_call';
  part: ToolCallPart;
  /** Whether the arguments passed validation; `undefined` when the call was skipped. */
  argsValid?: boolean;
}
/** The part sent back for an output tool call: a status `ToolReturnPart` or a `RetryPromptPart`. */
export interface OutputToolResultEvent { eventKind: 'output_tool_result'; result: ToolReturnPart | RetryPromptPart }
/** A function tool returned (`ToolReturnPart`) or asked for a retry (`RetryPromptPart`). */
export interface FunctionToolResultEvent { eventKind: 'function_tool_result'; result: ToolReturnPart | RetryPromptPart }
/** The run finished; `result` is the `AgentRunResult`. */
export interface AgentRunResultEvent<R = unknown> { eventKind: 'agent_run_result'; result: R }

/** Events of `CallToolsNode.stream`. */
export type HandleResponseEvent = FunctionToolCallEvent | FunctionToolResultEvent | OutputToolCallEvent | OutputToolResultEvent;
/** Events of `ModelRequestNode.stream`. */
export type AgentStreamEvent = ModelResponseStreamEvent | FinalResultEvent;
/** Everything `agent.runStreamEvents` yields. */
export type AgentEvent<R = unknown> = AgentStreamEvent | HandleResponseEvent | AgentRunResultEvent<R>;
