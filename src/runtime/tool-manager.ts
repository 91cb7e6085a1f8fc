/**
 * Per-step tool listing (pydantic-ai's `ToolManager.for_run_step`): asks the run's toolset for
 * its tools, lets capabilities prepare the definitions, checks names against output tools and
 * builds the request parameters. A static toolset is listed once and shared across runs.
 */
import { UserError } from './errors.js';
import type { ModelRequestParameters, ToolDefinition } from './model.js';
import { buildRunContext } from './run-state.js';
import type { RunState } from './run-state.js';
import type { ToolsetTool } from './toolsets/abstract.js';

/**
 * Makes `state.tools`, `state.functionToolDefs` and `state.requestParams` current for the step.
 * @throws UserError when a tool name clashes with an output tool or between toolsets.
 */
export function prepareStepTools(state: RunState<any>, step: number): Promise<void> | undefined {
  const cache = state.toolCache;
  if (cache?.params !== undefined) {
    // static tools listed before: no await on the hot path
    state.tools = cache.tools!;
    state.requestParams = cache.params;
    state.functionToolDefs = cache.params.functionTools;
    state.toolsStep = step;
    return undefined;
  }
  if (state.toolsStep === step) return undefined;
  return listStepTools(state, step, cache);
}

async function listStepTools(state: RunState<any>, step: number, cache: RunState<any>['toolCache']): Promise<void> {
  const ctx = { ...buildRunContext(state), runStep: step };
  let tools = await state.toolset.getTools(ctx);
  let defs: ToolDefinition[] = [];
  for (const t of tools.values()) defs.push(t.toolDef);
  const cap = state.capability;
  if (cap?.has('prepareTools')) {
    defs = await cap.prepareTools(ctx, defs);
    const next = new Map<string, ToolsetTool<any>>();
    for (const d of defs) {
      const t = tools.get(d.name);
      if (t === undefined) throw new UserError(`prepareTools returned a tool '${d.name}' the toolsets do not define; it may filter or change tools, not add or rename them.`);
      next.set(d.name, d === t.toolDef ? t : { ...t, toolDef: d });
    }
    tools = next;
  }
  for (const name of tools.keys()) {
    if (state.output.tools.has(name)) throw new UserError(`Tool name '${name}' conflicts with an output tool name; rename the tool.`);
  }
  const params: ModelRequestParameters = { ...state.requestParams, functionTools: defs };
  state.tools = tools;
  state.functionToolDefs = defs;
  state.requestParams = params;
  state.toolsStep = step;
  if (cache !== undefined) {
    cache.tools = tools;
    cache.params = params;
  }
}
