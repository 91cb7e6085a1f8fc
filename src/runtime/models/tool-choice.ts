/**
 * Resolution of the user-facing `toolChoice` setting into a provider-neutral form, as
 * pydantic-ai's `resolve_tool_choice` (models/_tool_choice.py): the setting governs function
 * tools only, and output tools are folded back in as the output type needs them. Providers map
 * the result onto their wire format.
 */
import { UserError } from '../errors.js';
import type { ModelRequestParameters } from '../model.js';
import type { ModelSettings } from '../settings.js';

/**
 * A resolved tool choice:
 * - `'none'`: no tool may be called (only when text output is allowed);
 * - `'auto'`: the model decides, text output allowed;
 * - `'required'`: the model must call a tool;
 * - `{ mode, toolNames }`: only these tools are available (`'auto'`: text output also allowed;
 *   `'required'`: one of them must be called). `toolNames` has no duplicates.
 */
export type ResolvedToolChoice = 'none' | 'auto' | 'required' | { mode: 'auto' | 'required'; toolNames: string[] };

/** Python-style rendering of a name set, sorted (`{'a', 'b'}`), for messages matching pydantic-ai's. */
function pySet(names: Iterable<string>): string {
  return `{${[...names].sort().map((n) => `'${n}'`).join(', ')}}`;
}

/** Python-style rendering of a sorted name list (`['a', 'b']`). */
function pyList(names: Iterable<string>): string {
  return `[${[...names].sort().map((n) => `'${n}'`).join(', ')}]`;
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

/**
 * Throws when no chosen name is available; warns (`UserWarning`) when some are not, as
 * pydantic-ai does to support tools that come and go between requests while catching typos.
 */
function checkInvalidTools(chosen: ReadonlySet<string>, available: ReadonlySet<string>, availableLabel: string): void {
  const invalid = [...chosen].filter((n) => !available.has(n));
  if (invalid.length === 0) return;
  if (invalid.length === chosen.size) {
    throw new UserError(`Invalid tool names in \`tool_choice\`: ${pySet(invalid)}. ${availableLabel}: ${available.size > 0 ? pySet(available) : 'none'}`);
  }
  process.emitWarning(
    `Some tools in \`tool_choice\` are not currently available and will be ignored: ${pyList(invalid)}. ${availableLabel}: ${pyList(available)}`,
    { type: 'UserWarning', code: 'REHEARSE_TOOL_CHOICE' },
  );
}

/**
 * Resolves `settings.toolChoice` against the request's tools and output (pydantic-ai's
 * `resolve_tool_choice`). Pass the output tools the provider will actually send (none in the
 * native and prompted output modes).
 * - unset / `'auto'` → `'auto'` when text output is allowed, else `'required'`;
 * - `'none'` / `[]` → with output tools: `{ mode, toolNames: outputTools }` where mode is
 *   `'auto'` if text is allowed, `'required'` if there are function tools, and plain
 *   `'required'` when output tools are the only tools; without output tools → `'none'`;
 * - `'required'` → `'required'`;
 * - `string[]` → `'required'` when the names are exactly every tool, else
 *   `{ mode: 'required', toolNames }`;
 * - `{ functionTools }` → the named function tools plus every output tool, mode `'auto'` when
 *   text is allowed else `'required'`; the bare mode when that is every tool; `'none'` when no
 *   function tool is named and there are no output tools.
 * @throws UserError for `'required'` without function tools, for a list or `functionTools`
 *   naming no available tool, and for `'none'` when neither output tools nor text output exist.
 */
export function resolveToolChoice(settings: ModelSettings | undefined, params: ModelRequestParameters): ResolvedToolChoice {
  const choice = settings?.toolChoice;
  const allowDirectOutput = params.allowTextOutput;
  const available = new Set([...params.functionTools, ...params.outputTools].map((t) => t.name));
  const outputNames = [...new Set(params.outputTools.map((t) => t.name))];

  if (choice === undefined || choice === 'auto') return allowDirectOutput ? 'auto' : 'required';

  if (choice === 'none' || (Array.isArray(choice) && choice.length === 0)) {
    if (outputNames.length > 0) {
      if (allowDirectOutput) return { mode: 'auto', toolNames: outputNames };
      if (params.functionTools.length > 0) return { mode: 'required', toolNames: outputNames };
      return 'required';
    }
    if (allowDirectOutput) return 'none';
    throw new UserError('`tool_choice` is "none" but the request has neither output tools nor text output.');
  }

  if (choice === 'required') {
    if (params.functionTools.length === 0) {
      throw new UserError(
        '`tool_choice` was set to "required", but no function tools are defined. Please define function tools or change `tool_choice` to "auto" or "none".',
      );
    }
    return 'required';
  }

  if (Array.isArray(choice)) {
    const chosen = new Set(choice);
    checkInvalidTools(chosen, available, 'Available tools');
    if (sameSet(chosen, available)) return 'required';
    return { mode: 'required', toolNames: [...chosen] };
  }

  const mode = allowDirectOutput ? 'auto' : 'required';
  if (choice.functionTools.length === 0) {
    return outputNames.length > 0 ? { mode, toolNames: outputNames } : 'none';
  }
  const chosen = new Set(choice.functionTools);
  checkInvalidTools(chosen, new Set(params.functionTools.map((t) => t.name)), 'Available function tools');
  const allowed = new Set([...chosen, ...outputNames]);
  if (sameSet(allowed, available)) return mode;
  return { mode, toolNames: [...allowed] };
}
