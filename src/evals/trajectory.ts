/**
 * The recorded trajectory of an agent run: each model request and each tool call, in order.
 * `agentTask` records it on the case (attribute `trajectory`); the agentic evaluators read it.
 */

/** One model request of an agent run. */
export interface ModelRequestStep {
  kind: 'model-request';
  /** Model name reported by the response, if any. */
  modelName?: string;
  /** Wall time of the request step in milliseconds. */
  durationMs: number;
  inputTokens: number;
  outputTokens: number;
}

/** One tool call of an agent run. `error` is set (and `result` absent) when the call failed or asked for a retry. */
export interface ToolCallStep {
  kind: 'tool-call';
  toolName: string;
  toolCallId: string;
  /** Parsed arguments (an object), or the raw string when they are not valid JSON. */
  args: unknown;
  result?: unknown;
  error?: string;
  /** Wall time of the call in milliseconds (of the whole tool step when calls ran together). */
  durationMs: number;
}

export type TrajectoryStep = ModelRequestStep | ToolCallStep;

/** Name of the case attribute `agentTask` stores the trajectory under. */
export const TRAJECTORY_ATTRIBUTE = 'trajectory';

/** Reads a trajectory from case attributes; `undefined` when none was recorded. */
export function trajectoryFromAttributes(attributes: Record<string, unknown>): TrajectoryStep[] | undefined {
  const t = attributes[TRAJECTORY_ATTRIBUTE];
  if (!Array.isArray(t)) return undefined;
  return t.filter(
    (s): s is TrajectoryStep =>
      typeof s === 'object' && s !== null && ((s as TrajectoryStep).kind === 'tool-call' || (s as TrajectoryStep).kind === 'model-request'),
  );
}
