/**
 * `ExternalToolset` (pydantic-ai's `toolsets/external.py`): tools described by definitions
 * only, run outside the agent (e.g. by a frontend). Calling one ends the run with the call in
 * `DeferredToolRequests.calls`.
 */
import { UserError } from '../errors.js';
import type { ToolDefinition } from '../model.js';
import type { RunContext } from '../run-context.js';
import { AbstractToolset, acceptAnyArgs } from './abstract.js';
import type { ToolsetTool } from './abstract.js';

/** Tools run outside the agent, from their definitions (`parametersJsonSchema` as the model sees it). */
export class ExternalToolset<Deps = any> extends AbstractToolset<Deps> {
  readonly id: string | undefined;
  private readonly toolDefs: ToolDefinition[];
  private cache: { maxRetries: number; tools: Map<string, ToolsetTool<Deps>> } | undefined;
  constructor(toolDefs: readonly Omit<ToolDefinition, 'kind'>[], options: { id?: string } = {}) {
    super();
    this.id = options.id;
    this.toolDefs = toolDefs.map((d) => ({ ...d, kind: 'external' as const }));
  }
  override get isStatic(): boolean {
    return true;
  }
  override get hasInstructions(): boolean {
    return false;
  }
  /** The tools, with the agent's `retries` as their retry budget. */
  async getTools(ctx: RunContext<Deps>): Promise<Map<string, ToolsetTool<Deps>>> {
    if (this.cache?.maxRetries !== ctx.maxRetries) {
      const tools = new Map(this.toolDefs.map((d) => [d.name, { toolset: this, toolDef: d, maxRetries: ctx.maxRetries, validate: acceptAnyArgs, sourceLabel: this.label }]));
      this.cache = { maxRetries: ctx.maxRetries, tools };
    }
    return this.cache.tools;
  }
  /** @throws UserError always: external tools are never called by the agent. */
  async callTool(name: string): Promise<unknown> {
    throw new UserError(`External tool '${name}' cannot be called by the agent; its result comes through DeferredToolResults.`);
  }
}
