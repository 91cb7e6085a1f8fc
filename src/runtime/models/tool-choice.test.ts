import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UserError } from '../errors.js';
import type { ModelRequestParameters, ToolDefinition } from '../model.js';
import type { ToolChoice } from '../settings.js';
import { resolveToolChoice } from './tool-choice.js';

const fn = (name: string): ToolDefinition => ({ name, parametersJsonSchema: { type: 'object' }, kind: 'function' });
const out = (name: string): ToolDefinition => ({ name, parametersJsonSchema: { type: 'object' }, kind: 'output' });
function params(functionTools: string[], outputTools: string[], allowTextOutput: boolean): ModelRequestParameters {
  return { functionTools: functionTools.map(fn), outputTools: outputTools.map(out), allowTextOutput };
}
const resolve = (toolChoice: ToolChoice | undefined, p: ModelRequestParameters) => resolveToolChoice(toolChoice === undefined ? undefined : { toolChoice }, p);

afterEach(() => vi.restoreAllMocks());

describe('resolveToolChoice (pydantic-ai resolve_tool_choice)', () => {
  it('unset and auto: auto when text is allowed, else required', () => {
    expect(resolve(undefined, params(['a'], [], true))).toBe('auto');
    expect(resolve('auto', params(['a'], ['final_result'], false))).toBe('required');
    expect(resolveToolChoice(undefined, params([], ['final_result'], false))).toBe('required');
  });

  it('none and []: only output tools remain, forced when text is not allowed', () => {
    expect(resolve('none', params(['a'], [], true))).toBe('none');
    expect(resolve([], params(['a'], [], true))).toBe('none');
    expect(resolve('none', params(['a'], ['final_result'], true))).toEqual({ mode: 'auto', toolNames: ['final_result'] });
    expect(resolve('none', params(['a'], ['final_result'], false))).toEqual({ mode: 'required', toolNames: ['final_result'] });
    expect(resolve('none', params([], ['o1', 'o2'], false))).toBe('required');
    expect(() => resolve('none', params(['a'], [], false))).toThrow(UserError);
  });

  it('required: needs function tools', () => {
    expect(resolve('required', params(['a'], ['final_result'], false))).toBe('required');
    expect(() => resolve('required', params([], ['final_result'], false))).toThrow(
      '`tool_choice` was set to "required", but no function tools are defined. Please define function tools or change `tool_choice` to "auto" or "none".',
    );
  });

  it('list: required, restricted to the names; every tool named is plain required', () => {
    expect(resolve(['a'], params(['a', 'b'], [], true))).toEqual({ mode: 'required', toolNames: ['a'] });
    expect(resolve(['b', 'a'], params(['a', 'b'], [], true))).toBe('required');
    expect(() => resolve(['x'], params(['a', 'b'], [], true))).toThrow("Invalid tool names in `tool_choice`: {'x'}. Available tools: {'a', 'b'}");
    expect(() => resolve(['x'], params([], [], true))).toThrow("Invalid tool names in `tool_choice`: {'x'}. Available tools: none");
  });

  it('list with some unknown names: warns and keeps the choice', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    expect(resolve(['a', 'typo'], params(['a', 'b'], [], true))).toEqual({ mode: 'required', toolNames: ['a', 'typo'] });
    expect(warn).toHaveBeenCalledWith(
      "Some tools in `tool_choice` are not currently available and will be ignored: ['typo']. Available tools: ['a', 'b']",
      expect.objectContaining({ type: 'UserWarning' }),
    );
  });

  it('ToolOrOutput: the named function tools plus every output tool', () => {
    expect(resolve({ functionTools: ['a'] }, params(['a', 'b'], ['final_result'], false))).toEqual({ mode: 'required', toolNames: ['a', 'final_result'] });
    expect(resolve({ functionTools: ['a'] }, params(['a', 'b'], [], true))).toEqual({ mode: 'auto', toolNames: ['a'] });
    expect(resolve({ functionTools: ['a', 'b'] }, params(['a', 'b'], ['final_result'], false))).toBe('required');
    expect(resolve({ functionTools: [] }, params(['a'], ['final_result'], true))).toEqual({ mode: 'auto', toolNames: ['final_result'] });
    expect(resolve({ functionTools: [] }, params(['a'], [], true))).toBe('none');
    expect(() => resolve({ functionTools: ['final_result'] }, params(['a'], ['final_result'], false))).toThrow('Available function tools');
  });

  it('property: a resolved subset only names known tools or chosen names, and never allows text when text is not allowed', () => {
    const names = fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 4 });
    fc.assert(
      fc.property(names, names, fc.boolean(), fc.constantFrom<ToolChoice | undefined>(undefined, 'auto', 'none', 'required'), (f, o, text, choice) => {
        const outputs = o.map((n) => `out_${n}`);
        if (!text && outputs.length === 0) return; // the agent never builds such a request
        let r;
        try {
          r = resolve(choice, params(f, outputs, text));
        } catch (e) {
          expect(e).toBeInstanceOf(UserError);
          expect(choice === 'required' && f.length === 0).toBe(true);
          return;
        }
        if (!text) expect(r === 'auto' || r === 'none' || (typeof r === 'object' && r.mode === 'auto')).toBe(false);
        if (typeof r === 'object') for (const n of r.toolNames) expect([...f, ...outputs]).toContain(n);
      }),
    );
  });
});
