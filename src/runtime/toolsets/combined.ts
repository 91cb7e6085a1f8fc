/** `CombinedToolset` (pydantic-ai's `toolsets/combined.py`): several toolsets as one. */
import { UserError } from '../errors.js';
import type { RunContext } from '../run-context.js';
import { AbstractToolset } from './abstract.js';
import type { ToolsetTool } from './abstract.js';

/** Offers the tools of every toolset in `toolsets`; a name defined twice is an error. */
export class CombinedToolset<Deps = any> extends AbstractToolset<Deps> {
  readonly id = undefined;
  private readonly staticValue: boolean;
  constructor(readonly toolsets: readonly AbstractToolset<Deps>[]) {
    super();
    this.staticValue = toolsets.every((t) => t.isStatic);
  }

  override get label(): string {
    return `CombinedToolset(${this.toolsets.map((t) => t.label).join(', ')})`;
  }

  override get isStatic(): boolean {
    return this.staticValue;
  }

  override get hasInstructions(): boolean {
    return this.toolsets.some((t) => t.hasInstructions);
  }

  override async getInstructions(ctx: RunContext<Deps>): Promise<string[] | undefined> {
    let out: string[] | undefined;
    for (const t of this.toolsets) {
      const v = await t.getInstructions(ctx);
      if (v === undefined) continue;
      for (const s of typeof v === 'string' ? [v] : v) if (s.trim() !== '') (out ??= []).push(s);
    }
    return out;
  }

  /**
   * @throws UserError naming both toolsets when two define the same tool name (pydantic-ai's message).
   */
  async getTools(ctx: RunContext<Deps>): Promise<Map<string, ToolsetTool<Deps>>> {
    if (this.toolsets.length === 1) return this.toolsets[0]!.getTools(ctx);
    const lists = await Promise.all(this.toolsets.map((t) => t.getTools(ctx)));
    const out = new Map<string, ToolsetTool<Deps>>();
    lists.forEach((tools, i) => {
      for (const [name, tool] of tools) {
        const existing = out.get(name);
        if (existing !== undefined) {
          const label = tool.sourceLabel.charAt(0).toUpperCase() + tool.sourceLabel.slice(1);
          throw new UserError(
            `${label} defines a tool whose name conflicts with existing tool from ${existing.sourceLabel}: '${name}'. ${this.toolsets[i]!.toolNameConflictHint}`,
          );
        }
        out.set(name, { ...tool, toolset: this, inner: tool });
      }
    });
    return out;
  }

  callTool(name: string, args: Record<string, unknown>, ctx: RunContext<Deps>, tool: ToolsetTool<Deps>): unknown {
    const inner = tool.toolset === this ? tool.inner! : tool;
    return inner.toolset.callTool(name, args, ctx, inner);
  }

  override apply(visitor: (toolset: AbstractToolset<Deps>) => void): void {
    for (const t of this.toolsets) t.apply(visitor);
  }
}
