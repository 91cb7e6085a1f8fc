import type { ModelMessage } from './messages.js';
import type { Model } from './model.js';
import type { ModelSettings } from './settings.js';
import type { RunUsage } from './usage.js';
import type { UserContent } from './messages.js';

/**
 * What a tool, instructions function, system-prompt function or output validator sees of the
 * run (pydantic-ai's `RunContext`).
 */
export interface RunContext<Deps = undefined> {
  /** The dependencies passed to `run` (or set by `override`). */
  readonly deps: Deps;
  /** Usage of the run so far (live object). */
  readonly usage: RunUsage;
  /** Messages of the run so far, history included (live array; do not mutate). */
  readonly messages: readonly ModelMessage[];
  /** The user prompt of the run; `undefined` when the run continues a history without one. */
  readonly prompt: string | readonly UserContent[] | undefined;
  /** The model in use. */
  readonly model: Model;
  /** Model settings in force for the run. */
  readonly modelSettings: ModelSettings | undefined;
  /** Number of retries of the current tool (or output) so far; 0 on the first attempt. */
  readonly retry: number;
  /** Maximum retries allowed for the current tool (or output). */
  readonly maxRetries: number;
  /** Whether this is the last attempt: `retry === maxRetries` (pydantic-ai's `last_attempt`). */
  readonly lastAttempt: boolean;
  /** Name of the tool being called; `undefined` outside a tool call. */
  readonly toolName: string | undefined;
  /** Id of the tool call being handled; `undefined` outside a tool call. */
  readonly toolCallId: string | undefined;
  /** Number of model requests made so far in the run (1 during the first response's handling). */
  readonly runStep: number;
  /** The run's abort signal, if one was given. */
  readonly signal: AbortSignal | undefined;
  /** True while a tool call runs that a human approved (`DeferredToolResults.approvals`). */
  readonly toolCallApproved: boolean;
  /** Metadata given with the deferred result of the current call (`DeferredToolResults.metadata`). */
  readonly toolCallMetadata: Record<string, unknown> | undefined;
  /** Id of this run (a UUIDv7 unless given as `runId`); stamped on the run's messages. */
  readonly runId: string;
  /** Id of the conversation the run belongs to; stamped on the run's messages. */
  readonly conversationId: string;
  /** The run's metadata (agent's merged with the run's); `undefined` when none was given. */
  readonly metadata: Record<string, unknown> | undefined;
}
