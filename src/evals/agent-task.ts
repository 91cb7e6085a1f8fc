/**
 * `agentTask`: turns an agent into an eval task that records its trajectory (each model request
 * and each tool call, in order) by driving the agent's graph with `iter`.
 */
import {
  FINAL_RESULT_PROCESSED,
  OUTPUT_TOOL_NOT_USED,
  TOOL_NOT_EXECUTED,
  isCallToolsNode,
  isModelRequestNode,
  retryPromptText,
  type Agent,
  type AgentNode,
  type ModelMessage,
  type ModelResponse,
  type RunOptions,
  type ToolCallPart,
  type UserContent,
} from '../runtime/index.js';
import type { Task } from './runner.js';
import { currentTaskRun } from './task-run.js';
import { TRAJECTORY_ATTRIBUTE, type ToolCallStep, type TrajectoryStep } from './trajectory.js';

/** Options of `agentTask`: how to build the prompt, plus the agent's run options. */
export type AgentTaskOptions<I, Deps, Output> = RunOptions<Deps, Output> & {
  /** Builds the user prompt from the case inputs. */
  prompt: (inputs: I) => string | readonly UserContent[];
  /** Per-case run options, merged over the static ones (e.g. `deps` built from the inputs). */
  runOptions?: (inputs: I) => RunOptions<Deps, Output>;
  /** Task name in reports and spans; default `agent.name`. */
  name?: string;
};

const OUTPUT_TOOL_RETURNS = new Set([FINAL_RESULT_PROCESSED, OUTPUT_TOOL_NOT_USED]);

function parseArgs(call: ToolCallPart): unknown {
  if (typeof call.args !== 'string') return call.args;
  try {
    return JSON.parse(call.args) as unknown;
  } catch {
    return call.args;
  }
}

/**
 * Builds the trajectory of a run from its messages: a `model-request` step per response and a
 * `tool-call` step per function tool call (output-tool calls and calls skipped after a final
 * result are left out). `durationMs` of model requests and tool steps come from the maps, else 0.
 */
export function trajectoryFromMessages(
  messages: readonly ModelMessage[],
  timing: { requestMs?: ReadonlyMap<ModelResponse, number>; toolsMs?: ReadonlyMap<ModelResponse, number> } = {},
): TrajectoryStep[] {
  const returns = new Map<string, { result?: unknown; error?: string; toolName?: string; skipped?: boolean }>();
  const outputTools = new Set<string>();
  for (const m of messages) {
    if (m.kind !== 'request') continue;
    for (const p of m.parts) {
      if (p.partKind === 'tool-return') {
        const content = p.content;
        if (typeof content === 'string' && OUTPUT_TOOL_RETURNS.has(content)) outputTools.add(p.toolName);
        returns.set(p.toolCallId, typeof content === 'string' && (OUTPUT_TOOL_RETURNS.has(content) || content === TOOL_NOT_EXECUTED) ? { skipped: true } : { result: content });
      } else if (p.partKind === 'retry-prompt' && p.toolName !== undefined) {
        returns.set(p.toolCallId, { error: typeof p.content === 'string' ? p.content : retryPromptText(p), toolName: p.toolName });
      }
    }
  }
  const isOutputTool = (name: string) => outputTools.has(name) || /^final_result(_|$)/.test(name);
  const steps: TrajectoryStep[] = [];
  for (const m of messages) {
    if (m.kind !== 'response') continue;
    steps.push({
      kind: 'model-request',
      ...(m.modelName === undefined ? {} : { modelName: m.modelName }),
      durationMs: timing.requestMs?.get(m) ?? 0,
      inputTokens: m.usage.inputTokens,
      outputTokens: m.usage.outputTokens,
    });
    for (const p of m.parts) {
      if (p.partKind !== 'tool-call' || isOutputTool(p.toolName)) continue;
      const r = returns.get(p.toolCallId);
      if (r?.skipped) continue;
      const step: ToolCallStep = { kind: 'tool-call', toolName: p.toolName, toolCallId: p.toolCallId, args: parseArgs(p), durationMs: timing.toolsMs?.get(m) ?? 0 };
      if (r === undefined) step.error = 'no result: the run ended before the tool returned';
      else if (r.error !== undefined) step.error = r.error;
      else step.result = r.result;
      steps.push(step);
    }
  }
  return steps;
}

/**
 * Turns an agent into a task: runs `agent.iter(prompt(inputs), runOptions)` to the end and
 * returns the output. On the case it records the trajectory (attribute `trajectory`, read by the
 * agentic evaluators and shown by `render({ includeTrajectory: true })`) and the run's usage as
 * metrics `requests`, `input_tokens`, `output_tokens`, `tool_calls` — each only when the spans
 * did not report it already (an instrumented agent's `chat` spans do), so nothing counts twice. Tool-call `durationMs` is
 * the duration of the tool step that ran it (calls of one response run together). A failing run
 * still records what happened before the error, then rethrows.
 */
export function agentTask<I, Deps, Output>(agent: Agent<Deps, Output>, options: AgentTaskOptions<I, Deps, Output>): Task<I, Output> {
  const { prompt, runOptions, name, ...staticOptions } = options;
  const taskName = name ?? agent.name;
  const task = async (inputs: I): Promise<Output> => {
    const run = agent.iter<Output>(prompt(inputs), { ...(staticOptions as RunOptions<Deps, Output>), ...(runOptions?.(inputs) ?? {}) });
    const requestMs = new Map<ModelResponse, number>();
    const toolsMs = new Map<ModelResponse, number>();
    let prev: AgentNode<Output> | undefined;
    let t = performance.now();
    const close = () => {
      const now = performance.now();
      if (prev && isModelRequestNode(prev) && prev.response) requestMs.set(prev.response, now - t);
      else if (prev && isCallToolsNode(prev)) toolsMs.set(prev.modelResponse, now - t);
      t = now;
    };
    const record = () => {
      const taskRun = currentTaskRun();
      if (!taskRun) return;
      const steps = trajectoryFromMessages(run.newMessages(), { requestMs, toolsMs });
      const existing = taskRun.attributes[TRAJECTORY_ATTRIBUTE];
      taskRun.recordAttribute(TRAJECTORY_ATTRIBUTE, Array.isArray(existing) ? [...(existing as TrajectoryStep[]), ...steps] : steps);
      const usage = run.usage();
      // fallbacks: the chat spans report these when the agent is instrumented
      taskRun.incrementFallbackMetric('requests', usage.requests);
      taskRun.incrementFallbackMetric('input_tokens', usage.inputTokens);
      taskRun.incrementFallbackMetric('output_tokens', usage.outputTokens);
      taskRun.incrementFallbackMetric('tool_calls', usage.toolCalls);
    };
    try {
      for await (const node of run) {
        close();
        prev = node;
      }
    } catch (error) {
      close();
      record();
      throw error;
    }
    record();
    const result = run.result;
    if (!result) throw new Error(`agentTask: the run of '${agent.name}' ended without a result`);
    return result.output;
  };
  Object.defineProperty(task, 'name', { value: taskName });
  return task;
}
