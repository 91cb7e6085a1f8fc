/**
 * Error classes for rehearse. Each has a literal `name` and structured fields, following
 * pydantic-ai's `exceptions.py` family: developer mistakes (`UserError`), run failures
 * (`AgentRunError` and subclasses) and control flow (`ModelRetry`).
 */

/** A mistake in how rehearse is used: fix the calling code. */
export class UserError extends Error {
  override readonly name = 'UserError' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Thrown by a tool or an output validator to ask the model to try again. The message is sent
 * back to the model in a `RetryPromptPart`.
 */
export class ModelRetry extends Error {
  override readonly name = 'ModelRetry' as const;
  constructor(message: string) {
    super(message);
  }
}

/** Base class of errors that end an agent run. */
export class AgentRunError extends Error {
  override readonly name: string = 'AgentRunError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * A usage limit would be or was exceeded. `limit` names the `UsageLimits` field, `value` the
 * count that passed it, `max` the configured maximum.
 */
export class UsageLimitExceeded extends AgentRunError {
  override readonly name = 'UsageLimitExceeded' as const;
  readonly limit: string;
  readonly value: number;
  readonly max: number;
  constructor(args: { limit: string; value: number; max: number; message?: string }) {
    super(args.message ?? `Exceeded the ${args.limit} of ${args.max} (${args.limit.replace(/Limit$/, '')}=${args.value})`);
    this.limit = args.limit;
    this.value = args.value;
    this.max = args.max;
  }
}

/** The model behaved in a way the agent cannot handle, e.g. retries were exhausted. */
export class UnexpectedModelBehavior extends AgentRunError {
  override readonly name: 'UnexpectedModelBehavior' | 'IncompleteToolCall' = 'UnexpectedModelBehavior';
  /** The response body or message content that triggered the error, if any. */
  readonly body: string | undefined;
  constructor(message: string, options?: { body?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.body = options?.body;
  }
}

/**
 * The model hit its token limit (`finishReason: 'length'`) while writing a tool call, so the
 * call's arguments are incomplete JSON (pydantic-ai's `IncompleteToolCall`).
 */
export class IncompleteToolCall extends UnexpectedModelBehavior {
  override readonly name = 'IncompleteToolCall' as const;
}

/** A request to the model's API failed without an HTTP response (network, timeout). */
export class ModelAPIError extends AgentRunError {
  override readonly name: string = 'ModelAPIError';
  readonly modelName: string;
  constructor(args: { modelName: string; message: string; cause?: unknown }) {
    super(args.message, args.cause === undefined ? undefined : { cause: args.cause });
    this.modelName = args.modelName;
  }
}

/** The model's API answered with an HTTP error status (4xx or 5xx). */
export class ModelHTTPError extends ModelAPIError {
  override readonly name = 'ModelHTTPError' as const;
  /** HTTP status code of the response. */
  readonly statusCode: number;
  /** Parsed JSON body of the error response, or its text; `undefined` when there was none. */
  readonly body: unknown;
  constructor(args: { statusCode: number; modelName: string; body?: unknown; message?: string; cause?: unknown }) {
    super({
      modelName: args.modelName,
      message:
        args.message ??
        `status_code: ${args.statusCode}, model_name: ${args.modelName}, body: ${
          typeof args.body === 'string' ? args.body : JSON.stringify(args.body)
        }`,
      cause: args.cause,
    });
    this.statusCode = args.statusCode;
    this.body = args.body;
  }
}

/**
 * A real model request was attempted while model requests are disallowed
 * (`setAllowModelRequests(false)` or `REHEARSE_ALLOW_MODEL_REQUESTS=false`).
 */
export class ModelRequestsDisallowed extends Error {
  override readonly name = 'ModelRequestsDisallowed' as const;
  readonly modelName: string;
  /** What was recording the request (e.g. a cassette), when one was: recording needs real requests. */
  readonly recordingBy: string | undefined;
  constructor(modelName: string, options?: { recordingBy?: string }) {
    const recordingBy = options?.recordingBy;
    super(
      recordingBy === undefined
        ? `Model requests are not allowed here, but a request to '${modelName}' was attempted. ` +
            'Use TestModel, FunctionModel or a cassette, or call setAllowModelRequests(true) to allow real requests.'
        : `Model requests are not allowed here, but a request to '${modelName}' was attempted while ${recordingBy} records it, ` +
            'and recording sends real requests. Allow them while you record (setAllowModelRequests(true), or ' +
            'withAllowModelRequests(true, fn) around the recording); replaying the recorded cassette needs no permission.',
    );
    this.modelName = modelName;
    this.recordingBy = recordingBy;
  }
}

/** Exhaustiveness helper for switches over tagged unions. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unexpected ${what}: ${JSON.stringify(value)}`);
}
