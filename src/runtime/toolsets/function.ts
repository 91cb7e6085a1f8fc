/**
 * `FunctionToolset` (pydantic-ai's `toolsets/function.py`): tools made with `tool()`, with
 * optional per-toolset instructions, retries, approval and metadata defaults.
 */
import { UserError } from '../errors.js';
import type { ToolDefinition } from '../model.js';
import { validateWithSchema } from '../output.js';
import type { RunContext } from '../run-context.js';
import { tool as makeTool } from '../tools.js';
import type { Tool, ToolOptions } from '../tools.js';
import { AbstractToolset } from './abstract.js';
import type { ToolsetTool } from './abstract.js';

/** An instruction: a string, or a function of the run context returning one (or nothing). */
export type ToolsetInstructions<Deps> = string | ((ctx: RunContext<Deps>) => string | undefined | Promise<string | undefined>);

/** Options of `FunctionToolset`. */
export interface FunctionToolsetOptions<Deps> {
  /** Identifies the toolset among the agent's toolsets. Default none. */
  id?: string;
  /** Retries for tools that set none. Default: the agent's `retries`. */
  maxRetries?: number;
  /** Every tool of this toolset needs approval. Default `false`. */
  requiresApproval?: boolean;
  /** Metadata merged under each tool's own `metadata`. */
  metadata?: Record<string, unknown>;
  /** Instructions about these tools, added to the agent's at every step while the toolset is in use. */
  instructions?: ToolsetInstructions<Deps> | readonly ToolsetInstructions<Deps>[];
}

/** A toolset of function tools (pydantic-ai's `FunctionToolset`). */
export class FunctionToolset<Deps = any> extends AbstractToolset<Deps> {
  readonly id: string | undefined;
  /** The tools, by name (in insertion order). */
  readonly tools = new Map<string, Tool<Deps>>();
  private readonly maxRetries: number | undefined;
  private readonly requiresApproval: boolean;
  private readonly metadata: Record<string, unknown> | undefined;
  private readonly instructions: ToolsetInstructions<Deps>[];
  private hasPrepare = false;
  private cache: { maxRetries: number; tools: Map<string, ToolsetTool<Deps>> } | undefined;

  /** @throws UserError when two tools share a name. */
  /** `tools`: made with `tool({...})`, or the options `tool()` takes (made into tools here). */
  constructor(tools: readonly (Tool<Deps, any> | ToolOptions<Deps, any, any>)[] = [], options: FunctionToolsetOptions<Deps> = {}) {
    super();
    this.id = options.id;
    this.maxRetries = options.maxRetries;
    this.requiresApproval = options.requiresApproval ?? false;
    this.metadata = options.metadata;
    const ins = options.instructions;
    this.instructions = ins === undefined ? [] : Array.isArray(ins) ? [...(ins as readonly ToolsetInstructions<Deps>[])] : [ins as ToolsetInstructions<Deps>];
    for (const t of tools) this.addTool(t);
  }

  override get isStatic(): boolean {
    return !this.hasPrepare;
  }

  override get hasInstructions(): boolean {
    return this.instructions.length > 0;
  }

  /**
   * Adds a tool.
   * @throws UserError when the name is taken.
   */
  addTool(toolOrOptions: Tool<Deps, any> | ToolOptions<Deps, any, any>): this {
    const t = asTool(toolOrOptions);
    if (this.tools.has(t.name)) throw new UserError(`Tool name conflicts with existing tool: '${t.name}'`);
    this.tools.set(t.name, t as Tool<Deps>);
    if (t.prepare !== undefined) this.hasPrepare = true;
    this.cache = undefined;
    return this;
  }

  /** Same as `addTool`. */
  tool(t: Tool<Deps, any>): this {
    return this.addTool(t);
  }

  /** Adds instructions (a string or a function of the run context). */
  addInstructions(instructions: ToolsetInstructions<Deps>): this {
    this.instructions.push(instructions);
    return this;
  }

  override async getInstructions(ctx: RunContext<Deps>): Promise<string[] | undefined> {
    if (this.instructions.length === 0) return undefined;
    const out: string[] = [];
    for (const i of this.instructions) {
      const v = typeof i === 'string' ? i : await i(ctx);
      if (v !== undefined && v.trim() !== '') out.push(v);
    }
    return out.length === 0 ? undefined : out;
  }

  private baseDef(t: Tool<Deps>): ToolDefinition {
    let def = t.definition;
    if ((this.requiresApproval && def.kind === 'function') || this.metadata !== undefined) {
      def = { ...def };
      if (this.requiresApproval) def.kind = 'unapproved';
      if (this.metadata !== undefined) def.metadata = { ...this.metadata, ...t.metadata };
    }
    return def;
  }

  private entry(t: Tool<Deps>, def: ToolDefinition, maxRetries: number): ToolsetTool<Deps> {
    return { toolset: this, toolDef: def, maxRetries, validate: (args) => validateWithSchema(t.parameters, args), sourceLabel: this.label };
  }

  async getTools(ctx: RunContext<Deps>): Promise<Map<string, ToolsetTool<Deps>>> {
    const defaultRetries = this.maxRetries ?? ctx.maxRetries;
    if (!this.hasPrepare && this.cache?.maxRetries === defaultRetries) return this.cache.tools;
    const out = new Map<string, ToolsetTool<Deps>>();
    for (const [originalName, t] of this.tools) {
      const maxRetries = t.retries ?? defaultRetries;
      let def: ToolDefinition | undefined = this.baseDef(t);
      if (t.prepare !== undefined) {
        def = await t.prepare({ ...ctx, toolName: originalName, maxRetries }, { ...def });
        if (def === undefined) continue;
      }
      if (out.has(def.name)) {
        throw new UserError(
          def.name !== originalName ? `Renaming tool '${originalName}' to '${def.name}' conflicts with existing tool.` : `Tool name conflicts with previously renamed tool: '${def.name}'.`,
        );
      }
      const e = this.entry(t, def, maxRetries);
      (e as { originalName?: string }).originalName = originalName;
      out.set(def.name, e);
    }
    if (!this.hasPrepare) this.cache = { maxRetries: defaultRetries, tools: out };
    return out;
  }

  callTool(name: string, args: Record<string, unknown>, ctx: RunContext<Deps>, tool: ToolsetTool<Deps>): unknown {
    const original = (tool as { originalName?: string }).originalName ?? name;
    const t = this.tools.get(original);
    if (t === undefined) throw new UserError(`${this.label} has no tool named '${original}'.`);
    return t.execute(args, ctx);
  }
}

/** A tool made with `tool()`, or the options `tool()` takes, made into one. */
export function asTool<Deps>(t: Tool<Deps, any> | ToolOptions<Deps, any, any>): Tool<Deps, any> {
  return (t as { kind?: unknown }).kind === 'function-tool' ? (t as Tool<Deps, any>) : makeTool(t as ToolOptions<Deps, any, any>);
}
