/**
 * Function tools: a zod object schema for the arguments and an `execute` function
 * (pydantic-ai's `Tool`).
 */
import type { z } from 'zod';
import { UserError } from './errors.js';
import { isZodSchema, preloadZod, rejectZod3Schema, zodToJsonSchema, zodTypeName } from './zod-peer.js';
import type { JsonSchema, ToolDefinition } from './model.js';
import type { RunContext } from './run-context.js';

/** Any zod object schema usable as tool parameters. */
export type ToolParameters = z.ZodObject<z.ZodRawShape>;

/** Options of `tool()`. */
export interface ToolOptions<Deps, P extends ToolParameters, R> {
  /** Name the model calls the tool by: letters, digits, `_` and `-`, at most 64 characters. */
  name: string;
  /** Description sent to the model. Default: the schema's `.describe()` text, else none. */
  description?: string;
  /** Zod object schema of the arguments; its JSON schema (`z.toJSONSchema`) is sent to the model. */
  parameters: P;
  /** Runs the tool. May throw `ModelRetry` to ask the model to call it again differently. */
  execute: (args: z.output<P>, ctx: RunContext<Deps>) => R | Promise<R>;
  /** How many times the model may retry this tool after a failure. Default: the agent's `retries`. */
  retries?: number;
  /** Whether to ask the provider to enforce the schema strictly (OpenAI `strict`). `undefined`: provider decides. */
  strict?: boolean;
  /**
   * Whether every call needs a human's approval first (pydantic-ai's `requires_approval`): the
   * run ends with the call in `DeferredToolRequests.approvals`. Default `false`.
   */
  requiresApproval?: boolean;
  /**
   * Prepares the definition at each step (pydantic-ai's `ToolPrepareFunc`): return it (changed
   * or not), or `undefined` to leave the tool out of this step.
   */
  prepare?: ToolPrepareFunc<Deps>;
  /** Data kept with the definition and never sent to models. */
  metadata?: Record<string, unknown>;
}

/** Prepares one tool's definition for a step; `undefined` omits the tool (pydantic-ai's `ToolPrepareFunc`). */
export type ToolPrepareFunc<Deps> = (ctx: RunContext<Deps>, toolDef: ToolDefinition) => ToolDefinition | undefined | Promise<ToolDefinition | undefined>;

/**
 * A function tool registered on an agent. `R` is what `execute` resolves to: used when the tool
 * is an output function (`outputType: tool(...)`).
 */
export interface Tool<Deps = any, R = unknown> {
  readonly kind: 'function-tool';
  readonly name: string;
  readonly description: string | undefined;
  readonly parameters: ToolParameters;
  readonly retries: number | undefined;
  readonly strict: boolean | undefined;
  /** The tool definition sent to models (computed once). */
  readonly definition: ToolDefinition;
  readonly execute: (args: any, ctx: RunContext<Deps>) => R | Promise<R>;
  readonly requiresApproval: boolean;
  readonly prepare: ToolPrepareFunc<Deps> | undefined;
  readonly metadata: Record<string, unknown> | undefined;
}

const TOOL_NAME_RE = /^[a-zA-Z0-9_-]{1,64}$/;

/** Removes properties that have a `default` from `required`, at every depth (in place). */
function defaultsNotRequired(node: unknown): void {
  if (Array.isArray(node)) {
    for (const n of node) defaultsNotRequired(n);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  const props = o['properties'] as Record<string, Record<string, unknown>> | undefined;
  if (props !== undefined && Array.isArray(o['required'])) {
    o['required'] = (o['required'] as string[]).filter((k) => props[k]?.['default'] === undefined);
  }
  for (const v of Object.values(o)) defaultsNotRequired(v);
}

/**
 * JSON schema of a zod schema as sent to models: `z.toJSONSchema` without the `$schema` key,
 * and a property with a default (`.default(…)`) not `required` — the model may leave it out,
 * as in pydantic's schema of a parameter with a default.
 */
export function toModelJsonSchema(schema: z.ZodType): JsonSchema {
  const js = zodToJsonSchema(schema, { unrepresentable: 'any' });
  delete js['$schema'];
  defaultsNotRequired(js);
  return js as JsonSchema;
}

/**
 * Builds a function tool.
 * @throws UserError when the name is not a valid identifier or `parameters` is not a zod object.
 */
export function tool<Deps = any, P extends ToolParameters = ToolParameters, R = unknown>(options: ToolOptions<Deps, P, R>): Tool<Deps, Awaited<R>> {
  if (!TOOL_NAME_RE.test(options.name)) {
    throw new UserError(
      `Tool name ${JSON.stringify(options.name)} is not valid: use 1-64 letters, digits, '_' or '-' (e.g. 'get_weather').`,
    );
  }
  rejectZod3Schema(options.parameters, `tool '${options.name}' parameters`);
  if (!isZodSchema(options.parameters) || zodTypeName(options.parameters) !== 'object') {
    throw new UserError(`Tool '${options.name}': 'parameters' must be a zod object schema, e.g. z.object({ city: z.string() }).`);
  }
  preloadZod();
  const description = options.description ?? options.parameters.description;
  const definition: ToolDefinition = {
    name: options.name,
    parametersJsonSchema: toModelJsonSchema(options.parameters),
    kind: 'function',
  };
  if (description !== undefined) definition.description = description;
  if (options.strict !== undefined) definition.strict = options.strict;
  if (options.requiresApproval) definition.kind = 'unapproved';
  if (options.metadata !== undefined) definition.metadata = options.metadata;
  return {
    kind: 'function-tool',
    name: options.name,
    description,
    parameters: options.parameters,
    retries: options.retries,
    strict: options.strict,
    definition,
    execute: options.execute as Tool<Deps, Awaited<R>>['execute'],
    requiresApproval: options.requiresApproval ?? false,
    prepare: options.prepare,
    metadata: options.metadata,
  };
}
