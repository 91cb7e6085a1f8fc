/**
 * Toolsets (pydantic-ai's `toolsets/abstract.py`): a collection of tools the agent can list per
 * run step and call. Function tools, external tools and every wrapper (filter, prefix, rename,
 * prepare, approval) are toolsets, combined into one per run.
 */
import type { ToolDefinition } from '../model.js';
import type { Validation } from '../output.js';
import type { RunContext } from '../run-context.js';

/** One tool as a toolset offers it for the current step (pydantic-ai's `ToolsetTool`). */
export interface ToolsetTool<Deps = any> {
  /** The toolset that answers `callTool` for this tool at this level. */
  readonly toolset: AbstractToolset<Deps>;
  /** The definition sent to the model (its `name` is the name the model calls). */
  readonly toolDef: ToolDefinition;
  /** Retries the model gets for this tool. */
  readonly maxRetries: number;
  /** Validates the parsed arguments (JSON object) before the call. */
  readonly validate: (args: unknown) => Validation<unknown>;
  /** The tool of the wrapped toolset this one stands for; `undefined` for a leaf tool. */
  readonly inner?: ToolsetTool<Deps>;
  /** Label of the leaf toolset that defines the tool, for error messages. */
  readonly sourceLabel: string;
}

/** A function of the run context and a tool definition deciding whether the tool is offered. */
export type ToolFilterFunc<Deps> = (ctx: RunContext<Deps>, toolDef: ToolDefinition) => boolean | Promise<boolean>;
/**
 * Prepares the tool definitions of one step (pydantic-ai's `ToolsPrepareFunc`): return the list
 * to offer (filtered or changed; names must stay); `[]` offers none.
 */
export type ToolsPrepareFunc<Deps> = (ctx: RunContext<Deps>, toolDefs: ToolDefinition[]) => ToolDefinition[] | undefined | Promise<ToolDefinition[] | undefined>;
/** Decides whether one call needs approval (pydantic-ai's `ApprovalRequiredToolset` function). */
export type ApprovalRequiredFunc<Deps> = (ctx: RunContext<Deps>, toolDef: ToolDefinition, args: Record<string, unknown>) => boolean | Promise<boolean>;

/** Passes any JSON object through unvalidated (external tools: the model's JSON schema is their only check). */
export function acceptAnyArgs(args: unknown): Validation<unknown> {
  return { ok: true, value: args };
}

/**
 * Base class of toolsets (pydantic-ai's `AbstractToolset`). Subclasses implement `getTools` and
 * `callTool`; `getInstructions` is optional.
 */
export abstract class AbstractToolset<Deps = any> {
  /** Identifies the toolset among an agent's toolsets (used in durable execution); `undefined`: none. */
  abstract readonly id: string | undefined;

  /** Name used in error messages, e.g. `FunctionToolset 'files'`. */
  get label(): string {
    const id = this.id;
    return id === undefined ? this.constructor.name : `${this.constructor.name} '${id}'`;
  }

  /** A hint for avoiding name conflicts, used in error messages. */
  get toolNameConflictHint(): string {
    return 'Rename the tool or wrap the toolset in a `PrefixedToolset` to avoid name conflicts.';
  }

  /**
   * True when `getTools` returns the same tools at every step of a run (no `prepare` functions,
   * no filters): the agent then lists them once per run. Default `false`.
   */
  get isStatic(): boolean {
    return false;
  }

  /**
   * Whether `getInstructions` may return anything; `false` lets the agent skip asking (a fast
   * path). Default `true`.
   */
  get hasInstructions(): boolean {
    return true;
  }

  /** Instructions for this toolset's tools, added to the agent's at every step. Default none. */
  getInstructions(_ctx: RunContext<Deps>): Promise<string | readonly string[] | undefined> | string | readonly string[] | undefined {
    return undefined;
  }

  /** The tools offered at this step, by the name the model calls. */
  abstract getTools(ctx: RunContext<Deps>): Promise<Map<string, ToolsetTool<Deps>>>;

  /**
   * Calls tool `name` with validated `args`; returns the result or a promise of it. May throw
   * (or reject with) `ModelRetry`, `ApprovalRequired` or `CallDeferred`.
   */
  abstract callTool(name: string, args: Record<string, unknown>, ctx: RunContext<Deps>, tool: ToolsetTool<Deps>): unknown;

  /** A toolset offering only the tools `filter` accepts at each step (pydantic-ai's `filtered`). */
  filtered(filter: ToolFilterFunc<Deps>): AbstractToolset<Deps> {
    return wrappers().filtered(this, filter);
  }
  /** A toolset whose tool names start with `${prefix}_` (pydantic-ai's `prefixed`). */
  prefixed(prefix: string): AbstractToolset<Deps> {
    return wrappers().prefixed(this, prefix);
  }
  /** A toolset renaming tools: `nameMap` maps new names to original names (pydantic-ai's `renamed`). */
  renamed(nameMap: Record<string, string>): AbstractToolset<Deps> {
    return wrappers().renamed(this, nameMap);
  }
  /** A toolset whose tool definitions pass through `prepare` at each step (pydantic-ai's `prepared`). */
  prepared(prepare: ToolsPrepareFunc<Deps>): AbstractToolset<Deps> {
    return wrappers().prepared(this, prepare);
  }
  /** A toolset whose calls need approval when `required` says so (default: every call). */
  approvalRequired(required?: ApprovalRequiredFunc<Deps>): AbstractToolset<Deps> {
    return wrappers().approvalRequired(this, required);
  }
  /** A toolset merging `metadata` into every tool definition's `metadata`. */
  withMetadata(metadata: Record<string, unknown>): AbstractToolset<Deps> {
    return wrappers().withMetadata(this, metadata);
  }

  /** Calls `visitor` on every leaf toolset. */
  apply(visitor: (toolset: AbstractToolset<Deps>) => void): void {
    visitor(this);
  }
}

/** @internal Factories of the wrapper toolsets, registered by `wrappers.ts` (avoids an import cycle). */
export interface WrapperFactories {
  filtered(t: AbstractToolset<any>, f: ToolFilterFunc<any>): AbstractToolset<any>;
  prefixed(t: AbstractToolset<any>, prefix: string): AbstractToolset<any>;
  renamed(t: AbstractToolset<any>, nameMap: Record<string, string>): AbstractToolset<any>;
  prepared(t: AbstractToolset<any>, f: ToolsPrepareFunc<any>): AbstractToolset<any>;
  approvalRequired(t: AbstractToolset<any>, f: ApprovalRequiredFunc<any> | undefined): AbstractToolset<any>;
  withMetadata(t: AbstractToolset<any>, metadata: Record<string, unknown>): AbstractToolset<any>;
}
let factories: WrapperFactories | undefined;
/** @internal */
export function registerWrapperFactories(f: WrapperFactories): void {
  factories = f;
}
function wrappers(): WrapperFactories {
  if (factories === undefined) throw new Error('rehearse: toolset wrappers were not loaded; import from the package entry point.');
  return factories;
}
