/**
 * Wrapper toolsets (pydantic-ai's `toolsets/wrapper.py`, `filtered.py`, `prefixed.py`,
 * `renamed.py`, `prepared.py`, `approval_required.py`, `set_metadata.py`): each changes what
 * one inner toolset offers or how its calls run.
 */
import { ApprovalRequired } from '../deferred.js';
import { UserError } from '../errors.js';
import type { ToolDefinition } from '../model.js';
import type { RunContext } from '../run-context.js';
import { AbstractToolset, registerWrapperFactories } from './abstract.js';
import type { ApprovalRequiredFunc, ToolFilterFunc, ToolsetTool, ToolsPrepareFunc } from './abstract.js';

/**
 * Delegates everything to `wrapped` (pydantic-ai's `WrapperToolset`). Subclass it and override
 * `getTools` / `callTool` to change behaviour, e.g. to log calls.
 */
export class WrapperToolset<Deps = any> extends AbstractToolset<Deps> {
  constructor(readonly wrapped: AbstractToolset<Deps>) {
    super();
  }
  get id(): string | undefined {
    return undefined;
  }
  override get label(): string {
    return `${this.constructor.name}(${this.wrapped.label})`;
  }
  override get isStatic(): boolean {
    return this.wrapped.isStatic;
  }
  override get hasInstructions(): boolean {
    return this.wrapped.hasInstructions;
  }
  override getInstructions(ctx: RunContext<Deps>): ReturnType<AbstractToolset<Deps>['getInstructions']> {
    return this.wrapped.getInstructions(ctx);
  }
  /** Lists the wrapped tools; each keeps a link to the wrapped tool for `callTool`. */
  async getTools(ctx: RunContext<Deps>): Promise<Map<string, ToolsetTool<Deps>>> {
    const inner = await this.wrapped.getTools(ctx);
    const out = new Map<string, ToolsetTool<Deps>>();
    for (const [name, tool] of inner) out.set(name, this.wrapTool(tool, tool.toolDef));
    return out;
  }
  callTool(name: string, args: Record<string, unknown>, ctx: RunContext<Deps>, tool: ToolsetTool<Deps>): unknown {
    return this.wrapped.callTool(name, args, ctx, tool.inner ?? tool);
  }
  override apply(visitor: (toolset: AbstractToolset<Deps>) => void): void {
    this.wrapped.apply(visitor);
  }
  /** A tool of this toolset standing for `tool` of the wrapped one, with definition `def`. */
  protected wrapTool(tool: ToolsetTool<Deps>, def: ToolDefinition): ToolsetTool<Deps> {
    return { ...tool, toolset: this, toolDef: def, inner: tool };
  }
}

/** Offers only the tools `filter` accepts (pydantic-ai's `FilteredToolset`). */
export class FilteredToolset<Deps = any> extends WrapperToolset<Deps> {
  constructor(wrapped: AbstractToolset<Deps>, readonly filter: ToolFilterFunc<Deps>) {
    super(wrapped);
  }
  override get isStatic(): boolean {
    return false;
  }
  override async getTools(ctx: RunContext<Deps>): Promise<Map<string, ToolsetTool<Deps>>> {
    const out = new Map<string, ToolsetTool<Deps>>();
    for (const [name, tool] of await this.wrapped.getTools(ctx)) {
      if (await this.filter(ctx, tool.toolDef)) out.set(name, this.wrapTool(tool, tool.toolDef));
    }
    return out;
  }
}

/** Names every tool `${prefix}_${name}` (pydantic-ai's `PrefixedToolset`). */
export class PrefixedToolset<Deps = any> extends WrapperToolset<Deps> {
  constructor(wrapped: AbstractToolset<Deps>, readonly prefix: string) {
    super(wrapped);
  }
  override get toolNameConflictHint(): string {
    return 'Change the `prefix` attribute to avoid name conflicts.';
  }
  override async getTools(ctx: RunContext<Deps>): Promise<Map<string, ToolsetTool<Deps>>> {
    const out = new Map<string, ToolsetTool<Deps>>();
    for (const [name, tool] of await this.wrapped.getTools(ctx)) {
      const newName = `${this.prefix}_${name}`;
      out.set(newName, this.wrapTool(tool, { ...tool.toolDef, name: newName }));
    }
    return out;
  }
  override callTool(name: string, args: Record<string, unknown>, ctx: RunContext<Deps>, tool: ToolsetTool<Deps>): unknown {
    return this.wrapped.callTool(name.slice(this.prefix.length + 1), args, ctx, tool.inner ?? tool);
  }
}

/** Renames tools: `nameMap` maps new names to original names (pydantic-ai's `RenamedToolset`). */
export class RenamedToolset<Deps = any> extends WrapperToolset<Deps> {
  private readonly reverse: Map<string, string>;
  constructor(wrapped: AbstractToolset<Deps>, readonly nameMap: Record<string, string>) {
    super(wrapped);
    this.reverse = new Map(Object.entries(nameMap).map(([n, o]) => [o, n]));
  }
  override async getTools(ctx: RunContext<Deps>): Promise<Map<string, ToolsetTool<Deps>>> {
    const out = new Map<string, ToolsetTool<Deps>>();
    for (const [name, tool] of await this.wrapped.getTools(ctx)) {
      const newName = this.reverse.get(name);
      if (newName === undefined) out.set(name, this.wrapTool(tool, tool.toolDef));
      else out.set(newName, this.wrapTool(tool, { ...tool.toolDef, name: newName }));
    }
    return out;
  }
  override callTool(name: string, args: Record<string, unknown>, ctx: RunContext<Deps>, tool: ToolsetTool<Deps>): unknown {
    return this.wrapped.callTool(this.nameMap[name] ?? name, args, ctx, tool.inner ?? tool);
  }
}

/**
 * Passes the step's tool definitions through `prepare` (pydantic-ai's `PreparedToolset`): it
 * may drop or change definitions, not rename or add them.
 */
export class PreparedToolset<Deps = any> extends WrapperToolset<Deps> {
  constructor(wrapped: AbstractToolset<Deps>, readonly prepare: ToolsPrepareFunc<Deps>) {
    super(wrapped);
  }
  override get isStatic(): boolean {
    return false;
  }
  /** @throws UserError when `prepare` renames or adds a tool, or returns `undefined`. */
  override async getTools(ctx: RunContext<Deps>): Promise<Map<string, ToolsetTool<Deps>>> {
    const inner = await this.wrapped.getTools(ctx);
    const defs = await this.prepare(ctx, [...inner.values()].map((t) => ({ ...t.toolDef })));
    if (defs === undefined || defs === null) {
      throw new UserError(`Prepare function '${this.prepare.name || 'anonymous'}' returned \`undefined\`; return [] to offer no tools.`);
    }
    const out = new Map<string, ToolsetTool<Deps>>();
    for (const def of defs) {
      const tool = inner.get(def.name);
      if (tool === undefined) {
        throw new UserError('Prepare function cannot add or rename tools. Use `FunctionToolset.addTool()` or `RenamedToolset` instead.');
      }
      out.set(def.name, this.wrapTool(tool, def));
    }
    return out;
  }
}

/**
 * Makes calls need approval when `required(ctx, toolDef, args)` says so (default: always), unless
 * the call was already approved (pydantic-ai's `ApprovalRequiredToolset`).
 */
export class ApprovalRequiredToolset<Deps = any> extends WrapperToolset<Deps> {
  readonly required: ApprovalRequiredFunc<Deps>;
  constructor(wrapped: AbstractToolset<Deps>, required?: ApprovalRequiredFunc<Deps>) {
    super(wrapped);
    this.required = required ?? (() => true);
  }
  /** @throws ApprovalRequired when the call needs approval and has none yet. */
  override async callTool(name: string, args: Record<string, unknown>, ctx: RunContext<Deps>, tool: ToolsetTool<Deps>): Promise<unknown> {
    if (!ctx.toolCallApproved && (await this.required(ctx, tool.toolDef, args))) throw new ApprovalRequired();
    return super.callTool(name, args, ctx, tool);
  }
}

/** Merges `metadata` into every tool definition's `metadata` (pydantic-ai's `SetMetadataToolset`). */
export class SetMetadataToolset<Deps = any> extends WrapperToolset<Deps> {
  constructor(wrapped: AbstractToolset<Deps>, readonly metadata: Record<string, unknown>) {
    super(wrapped);
  }
  override async getTools(ctx: RunContext<Deps>): Promise<Map<string, ToolsetTool<Deps>>> {
    const out = new Map<string, ToolsetTool<Deps>>();
    for (const [name, tool] of await this.wrapped.getTools(ctx)) {
      out.set(name, this.wrapTool(tool, { ...tool.toolDef, metadata: { ...tool.toolDef.metadata, ...this.metadata } }));
    }
    return out;
  }
}

registerWrapperFactories({
  filtered: (t, f) => new FilteredToolset(t, f),
  prefixed: (t, p) => new PrefixedToolset(t, p),
  renamed: (t, m) => new RenamedToolset(t, m),
  prepared: (t, f) => new PreparedToolset(t, f),
  approvalRequired: (t, f) => new ApprovalRequiredToolset(t, f),
  withMetadata: (t, m) => new SetMetadataToolset(t, m),
});
