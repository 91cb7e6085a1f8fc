/**
 * Deferred tools (pydantic-ai's `_deferred.py` and `exceptions.py`): tool calls that need a
 * human's approval (`requiresApproval`, `ApprovalRequired`) or run outside the agent
 * (`ExternalToolset`, `CallDeferred`). A run that meets them ends with `DeferredToolRequests`
 * (when it is among the output types) and a later run continues with `DeferredToolResults`.
 */
import { ModelRetry, UserError } from './errors.js';
import type { RetryPromptPart, ToolCallPart } from './messages.js';

/** Per-call metadata, keyed by `toolCallId`. */
export type DeferredMetadata = Record<string, Record<string, unknown>>;

/**
 * Thrown from a tool (or a `beforeToolExecute` hook) to ask for a human's approval before the
 * call runs. The run then ends with the call in `DeferredToolRequests.approvals` (pydantic-ai's
 * `ApprovalRequired`). Once approved, the tool runs again with `ctx.toolCallApproved === true`.
 */
export class ApprovalRequired extends Error {
  override readonly name = 'ApprovalRequired' as const;
  /** Data attached to the pending call, found in `DeferredToolRequests.metadata[toolCallId]`. */
  readonly metadata: Record<string, unknown> | undefined;
  constructor(options: { metadata?: Record<string, unknown> } = {}) {
    super('The tool call requires approval');
    this.metadata = options.metadata;
  }
}

/**
 * Thrown from a tool to say its result will come from outside the run (a frontend, a worker).
 * The run ends with the call in `DeferredToolRequests.calls` (pydantic-ai's `CallDeferred`).
 */
export class CallDeferred extends Error {
  override readonly name = 'CallDeferred' as const;
  /** Data attached to the pending call, found in `DeferredToolRequests.metadata[toolCallId]`. */
  readonly metadata: Record<string, unknown> | undefined;
  constructor(options: { metadata?: Record<string, unknown> } = {}) {
    super('The tool call was deferred');
    this.metadata = options.metadata;
  }
}

/** An approval: run the tool, optionally with other arguments (pydantic-ai's `ToolApproved`). */
export class ToolApproved {
  readonly kind = 'tool-approved' as const;
  /** Arguments to use instead of the model's; `undefined` keeps the model's. */
  readonly overrideArgs: Record<string, unknown> | undefined;
  constructor(options: { overrideArgs?: Record<string, unknown> } = {}) {
    this.overrideArgs = options.overrideArgs;
  }
}

/** A denial: the tool does not run and `message` goes to the model (pydantic-ai's `ToolDenied`). */
export class ToolDenied {
  readonly kind = 'tool-denied' as const;
  /** Sent to the model as the tool's result. Default pydantic-ai's `'The tool call was denied.'`. */
  readonly message: string;
  /** `new ToolDenied(message?)` or `new ToolDenied({ message? })` (pydantic-ai's keyword form). */
  constructor(message: string | { message?: string } = 'The tool call was denied.') {
    this.message = typeof message === 'string' ? message : (message.message ?? 'The tool call was denied.');
  }
}

/** What an approval may be: `true` (approve), `false` (deny with the default message), or the classes. */
export type DeferredToolApprovalResult = boolean | ToolApproved | ToolDenied;

/**
 * Results for the deferred calls of an earlier run, keyed by `toolCallId`
 * (pydantic-ai's `DeferredToolResults`). Pass as `deferredToolResults` with that run's messages.
 */
export class DeferredToolResults {
  /** External results: any value (the tool's result) or a `ModelRetry` (the model is asked to retry). */
  readonly calls: Record<string, unknown>;
  /** Approvals and denials. */
  readonly approvals: Record<string, DeferredToolApprovalResult>;
  /** Metadata given to the approved tool as `ctx.toolCallMetadata`. */
  readonly metadata: DeferredMetadata;
  constructor(init: { calls?: Record<string, unknown>; approvals?: Record<string, DeferredToolApprovalResult>; metadata?: DeferredMetadata } = {}) {
    this.calls = { ...init.calls };
    this.approvals = { ...init.approvals };
    this.metadata = { ...init.metadata };
  }

  /** Copies the entries of `other` into this one. */
  update(other: DeferredToolResults): void {
    Object.assign(this.calls, other.calls);
    Object.assign(this.approvals, other.approvals);
    Object.assign(this.metadata, other.metadata);
  }

  /** @internal Per-call results: approvals normalised to `ToolApproved`/`ToolDenied`, external values wrapped. */
  toToolCallResults(): Map<string, DeferredToolResult> {
    const out = new Map<string, DeferredToolResult>();
    for (const [id, a] of Object.entries(this.approvals)) {
      out.set(id, a === true ? new ToolApproved() : a === false ? new ToolDenied() : a);
    }
    for (const [id, v] of Object.entries(this.calls)) {
      out.set(
        id,
        v instanceof ModelRetry
          ? { kind: 'model-retry', error: v }
          : isRetryPromptPart(v)
            ? { kind: 'retry-prompt', content: v.content }
            : { kind: 'tool-return', value: v },
      );
    }
    return out;
  }
}

/** A `RetryPromptPart` given as an external result (its tool name and call id are taken from the call). */
function isRetryPromptPart(v: unknown): v is RetryPromptPart {
  return typeof v === 'object' && v !== null && (v as { partKind?: unknown }).partKind === 'retry-prompt';
}

/** @internal One normalised deferred result. */
export type DeferredToolResult =
  | ToolApproved
  | ToolDenied
  | { kind: 'tool-return'; value: unknown }
  | { kind: 'model-retry'; error: ModelRetry }
  | { kind: 'retry-prompt'; content: RetryPromptPart['content'] };

/**
 * The calls a run could not finish: `approvals` wait for a human, `calls` for an external result
 * (pydantic-ai's `DeferredToolRequests`). Put the class itself in `outputType`
 * (`outputType: [z.string(), DeferredToolRequests]`) to let a run end with it.
 */
export class DeferredToolRequests {
  /** Calls that run outside the agent (external tools, `CallDeferred`). */
  readonly calls: ToolCallPart[];
  /** Calls that need approval (`requiresApproval`, `ApprovalRequired`, `ApprovalRequiredToolset`). */
  readonly approvals: ToolCallPart[];
  /** Metadata attached by `ApprovalRequired`/`CallDeferred`, keyed by `toolCallId`. */
  readonly metadata: DeferredMetadata;
  constructor(init: { calls?: ToolCallPart[]; approvals?: ToolCallPart[]; metadata?: DeferredMetadata } = {}) {
    this.calls = init.calls ?? [];
    this.approvals = init.approvals ?? [];
    this.metadata = init.metadata ?? {};
  }

  /**
   * Builds the `DeferredToolResults` answering these requests.
   * `approveAll` approves every approval not listed in `approvals`.
   * @throws UserError when a key of `approvals`/`calls` is not a pending call of that kind.
   */
  buildResults(
    options: { approvals?: Record<string, DeferredToolApprovalResult>; calls?: Record<string, unknown>; metadata?: DeferredMetadata; approveAll?: boolean } = {},
  ): DeferredToolResults {
    const approvals = { ...options.approvals };
    const calls = { ...options.calls };
    const approvalIds = new Set(this.approvals.map((c) => c.toolCallId));
    const callIds = new Set(this.calls.map((c) => c.toolCallId));
    const extraApprovals = Object.keys(approvals).filter((id) => !approvalIds.has(id)).sort();
    if (extraApprovals.length > 0) {
      throw new UserError(`\`approvals\` contains tool call IDs not in this DeferredToolRequests.approvals: ${JSON.stringify(extraApprovals)}`);
    }
    const extraCalls = Object.keys(calls).filter((id) => !callIds.has(id)).sort();
    if (extraCalls.length > 0) {
      throw new UserError(`\`calls\` contains tool call IDs not in this DeferredToolRequests.calls: ${JSON.stringify(extraCalls)}`);
    }
    if (options.approveAll) for (const id of approvalIds) if (!(id in approvals)) approvals[id] = new ToolApproved();
    return new DeferredToolResults({ approvals, calls, metadata: options.metadata ?? {} });
  }

  /** The requests `results` leaves unanswered; `undefined` when none is left. */
  remaining(results: DeferredToolResults): DeferredToolRequests | undefined {
    const done = (id: string) => id in results.approvals || id in results.calls;
    const r = new DeferredToolRequests({
      calls: this.calls.filter((c) => !done(c.toolCallId)),
      approvals: this.approvals.filter((c) => !done(c.toolCallId)),
      metadata: Object.fromEntries(Object.entries(this.metadata).filter(([id]) => !done(id))),
    });
    return r.calls.length > 0 || r.approvals.length > 0 ? r : undefined;
  }
}
